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
