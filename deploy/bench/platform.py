"""The platform benchmark (`make bench`): raw baselines and the system, measured in ONE run.

On this machine, with the real local Kafka, PostgreSQL and SMTP sink:
1. raw baselines: asyncpg transactions of two inserts, aiokafka produce (acks=all, idempotent),
   aiosmtplib sends to the sink; on a Kafka cluster (`--kafka-brokers 3`), the produce rate to a
   topic of 3 replicas (min.insync.replicas 2) and to one of 1, which is what replication costs raw;
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
from dataclasses import asdict
from pathlib import Path

import asyncpg

from deploy.bench import history, statements
from deploy.bench.baselines import raw_kafka, raw_postgres, raw_smtp
from deploy.bench.cpu import CpuMeter
from deploy.bench.memory import MemoryPeaks
from deploy.bench.profiles import Profiler, py_spy
from deploy.local.kafka import LocalKafka, LocalKafkaCluster
from deploy.local.postgres import LocalPostgres
from deploy.local.processes import free_port
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import SERVICES, ServiceStack, StackConfig

BENCH_STAFF = ("bench-staff-1@efus.example.eu", "bench-staff-2@efus.example.eu")
"""Two staff members, as Efus has several: each application notifies them (coalesced per window)."""
SYSTEM_COMPONENTS = ("registration", "scheduling", "notifications", "postgresql", "kafka")
"""What the CPU target counts: the services, PostgreSQL and Kafka (not the sink nor the load generator)."""
TARGETS = {
    "CPU per application (services+pg+kafka)": "<= 4.5 ms",
    "burst 10000 -> all at sink": "<= 30 s",
    "end-to-end / slowest raw stage": ">= 50%",
    "HTTP intake, p99": ">= 800/s, < 100 ms",
    "lost / dup ids / dup apps": "0 / 0 / 0",
    "peak RSS per process (MB)": "<= 200 each",
    "staff emails during the burst": "coalesced",
    "rate on history / on empty tables": ">= 0.8",
    "lost / dups on history": "0 / 0 / 0",
}
ISSUE_DAY = {
    "raw aiosmtplib -> sink": "495 msg/s",
    "CPU per application (services+pg+kafka)": "9.2 ms",
    "burst 10000 -> all at sink": "68.4 s",
    "end-to-end / slowest raw stage": "146/s = 30%",
    "HTTP intake, p99": "366/s, 190 ms",
    "lost / dup ids / dup apps": "0 / 0 / 0",
}
"""The figures in the issue's text, measured on another day: compare only within one run."""


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


Kafka = LocalKafka | LocalKafkaCluster
System = tuple[LocalPostgres, Kafka, SmtpSink, ServiceStack]


def start_system(work: Path, processes: dict[str, int] | None = None, kafka_brokers: int = 1) -> System:
    """PostgreSQL, Kafka (one node, or a cluster whose topics have 3 replicas and min ISR 2, as
    deploy/cluster.env runs them), the sink and the services."""
    postgres = LocalPostgres(work / "postgres", settings={"max_connections": "200"} | statements.PRELOAD)
    kafka: Kafka = LocalKafkaCluster(work / "kafka", kafka_brokers) if kafka_brokers > 1 else LocalKafka(work / "kafka")
    replication = {
        "KAFKA_REPLICATION_FACTOR": str(min(kafka_brokers, 3)),
        "KAFKA_MIN_INSYNC_REPLICAS": str(max(1, min(kafka_brokers, 3) - 1)),
    }
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
        extra_env={"PUBLIC_RATE_LIMIT": "0", "NOTIFICATIONS_MAX_SEND_RATE": "0"} | replication,
        service_env={name: {"SERVICE_PROCESSES": str(count)} for name, count in (processes or {}).items()},
    )
    stack = ServiceStack(config)
    stack.run_command("registration", "seed")
    stack.start()
    return postgres, kafka, sink, stack


