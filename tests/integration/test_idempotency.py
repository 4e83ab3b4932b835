"""The idempotency mechanism on a real database: claims, leases, lost claims and purging."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select, update

from src.application.auth import create_user
from src.application.idempotency import IdempotentRequest, answer_once, purge_expired_keys
from src.config.settings import IdempotencySettings
from src.domain.clock import utcnow
from src.domain.idempotency import Answer
from src.domain.users import Role
from src.infrastructure.database import current_connection, current_session, transaction
from src.infrastructure.database.tables import IdempotencyKeysTable, UsersTable
from src.infrastructure.errors import Conflict
from src.infrastructure.runtime import Runtime, start_runtime, stop_runtime
from tests.conftest import build_app, make_settings

pytestmark = pytest.mark.database


async def new_user() -> UUID:
    made = await create_user(
        email=f"u-{uuid4().hex[:8]}@example.com", full_name="U", role=Role.BUYER, password_hash="x"
    )
    return made.id


@pytest.fixture
async def user(runtime: Runtime) -> UUID:
    return await new_user()


@pytest.fixture
async def runtime_keeping_keys_48_hours(database_url: str) -> AsyncIterator[Runtime]:
    settings = make_settings(database_url, idempotency=IdempotencySettings(ttl_hours=48))
    services = start_runtime(settings)
    yield services
    await stop_runtime()


def render(value: str) -> Answer:
    return Answer(status=201, body=json.dumps(value))


def refuse(error: Exception) -> Answer:
    return Answer(status=409, body=str(error))


@transaction
async def rename(user_id: UUID, name: str) -> str:
    """A stand-in operation with an effect we can count: it renames the user."""
    await current_session().execute(
        update(UsersTable).where(UsersTable.id == user_id).values(full_name=name)
    )
    return name


@transaction(readonly=True)
async def name_of(user_id: UUID) -> str:
    row = await (await current_connection()).execute(
        select(UsersTable.full_name).where(UsersTable.id == user_id)
    )
    return str(row.scalar_one())


@transaction
async def age_keys(by: timedelta, *, leases_only: bool = False) -> None:
    """Move every key's clock back, as if `by` had passed."""
    table = IdempotencyKeysTable
    session = current_session()
    for row in (await session.execute(select(table))).scalars().all():
        if row.locked_until is not None:
            row.locked_until -= by
        if not leases_only:
            row.expires_at -= by
            row.created_at -= by
    await session.flush()


@transaction(readonly=True)
async def key_count() -> int:
    return int((await (await current_connection()).execute(select(func.count()).select_from(
        IdempotencyKeysTable))).scalar_one())  # fmt: skip


@transaction(readonly=True)
async def key_names() -> list[str]:
    rows = await (await current_connection()).execute(select(IdempotencyKeysTable.key))
    return sorted(rows.scalars())


async def test_a_crashed_request_frees_its_key_once_its_lease_runs_out(user: UUID) -> None:
    request = IdempotentRequest(user_id=user, key="k", fingerprint="f")

    async def crash() -> str:
        raise KeyboardInterrupt  # not even an Exception: the claim must still not stick

    with pytest.raises(KeyboardInterrupt):
        await answer_once(request, crash, render=render, render_refusal=refuse)
    assert await key_count() == 0  # released at once

    # A claim left behind by a process that died (no release): in flight until the lease ends.
    @transaction
    async def claim_and_die() -> None:
        from src.application.idempotency import _claim  # noqa: PLC0415 - the claim step alone

        await _claim(request)

    await claim_and_die()
    with pytest.raises(Conflict) as busy:
        await answer_once(request, lambda: rename(user, "A"), render=render, render_refusal=refuse)
    assert busy.value.code == "idempotencyKeyInFlight"
    await age_keys(timedelta(minutes=5), leases_only=True)

    answer = await answer_once(
        request, lambda: rename(user, "B"), render=render, render_refusal=refuse
    )

    assert (answer.status, json.loads(answer.body), answer.replayed) == (201, "B", False)
    assert await name_of(user) == "B"


