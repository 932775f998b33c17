"""What PostgreSQL did per application during the burst: statements (round trips), commits, the top
statements by time, and the plan of each (EXPLAIN GENERIC_PLAN, so that `$n` parameters need no value).

Needs the server started with `shared_preload_libraries=pg_stat_statements` (PRELOAD); the extension
is created in the bench's database. Each service works in its own schema (search_path), so a statement
is explained under the first schema in which its tables resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

PRELOAD = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "top"}
SCHEMAS = ("registration", "scheduling", "notifications", "keystore", "public")
TOP = 25
EXPLAINED = ("select", "insert", "update", "delete", "with")


@dataclass(frozen=True)
class Statement:
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int
    plan: str | None = None
    """The plan's node lines, without costs; None when the statement is not explained (BEGIN, COMMIT)."""

    @property
    def index_scans_only(self) -> bool:
        return self.plan is not None and "Seq Scan" not in self.plan


@dataclass(frozen=True)
class Totals:
    statements: int
    commits: int
    top: list[Statement]


async def reset(url: str) -> int:
    """Empty the statistics; the commit count so far (subtract it from the next `read`)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
        return await _commits(conn)
    finally:
        await conn.close()


async def _commits(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT sum(xact_commit)::bigint FROM pg_stat_database")


async def read(url: str, commits_before: int) -> Totals:
    conn = await asyncpg.connect(url)
    try:
        commits = await _commits(conn) - commits_before
        calls = await conn.fetchval(
            "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_%'"
        )
        rows = await conn.fetch(
            "SELECT query, calls, total_exec_time, mean_exec_time, rows FROM pg_stat_statements"
            " WHERE query NOT LIKE '%pg_stat_%' ORDER BY total_exec_time DESC LIMIT $1",
            TOP,
        )
        top = [
            Statement(
                query=" ".join(r["query"].split()),
                calls=r["calls"],
                total_ms=r["total_exec_time"],
                mean_ms=r["mean_exec_time"],
                rows=r["rows"],
                plan=await explain(conn, r["query"]),
            )
            for r in rows
        ]
        return Totals(statements=calls, commits=commits, top=top)
    finally:
        await conn.close()


GENERIC_PLAN = """CREATE OR REPLACE FUNCTION pg_temp.generic_plan(query text) RETURNS SETOF text
LANGUAGE plpgsql AS $f$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN (GENERIC_PLAN, COSTS OFF) ' || query; END $f$"""
"""EXPLAIN through PL/pgSQL: with its `$n` placeholders a query cannot be explained by the extended protocol,
which would ask for their values."""


async def explain(conn: asyncpg.Connection, query: str) -> str | None:
    """The generic plan's node lines (costs off), under the first schema where the query's tables exist."""
    if not query.lstrip().lower().startswith(EXPLAINED):
        return None
    await conn.execute(GENERIC_PLAN)
    for schema in SCHEMAS:
        try:
            async with conn.transaction():
                await conn.execute(f'SET LOCAL search_path TO "{schema}", pg_temp')
                lines = await conn.fetch("SELECT * FROM pg_temp.generic_plan($1)", query)
        except asyncpg.PostgresError:
            continue
        return " / ".join(line[0].strip().removeprefix("-> ").strip() for line in lines)
    return None
