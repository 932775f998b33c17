"""Background loops are started again when they crash, and each crash is logged and counted."""

import asyncio
import logging

from shared.background import keep_running


async def test_a_crashed_loop_is_started_again_and_each_crash_is_counted(caplog):
    runs, crashes, running = [], [], asyncio.Event()

    async def delivery_loop() -> None:
        runs.append(len(runs))
        if len(runs) <= 2:
            raise RuntimeError(f"unexpected failure {len(runs)}")
        running.set()
        await asyncio.Event().wait()

    with caplog.at_level(logging.ERROR, logger="shared.background"):
        task = asyncio.create_task(keep_running("DeliveryWorker.run", delivery_loop, crashes.append, first_delay=0.01))
        await asyncio.wait_for(running.wait(), 5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert len(runs) == 3
    assert crashes == ["DeliveryWorker.run", "DeliveryWorker.run"]
    crashed = [r for r in caplog.records if r.getMessage() == "background loop crashed, starting it again"]
    assert [r.exc_info[1].args[0] for r in crashed] == ["unexpected failure 1", "unexpected failure 2"]
    assert task.cancelled(), "cancelling the task stops the loop for good"


async def test_a_loop_that_returns_is_started_again():
    runs, third_run = [], asyncio.Event()

    async def short_loop() -> None:
        runs.append(1)
        if len(runs) == 3:
            third_run.set()

    task = asyncio.create_task(keep_running("short", short_loop, first_delay=0.01))
    await asyncio.wait_for(third_run.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(runs) == 3


async def test_rounds_follow_each_other_while_full_and_a_failed_round_waits():
    from shared.background import in_rounds

    done_per_round = iter([10, 10, 3, RuntimeError("database down"), 0])
    waits, rounds, finished = [], [], asyncio.Event()

    async def one_round() -> int:
        rounds.append(1)
        outcome = next(done_per_round, None)
        if outcome is None:
            finished.set()
            await asyncio.Event().wait()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def wait() -> None:
        waits.append(len(rounds))

    task = asyncio.create_task(in_rounds("test", one_round, wait=wait, batch=10))
    await asyncio.wait_for(finished.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert waits == [3, 4, 5], "no wait after a full batch; a wait after a partial one, a failure, an empty one"
