"""SERVICE_PROCESSES: one service as several processes on one port, each a full replica (its own
pool, outbox relay, consumers and workers). Every request is answered, every event relayed exactly
once between the relays, and SIGTERM to the supervisor stops every replica."""

import asyncio
import dataclasses
import time
from pathlib import Path

import httpx

from deploy.local.processes import child_pids, free_port, is_running
from deploy.local.stack import ServiceProcess
from tests.test_end_to_end import APPLY, application

REPLICAS = 2


def still_running(pids: list[int], timeout: float) -> dict[int, str]:
    """The pids (with their command lines) still running after `timeout` seconds: the supervisor's own
    helper (multiprocessing's resource tracker) ends only once it sees the supervisor gone."""
    deadline = time.monotonic() + timeout
    while any(is_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return {pid: command_of(pid) for pid in pids if is_running(pid)}


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "(gone)"


async def test_replicas_share_the_port_and_the_outbox(stack, smtp_sink, tmp_path_factory):
    config = dataclasses.replace(
        stack.config,
        ports=dict(stack.config.ports, registration=free_port()),
        log_dir=tmp_path_factory.mktemp("replicas"),
        service_env={"registration": {"SERVICE_PROCESSES": str(REPLICAS)}},
    )
    service = ServiceProcess("registration", config)
    service.start()
    try:
        service.wait_ready()
        supervisor = service.process.pid
        assert len(child_pids(supervisor)) >= REPLICAS, "uvicorn starts one child per replica"
        emails = [f"replica-{n}-{time.time_ns()}@city.example.eu" for n in range(20)]
        async with httpx.AsyncClient(base_url=service.url, timeout=20) as client:
            answers = await asyncio.gather(*(client.post(APPLY, json=application(email)) for email in emails))
        assert [a.status_code for a in answers] == [201] * len(emails)
        for email in emails:
            await smtp_sink.wait_for(lambda m, email=email: email in m.rcpt_tos, timeout=30)
        await asyncio.sleep(1.5)  # one more relay round for anything published twice
        confirmations = [m for m in smtp_sink.messages() if m.rcpt_tos[0] in emails]
        assert sorted(m.rcpt_tos[0] for m in confirmations) == sorted(emails), "each exactly once"
    finally:
        children = child_pids(service.process.pid) if service.process else []
        service.stop()
    left = still_running(children, timeout=10)
    assert not left, f"SIGTERM stops every replica; still running: {left}"
