"""`Idempotency-Key` for any POST: a retry with the same key and body gets the first answer.

The key is scoped to the caller and bound to a fingerprint of the method, path and validated
body, so spelling the same body differently (snake_case keys, spacing) is still the same
request, while another request under the same key is refused with `idempotencyKeyReused`.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from src.application.idempotency import IdempotentRequest, answer_once
from src.domain.idempotency import Answer
from src.domain.users import Principal
from src.infrastructure.web import problem_for

ResultT = TypeVar("ResultT")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Send the same key again with the same body to get the first answer "
        "instead of doing the work twice; kept for at least 24 hours, per user.",
        examples=["order-7f3c9a1e"],
    ),
]

# What a replay repeats besides the body: the answer's own headers, not per-request ones.
_KEPT_HEADERS = ("content-type", "location")


def fingerprint(request: Request, body: BaseModel | None) -> str:
    """SHA-256 of the method, the path and the canonical JSON of the validated body."""
    content = None if body is None else body.model_dump(mode="json")
    canonical = json.dumps(
        [request.method, request.url.path, content], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def respond_once(
    request: Request,
    *,
    principal: Principal,
    key: str | None,
    body: BaseModel | None,
    operation: Callable[[], Awaitable[ResultT]],
    respond: Callable[[ResultT], JSONResponse],
    atomic: bool = True,
) -> Response:
    """Run `operation` and shape its result with `respond`, at most once per key.

    `atomic=False` for operations that commit more than once (see `answer_once`).
    """
    if key is None:
        return respond(await operation())
    answer = await answer_once(
        IdempotentRequest(
            user_id=principal.user_id, key=key, fingerprint=fingerprint(request, body)
        ),
        operation,
        render=lambda result: _to_answer(respond(result)),
        render_refusal=lambda error: _to_answer(problem_for(error)),
        atomic=atomic,
    )
    return _replay(answer)


def _to_answer(response: JSONResponse) -> Answer:
    headers = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
    return Answer(status=response.status_code, body=bytes(response.body).decode(), headers=headers)


def _replay(answer: Answer) -> Response:
    headers = answer.headers | ({"Idempotent-Replayed": "true"} if answer.replayed else {})
    return Response(content=answer.body, status_code=answer.status, headers=headers)
