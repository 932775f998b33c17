"""The platform benchmark (`make bench`): raw baselines and the system, measured in ONE run.

On this machine, with the real local Kafka, PostgreSQL and SMTP sink:
1. raw baselines: asyncpg transactions of two inserts, aiokafka produce (acks=all, idempotent),
   aiosmtplib sends to the sink;
2. HTTP intake: applications/s for `--intake-seconds` with p50/p95/p99 (load from another process);
3. deadline burst: `--burst` applications as fast as possible, then the time until every
   confirmation is at the sink; lost (expected - received) and duplicates (same Message-ID or same
   application twice).
Prints a table and writes JSON (`--out`). The end-to-end rate is also given as a ratio of the
slowest raw stage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.bench.cpu import CpuMeter
from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres
from deploy.local.processes import free_port
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import SERVICES, ServiceStack, StackConfig

BENCH_STAFF = ("bench-staff-1@efus.example.eu", "bench-staff-2@efus.example.eu")
"""Two staff members, as Efus has several: each application notifies them (coalesced per window)."""
TARGETS = {"intake_rate": 1000, "intake_p99_ms": 100, "burst_seconds": 30, "end_to_end_ratio": 0.5}


async def raw_postgres(url: str, transactions: int = 5000, concurrency: int = 16) -> float:
    """Transactions/s, each inserting two rows (a business row and an outbox-like row)."""
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    await pool.execute("CREATE TABLE IF NOT EXISTS bench_a (id uuid PRIMARY KEY, body text)")
    await pool.execute("CREATE TABLE IF NOT EXISTS bench_b (id bigserial PRIMARY KEY, a uuid, body bytea)")
    remaining = iter(range(transactions))

    async def worker() -> None:
        async with pool.acquire() as conn:
            for _ in remaining:
                async with conn.transaction():
                    key = uuid.uuid4()
                    await conn.execute("INSERT INTO bench_a VALUES ($1, $2)", key, "x" * 400)
                    await conn.execute("INSERT INTO bench_b (a, body) VALUES ($1, $2)", key, b"y" * 600)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return transactions / elapsed


async def raw_kafka(bootstrap: str, messages: int = 20_000) -> float:
    """Messages/s of ~1 KB, acks=all, idempotent producer, keyed (6 partitions)."""
    topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, b"z" * 1000, key=str(i % 500).encode()) for i in range(messages)]
        await asyncio.gather(*futures)
        return messages / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def raw_smtp(port: int, messages: int = 2000) -> float:
    """Messages/s sent with aiosmtplib over one reused connection, like the delivery worker."""
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    try:
        started = time.perf_counter()
        for n in range(messages):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "a@bench.example.eu", f"raw-{n}@x.example.eu", "raw"
            message.set_content("x" * 1500)
            await client.send_message(message)
        return messages / (time.perf_counter() - started)
    finally:
        await client.quit()


def run_load(url: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "deploy.bench.load", "--url", url, *args], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def wait_for_confirmations(sink: SmtpSink, prefix: str, expected: int, timeout: float) -> float:
    """Wall-clock time at which the last expected confirmation arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = [m for m in sink.messages() if m.rcpt_tos and m.rcpt_tos[0].startswith(prefix + "-")]
        if len(arrived) >= expected:
            return max((m.received_at.timestamp() for m in arrived), default=time.time())
        time.sleep(0.2)
    return float("nan")


def count_losses(sink: SmtpSink, prefix: str, expected: int) -> dict[str, int]:
    mails = [m for m in sink.messages() if m.rcpt_tos and m.rcpt_tos[0].startswith(prefix + "-")]
    ids = Counter(m.message_id for m in mails)
    recipients = Counter(m.rcpt_tos[0] for m in mails)
    return {
        "received": len(mails),
        "lost": expected - len(recipients),
        "duplicate_message_ids": sum(n - 1 for n in ids.values() if n > 1),
        "duplicate_applications": sum(n - 1 for n in recipients.values() if n > 1),
    }


def start_system(
    work: Path, processes: dict[str, int] | None = None
) -> tuple[LocalPostgres, LocalKafka, SmtpSink, ServiceStack]:
    postgres = LocalPostgres(work / "postgres", settings={"max_connections": "200"})
    kafka = LocalKafka(work / "kafka")
    sink = SmtpSink(port=free_port())
    postgres.start()
    kafka.start()
    sink.start()
    config = StackConfig(
        database_url=postgres.url,
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        ports={name: free_port() for name in SERVICES},
        log_dir=work / "logs",
        secret_key=uuid.uuid4().hex * 2,
        log_level="WARNING",
        staff_emails=BENCH_STAFF,
        # one client address sends everything, and the sink has no relay limits to respect
        extra_env={"PUBLIC_RATE_LIMIT": "0", "NOTIFICATIONS_MAX_SEND_RATE": "0"},
        service_env={name: {"SERVICE_PROCESSES": str(count)} for name, count in (processes or {}).items()},
    )
    stack = ServiceStack(config)
    stack.run_command("registration", "seed")
    stack.start()
    return postgres, kafka, sink, stack


