"""Idempotency keys in the database, claimed and answered under a claim id."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, delete, select, update

from src.domain.idempotency.entities import Answer, Claim, IdempotencyRecord
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import IdempotencyKeysTable

_T = IdempotencyKeysTable
# Parameters are named apart from the columns: an UPDATE reserves the columns' own names.
_THE_KEY = and_(_T.user_id == bindparam("the_user"), _T.key == bindparam("the_key"))
_BY_KEY = select(_T).where(_THE_KEY)
_UNDER_CLAIM = and_(_THE_KEY, _T.claim_id == bindparam("the_claim"))


def _to_record(row: Any) -> IdempotencyRecord:
    answer = None
    if row.answer_status is not None:
        answer = Answer(status=row.answer_status, body=row.answer_body, headers=row.answer_headers)
    return IdempotencyRecord(
        user_id=row.user_id,
        key=row.key,
        fingerprint=row.fingerprint,
        claim_id=row.claim_id,
        locked_until=row.locked_until,
        answer=answer,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def _row_values(record: IdempotencyRecord) -> dict[str, Any]:
    answer = record.answer
    return {
        "user_id": record.user_id,
        "key": record.key,
        "fingerprint": record.fingerprint,
        "claim_id": record.claim_id,
        "locked_until": record.locked_until,
        "answer_status": None if answer is None else answer.status,
        "answer_headers": None if answer is None else answer.headers,
        "answer_body": None if answer is None else answer.body,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
    }


class IdempotencyRepository(BaseRepository[IdempotencyKeysTable]):
    table = IdempotencyKeysTable

    async def insert_if_absent(self, record: IdempotencyRecord) -> bool:
        """Store a new key; False if the user already holds it (whoever got there first)."""
        return await self._insert_ignoring_existing(_row_values(record), unique=["user_id", "key"])

    async def get(
        self, user_id: UUID, key: str, *, for_update: bool = False
    ) -> IdempotencyRecord | None:
        statement = _BY_KEY.with_for_update() if for_update else _BY_KEY
        row = (await self._execute(statement, {"the_user": user_id, "the_key": key})).one_or_none()
        return None if row is None else _to_record(row)

    async def replace(self, record: IdempotencyRecord, *, previous_claim: UUID) -> bool:
        """Overwrite the key if `previous_claim` still holds it."""
        values = _row_values(record)
        del values["user_id"], values["key"]
        statement = update(_T).where(_UNDER_CLAIM).values(values)
        count = await self._execute_count(
            statement,
            {"the_user": record.user_id, "the_key": record.key, "the_claim": previous_claim},
        )
        return bool(count)

    async def answer(self, claim: Claim, answer: Answer) -> bool:
        """Record the answer under `claim`; False if the claim was lost meanwhile."""
        statement = (
            update(_T)
            .where(_UNDER_CLAIM)
            .values(
                locked_until=None,
                answer_status=answer.status,
                answer_headers=answer.headers,
                answer_body=answer.body,
            )
        )
        count = await self._execute_count(statement, _claim_parameters(claim))
        return bool(count)

    async def release(self, claim: Claim) -> None:
        """Free the key for a retry, if `claim` still holds it."""
        await self._execute(delete(_T).where(_UNDER_CLAIM), _claim_parameters(claim))

    async def purge(self, now: datetime) -> int:
        """Delete every expired key; how many went."""
        return await self._execute_count(delete(_T).where(_T.expires_at <= now))


def _claim_parameters(claim: Claim) -> dict[str, Any]:
    return {"the_user": claim.user_id, "the_key": claim.key, "the_claim": claim.claim_id}
