"""Running a hypothesis state machine against the test's database.

Hypothesis drives a machine synchronously, so it runs in a thread, while each operation it
makes runs on the test's event loop, where the runtime's database lives: the machine calls
`self.run(coroutine)` for each.
"""

import asyncio
from collections.abc import Awaitable
from typing import Any

from hypothesis import settings as Settings  # noqa: N812 - the settings object, not a module
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test


async def run_machine(
    machine: type[RuleBasedStateMachine], settings: Settings, **attributes: Any
) -> None:
    """Run `machine` (given `attributes` besides `run`) as a test, in a thread."""
    loop = asyncio.get_running_loop()

    def on_the_loop(operation: Awaitable[Any]) -> Any:
        async def wrapped() -> Any:
            return await operation

        return asyncio.run_coroutine_threadsafe(wrapped(), loop).result(timeout=60)

    bound = type("Machine", (machine,), {"run": staticmethod(on_the_loop), **attributes})
    await asyncio.to_thread(run_state_machine_as_test, bound, settings=settings)