def measure(args: argparse.Namespace, work: Path) -> dict:
    processes = {"registration": args.registration_processes, "notifications": args.notifications_processes}
    postgres, kafka, sink, stack = start_system(work, processes)
    try:
        url = stack["registration"].url
        results: dict[str, object] = {
            "raw_postgres_tx_per_s": asyncio.run(raw_postgres(postgres.url)),
            "raw_kafka_msg_per_s": asyncio.run(raw_kafka(kafka.bootstrap_servers)),
            "raw_smtp_msg_per_s": asyncio.run(raw_smtp(sink.port)),
        }
        sink.clear()
        intake = run_load(
            url,
            "--mode",
            "duration",
            "--seconds",
            str(args.intake_seconds),
            "--concurrency",
            str(args.concurrency),
            "--prefix",
            "intake",
        )
        results["intake"] = intake
        wait_for_confirmations(sink, "intake", intake["accepted"], timeout=600)
        sink.clear()
        meter = CpuMeter(
            {name: stack[name].process.pid for name in SERVICES} | {"postgresql": postgres.pid, "kafka": kafka.pid}
        )
        meter.start()
        burst = run_load(
            url,
            "--mode",
            "count",
            "--count",
            str(args.burst),
            "--concurrency",
            str(args.concurrency * 2),
            "--prefix",
            "burst",
        )
        last = wait_for_confirmations(sink, "burst", burst["accepted"], timeout=600)
        results["burst_cpu_seconds"] = meter.stop()
        results["burst"] = burst | count_losses(sink, "burst", args.burst)
        results["burst"]["staff_emails"] = sum(1 for m in sink.messages() if set(m.rcpt_tos) & set(BENCH_STAFF))
        results["burst"]["all_delivered_s"] = round(last - burst["started_at"], 2)
        return results
    finally:
        stack.stop()
        sink.stop()
        kafka.stop()
        postgres.stop()


def summarise(results: dict) -> dict:
    slowest = min(results["raw_postgres_tx_per_s"], results["raw_kafka_msg_per_s"], results["raw_smtp_msg_per_s"])
    burst = results["burst"]
    end_to_end = burst["accepted"] / burst["all_delivered_s"]
    results["slowest_raw_stage_per_s"] = slowest
    results["end_to_end_per_s"] = end_to_end
    results["end_to_end_ratio"] = end_to_end / slowest
    results["targets"] = TARGETS
    cpu_ms = {name: seconds * 1000 / burst["accepted"] for name, seconds in results["burst_cpu_seconds"].items()}
    results["burst_cpu_ms_per_application"] = cpu_ms
    results["cores"] = os.cpu_count()
    # If CPU is the only limit, the machine cannot go faster than its cores divided by the CPU one
    # application costs, summed over every component that handles it.
    results["cpu_bound_ceiling_per_s"] = results["cores"] * 1000 / sum(cpu_ms.values())
    return results


def print_table(results: dict) -> None:
    intake, burst = results["intake"], results["burst"]
    rows = [
        ("raw asyncpg (2 inserts/tx)", f"{results['raw_postgres_tx_per_s']:.0f} tx/s", ""),
        ("raw aiokafka (acks=all, idempotent)", f"{results['raw_kafka_msg_per_s']:.0f} msg/s", ""),
        ("raw aiosmtplib -> sink", f"{results['raw_smtp_msg_per_s']:.0f} msg/s", ""),
        ("HTTP intake", f"{intake['rate_per_s']:.0f} req/s", f">= {TARGETS['intake_rate']}"),
        (
            "intake latency p50/p95/p99",
            f"{intake['p50_ms']:.1f}/{intake['p95_ms']:.1f}/{intake['p99_ms']:.1f} ms",
            f"p99 < {TARGETS['intake_p99_ms']} ms",
        ),
        ("intake errors", json.dumps(intake["errors"]), "none"),
        (
            f"burst {burst['requests']} -> all at sink",
            f"{burst['all_delivered_s']:.1f} s",
            f"< {TARGETS['burst_seconds']} s",
        ),
        (
            "burst lost / dup ids / dup apps",
            f"{burst['lost']} / {burst['duplicate_message_ids']} / {burst['duplicate_applications']}",
            "0 / 0 / 0",
        ),
        ("staff emails during the burst", f"{burst['staff_emails']}", "coalesced per staff member"),
        ("end-to-end rate", f"{results['end_to_end_per_s']:.0f} /s", ""),
        (
            "end-to-end / slowest raw stage",
            f"{results['end_to_end_ratio']:.0%}",
            f">= {TARGETS['end_to_end_ratio']:.0%}",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>22}  {target}")
    print(f"\nCPU per application during the burst ({results['cores']} cores):")
    for name, ms in sorted(results["burst_cpu_ms_per_application"].items(), key=lambda item: -item[1]):
        print(f"  {name:<24} {ms:6.2f} ms")
    total = sum(results["burst_cpu_ms_per_application"].values())
    print(
        f"  {'total':<24} {total:6.2f} ms -> CPU-bound ceiling {results['cpu_bound_ceiling_per_s']:.0f} applications/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.platform")
    parser.add_argument("--intake-seconds", type=float, default=30)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--registration-processes", type=int, default=2, help="SERVICE_PROCESSES of registration")
    parser.add_argument("--notifications-processes", type=int, default=1, help="SERVICE_PROCESSES of notifications")
    parser.add_argument("--out", type=Path, default=Path(".local/bench/platform.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pactesur-bench-") as work:
        results = summarise(measure(args, Path(work)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print_table(results)
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