async def staff_notices(url: str, since: float) -> dict[str, int]:
    """The staff's delivery rows written since `since` (epoch seconds), by status: with coalescing, the
    notices that wait to go as one email per staff member at the end of the window are 'coalesced'."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM notifications.deliveries"
            " WHERE recipient = ANY($1::text[]) AND created_at >= to_timestamp($2) GROUP BY status",
            list(BENCH_STAFF),
            since,
        )
    finally:
        await conn.close()
    return {row["status"]: row["n"] for row in rows}


def burst(args: argparse.Namespace, system: System, prefix: str) -> dict:
    """`--burst` applications as fast as the clients go, until every confirmation is at the sink; with
    the CPU, peak RSS, statements and commits of every component meanwhile, and py-spy profiles."""
    postgres, kafka, sink, stack = system
    services = {name: stack[name].process.pid for name in SERVICES}
    meter = CpuMeter(services | {"postgresql": postgres.pid, "kafka": kafka.pids})
    memory = MemoryPeaks(services)
    profiler = Profiler(services, args.out.parent / prefix) if args.profile else None
    commits_before = asyncio.run(statements.reset(postgres.url))
    memory.start()
    if profiler:
        profiler.start()
    meter.start()
    load = run_load(
        stack["registration"].url,
        "--mode",
        "count",
        "--count",
        str(args.burst),
        "--concurrency",
        str(args.concurrency * 2),
        "--prefix",
        prefix,
    )
    last = wait_for_confirmations(sink, prefix, load["accepted"], timeout=900)
    cpu = meter.stop()
    profiles = profiler.stop() if profiler else {}
    result = load | count_losses(sink, prefix, args.burst)
    result["cpu_seconds"] = cpu
    result["peak_rss_mb"] = memory.stop()
    result["postgres"] = asdict(asyncio.run(statements.read(postgres.url, commits_before)))
    result["profiles"] = {name: asdict(profile) for name, profile in profiles.items()}
    result["staff_emails"] = sum(1 for m in sink.messages() if set(m.rcpt_tos) & set(BENCH_STAFF))
    result["staff_notices"] = asyncio.run(staff_notices(postgres.url, load["started_at"]))
    result["all_delivered_s"] = round(last - load["started_at"], 2)
    sink.clear()
    return result


def measure(args: argparse.Namespace, work: Path, notifications_processes: int, kafka_brokers: int) -> dict:
    processes = {"registration": args.registration_processes, "notifications": notifications_processes}
    system = start_system(work, processes, kafka_brokers)
    postgres, kafka, sink, stack = system
    try:
        url = stack["registration"].url
        replicas = min(kafka_brokers, 3)
        results: dict[str, object] = {
            "notifications_processes": notifications_processes,
            "kafka_brokers": kafka_brokers,
            "raw_postgres_tx_per_s": asyncio.run(raw_postgres(postgres.url)),
            "raw_kafka_msg_per_s": asyncio.run(raw_kafka(kafka.bootstrap_servers, replicas=replicas)),
            "raw_smtp_msg_per_s": asyncio.run(raw_smtp(sink.port)),
        }
        if replicas > 1:
            results["raw_kafka_one_replica_msg_per_s"] = asyncio.run(raw_kafka(kafka.bootstrap_servers))
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
        tag = f"{notifications_processes}" if kafka_brokers == 1 else f"{notifications_processes}k{kafka_brokers}"
        results["burst"] = burst(args, system, f"burst{tag}")
        if args.history:
            results["history"] = asyncio.run(history.load(postgres.url, args.history))
            results["burst_on_history"] = burst(args, system, f"history{tag}")
        return results
    finally:
        stack.stop()
        sink.stop()
        kafka.stop()
        postgres.stop()


def summarise(results: dict) -> dict:
    slowest = min(results["raw_postgres_tx_per_s"], results["raw_kafka_msg_per_s"], results["raw_smtp_msg_per_s"])
    results["slowest_raw_stage_per_s"] = slowest
    results["cores"] = os.cpu_count()
    for name in ("burst", "burst_on_history"):
        if name not in results:
            continue
        b = results[name]
        b["end_to_end_per_s"] = b["accepted"] / b["all_delivered_s"]
        b["end_to_end_ratio"] = b["end_to_end_per_s"] / slowest
        cpu_ms = {component: seconds * 1000 / b["accepted"] for component, seconds in b["cpu_seconds"].items()}
        b["cpu_ms_per_application"] = cpu_ms
        b["system_cpu_ms_per_application"] = sum(cpu_ms[c] for c in SYSTEM_COMPONENTS if c in cpu_ms)
        # If CPU is the only limit, the machine cannot go faster than its cores divided by the CPU one
        # application costs, summed over every component that handles it.
        b["cpu_bound_ceiling_per_s"] = results["cores"] * 1000 / sum(cpu_ms.values())
        b["statements_per_application"] = b["postgres"]["statements"] / b["accepted"]
        b["commits_per_application"] = b["postgres"]["commits"] / b["accepted"]
    if "burst_on_history" in results:
        results["history_rate_ratio"] = (
            results["burst_on_history"]["end_to_end_per_s"] / results["burst"]["end_to_end_per_s"]
        )
    return results


def figures(run: dict) -> dict[str, str]:
    """The issue's figures of one run, formatted."""
    intake, b = run["intake"], run["burst"]
    shown = {
        "raw asyncpg (2 inserts/tx)": f"{run['raw_postgres_tx_per_s']:.0f} tx/s",
        "Kafka brokers (topic replicas)": f"{run.get('kafka_brokers', 1)} ({min(run.get('kafka_brokers', 1), 3)})",
        "raw aiokafka (acks=all, idempotent)": f"{run['raw_kafka_msg_per_s']:.0f} msg/s",
        "raw aiosmtplib -> sink": f"{run['raw_smtp_msg_per_s']:.0f} msg/s",
        "CPU per application (services+pg+kafka)": f"{b['system_cpu_ms_per_application']:.2f} ms",
        f"burst {b['requests']} -> all at sink": f"{b['all_delivered_s']:.1f} s",
        "end-to-end / slowest raw stage": f"{b['end_to_end_per_s']:.0f}/s = {b['end_to_end_ratio']:.0%}",
        "HTTP intake, p99": f"{intake['rate_per_s']:.0f}/s, {intake['p99_ms']:.0f} ms",
        "intake errors": json.dumps(intake["errors"]),
        "lost / dup ids / dup apps": f"{b['lost']} / {b['duplicate_message_ids']} / {b['duplicate_applications']}",
        "peak RSS per process (MB)": " ".join(f"{n[:5]} {mb:.0f}" for n, mb in b["peak_rss_mb"].items()),
        "staff emails during the burst": (
            f"{b['staff_emails']} sent, {b['staff_notices'].get('coalesced', 0)} notices waiting to go listed"
        ),
        "statements / commits per application": (
            f"{b['statements_per_application']:.1f} / {b['commits_per_application']:.1f}"
        ),
    }
    if "raw_kafka_one_replica_msg_per_s" in run:
        one = run["raw_kafka_one_replica_msg_per_s"]
        shown["replication cost: raw produce, 3 replicas / 1"] = (
            f"{run['raw_kafka_msg_per_s']:.0f} / {one:.0f} msg/s = {run['raw_kafka_msg_per_s'] / one:.0%}"
        )
    if "burst_on_history" in run:
        h = run["burst_on_history"]
        shown["burst on history -> all at sink"] = f"{h['all_delivered_s']:.1f} s"
        shown["rate on history / on empty tables"] = f"{run['history_rate_ratio']:.2f}"
        shown["lost / dups on history"] = f"{h['lost']} / {h['duplicate_message_ids']} / {h['duplicate_applications']}"
    return shown