async def test_work_done_under_a_lost_claim_is_undone(user: UUID) -> None:
    """If a slow request's lease ran out and a retry took its key over, the slow one's work
    rolls back when it tries to record its answer: the key's work happens once."""
    request = IdempotentRequest(user_id=user, key="slow", fingerprint="f")

    async def slow_then_overtaken() -> str:
        name = await rename(user, "slow")
        await steal_key(user)
        return name

    with pytest.raises(Conflict) as lost:
        await answer_once(request, slow_then_overtaken, render=render, render_refusal=refuse)
    assert lost.value.code == "idempotencyKeyInFlight"
    assert await name_of(user) == "U"


async def steal_key(user: UUID) -> None:
    # Inside the slow request's transaction: change the claim id as a takeover would.
    await current_session().execute(
        update(IdempotencyKeysTable)
        .where(IdempotencyKeysTable.user_id == user)
        .values(claim_id=uuid4())
    )


async def test_an_expired_key_runs_again_and_purging_removes_only_expired_keys(
    user: UUID,
) -> None:
    old = IdempotentRequest(user_id=user, key="old", fingerprint="f")
    await answer_once(old, lambda: rename(user, "first"), render=render, render_refusal=refuse)
    await age_keys(timedelta(hours=25))
    fresh = IdempotentRequest(user_id=user, key="fresh", fingerprint="f")
    await answer_once(fresh, lambda: rename(user, "x"), render=render, render_refusal=refuse)

    again = await answer_once(
        old, lambda: rename(user, "second"), render=render, render_refusal=refuse
    )
    assert (json.loads(again.body), again.replayed) == ("second", False)
    await age_keys(timedelta(hours=25))
    await answer_once(fresh, lambda: rename(user, "y"), render=render, render_refusal=refuse)
    assert await key_count() == 2

    await age_keys(timedelta(hours=23))  # "fresh" (renewed just now) is 23 h old, "old" 48 h
    assert await purge_expired_keys() == 1
    assert await key_count() == 1


async def test_keys_last_as_configured(user: UUID, runtime: Runtime) -> None:
    request = IdempotentRequest(user_id=user, key="ttl", fingerprint="f")
    before = utcnow()
    await answer_once(request, lambda: rename(user, "x"), render=render, render_refusal=refuse)

    @transaction(readonly=True)
    async def expiry() -> timedelta:
        statement = select(IdempotencyKeysTable.expires_at)
        expires_at = (await (await current_connection()).execute(statement)).scalar_one()
        return expires_at - before

    lifetime = await expiry()
    hours = runtime.settings.idempotency.ttl_hours
    assert timedelta(hours=hours) <= lifetime < timedelta(hours=hours, seconds=5)


async def test_a_key_lasts_the_configured_period_not_the_default(
    runtime_keeping_keys_48_hours: Runtime,
) -> None:
    user = await new_user()
    request = IdempotentRequest(user_id=user, key="ttl", fingerprint="f")
    before = utcnow()
    await answer_once(request, lambda: rename(user, "x"), render=render, render_refusal=refuse)
    after = utcnow()

    @transaction(readonly=True)
    async def expiry() -> datetime:
        statement = select(IdempotencyKeysTable.expires_at)
        expires_at: datetime = (await (await current_connection()).execute(statement)).scalar_one()
        return expires_at

    assert before + timedelta(hours=48) <= await expiry() <= after + timedelta(hours=48)


async def test_the_running_app_purges_expired_keys_on_its_configured_schedule(
    database_url: str,
) -> None:
    # Every second instead of the default hour: only the app's own job can purge in time.
    idempotency = IdempotencySettings(purge_interval_seconds=1)
    app = build_app(make_settings(database_url, idempotency=idempotency))
    async with app.router.lifespan_context(app):
        user = await new_user()
        old = IdempotentRequest(user_id=user, key="old", fingerprint="f")
        await answer_once(old, lambda: rename(user, "x"), render=render, render_refusal=refuse)
        await age_keys(timedelta(hours=25))
        fresh = IdempotentRequest(user_id=user, key="fresh", fingerprint="f")
        await answer_once(fresh, lambda: rename(user, "y"), render=render, render_refusal=refuse)

        # The first run comes within one interval of startup, then one every interval.
        for _ in range(80):
            if await key_names() == ["fresh"]:
                break
            await asyncio.sleep(0.05)
        assert await key_names() == ["fresh"]
