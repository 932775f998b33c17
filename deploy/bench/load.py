"""HTTP load generator for the benchmark, run as a separate process so it does not share the
services' or the SMTP sink's CPU time slices in one interpreter.

`python -m deploy.bench.load --url URL --mode duration --seconds 30 --concurrency 32 --prefix p`
`python -m deploy.bench.load --url URL --mode count --count 10000 --concurrency 64 --prefix p`
Prints one JSON object: requests, accepted (201), errors, elapsed, rate, latency percentiles (ms).
Each request is a distinct application whose contact email is `<prefix>-<n>@bench.example.eu`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from urllib.parse import urlsplit

CALL = "pactesur-2-associated-cities"


def application(prefix: str, n: int) -> dict[str, object]:
    return {
        "city": f"Bench city {prefix} {n}",
        "country": "BE",
        "contact_name": f"Focal point {n}",
        "contact_email": f"{prefix}-{n}@bench.example.eu",
        "language": "fr",
        "motivation": "Nous accueillons de grands événements publics chaque été.",
        "consent": True,
    }


class Connection:
    """A bare HTTP/1.1 keep-alive connection: the load generator must cost far less CPU than the
    server it measures (httpx costs ~4 ms of CPU per request, more than the service itself)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class Load:
    def __init__(self, url: str, prefix: str) -> None:
        parsed = urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.path = f"/api/v1/calls/{CALL}/applications"
        self.prefix = prefix
        self.latencies: list[float] = []
        self.accepted = 0
        self.errors: dict[str, int] = {}
        self.next_number = 0

    def take_number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    async def one(self, connection: Connection) -> None:
        body = json.dumps(application(self.prefix, self.take_number())).encode()
        started = time.perf_counter()
        try:
            outcome = str(await connection.post_json(self.path, body))
        except (OSError, asyncio.IncompleteReadError, IndexError, ValueError) as error:
            connection.close()
            outcome = type(error).__name__
        self.latencies.append((time.perf_counter() - started) * 1000)
        if outcome == "201":
            self.accepted += 1
        else:
            self.errors[outcome] = self.errors.get(outcome, 0) + 1

    async def worker(self, keep_going) -> None:
        connection = Connection(self.host, self.port)
        try:
            while keep_going():
                await self.one(connection)
        finally:
            connection.close()


async def run(args: argparse.Namespace) -> dict[str, object]:
    load = Load(args.url, args.prefix)
    started_wall = time.time()
    started = time.perf_counter()
    if args.mode == "duration":
        deadline = started + args.seconds

        def keep_going() -> bool:
            return time.perf_counter() < deadline
    else:

        def keep_going() -> bool:
            return load.next_number < args.count

    await asyncio.gather(*(load.worker(keep_going) for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(load.latencies, n=100) if len(load.latencies) > 1 else [0.0] * 99
    return {
        "requests": len(load.latencies),
        "accepted": load.accepted,
        "errors": load.errors,
        "elapsed_s": round(elapsed, 3),
        "rate_per_s": round(len(load.latencies) / elapsed, 1),
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "started_at": started_wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=("duration", "count"), required=True)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--prefix", required=True)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