def print_table(runs: list[dict]) -> None:
    columns = [figures(run) for run in runs]
    heads = ["figure", "issue's day", *(run_name(run) for run in runs), "target"]
    names = list(dict.fromkeys(name for column in columns for name in column))  # every run's, in order
    rows = [
        [name, ISSUE_DAY.get(name, ""), *(column.get(name, "") for column in columns), TARGETS.get(name, "")]
        for name in names
    ]
    widths = [max(len(str(r[i])) for r in [heads, *rows]) for i in range(len(heads))]
    for row in [heads, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    for run in runs:
        print_details(run)


def run_name(run: dict) -> str:
    return f"notif. x{run['notifications_processes']}, kafka x{run.get('kafka_brokers', 1)}"


def print_details(run: dict) -> None:
    b = run["burst"]
    print(
        f"\n== notifications SERVICE_PROCESSES={run['notifications_processes']},"
        f" {run.get('kafka_brokers', 1)} Kafka broker(s): CPU per application ({run['cores']} cores)"
    )
    for name, ms in sorted(b["cpu_ms_per_application"].items(), key=lambda item: -item[1]):
        print(f"  {name:<24} {ms:6.2f} ms")
    total = sum(b["cpu_ms_per_application"].values())
    print(f"  {'total':<24} {total:6.2f} ms -> CPU-bound ceiling {b['cpu_bound_ceiling_per_s']:.0f} applications/s")
    print("  top statements by time (calls per application, mean ms, plan):")
    for st in b["postgres"]["top"][:12]:
        plan = st["plan"] or "-"
        print(f"    {st['calls'] / b['accepted']:5.2f}  {st['mean_ms']:6.3f}  {st['query'][:110]}")
        print(f"{'':19}plan: {plan[:150]}")
    for name, profile in b["profiles"].items():
        print(f"  py-spy {name} ({profile['samples']} samples), self / inclusive:")
        for (own, own_share), (anywhere, share) in zip(profile["self_top"], profile["inclusive_top"], strict=False):
            print(f"    {own_share:5.1%} {own[:60]:<60} {share:5.1%} {anywhere[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.platform")
    parser.add_argument("--intake-seconds", type=float, default=30)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--registration-processes", type=int, default=2, help="SERVICE_PROCESSES of registration")
    parser.add_argument(
        "--notifications-processes", default="1,2", help="SERVICE_PROCESSES of notifications: one run per value"
    )
    parser.add_argument(
        "--kafka-brokers",
        default="1",
        help="Kafka nodes: 1, or 3 for a cluster with topics of 3 replicas (min ISR 2); one run per value, e.g. 1,3",
    )
    parser.add_argument("--history", type=int, default=100_000, help="past applications loaded before a 2nd burst")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="without py-spy")
    parser.add_argument("--out", type=Path, default=Path(".local/bench/platform.json"))
    args = parser.parse_args()
    if args.profile:
        py_spy()  # fails now, with what to do, rather than after the first minutes
    runs = []
    for brokers in [int(n) for n in args.kafka_brokers.split(",")]:
        for count in [int(n) for n in args.notifications_processes.split(",")]:
            with tempfile.TemporaryDirectory(prefix="pactesur-bench-") as work:
                runs.append(summarise(measure(args, Path(work), count, brokers)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2))
    print_table(runs)
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
