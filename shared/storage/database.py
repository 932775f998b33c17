"""Connection pools: each service works inside its own PostgreSQL schema via search_path."""

from __future__ import annotations

import asyncpg

DATABASE_UNAVAILABLE = (
    OSError,  # refused, reset, timed out (TimeoutError is an OSError)
    asyncpg.InterfaceError,  # the connection was lost or released under the caller
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,  # the server is stopping: "terminating connection due to administrator command"
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,  # the server is starting up or shutting down
    # An idle pooled connection that has just read the server's FATAL "terminating connection" but not
    # yet the close that follows is handed out, and fails with "cannot switch to state 12; another
    # operation (2) is in progress" (seen in the fault tests while PostgreSQL restarts).
    asyncpg.InternalClientError,
)
"""Errors saying PostgreSQL cannot be used right now (down, restarting, connection lost), not that the work
is wrong: whoever meets one retries later and never gives the work up."""

DATABASE_ERRORS = (*DATABASE_UNAVAILABLE, asyncpg.PostgresError)
"""Everything the database or its driver raises: what a background loop catches to try again next round."""


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see only the service's schema (plus pg_catalog)."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"search_path": schema, "application_name": f"pactesur-{schema}"},
        command_timeout=30,
        reset=_keep_session,
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool connections only run transactions: session state (LISTEN, advisory locks, SET) lives on the
    dedicated connections of `connect()`. So the default reset query, one more round trip per checkout
    (measured: ~10 % of registration's intake), is skipped; asyncpg still rolls back an open transaction."""


async def connect(dsn: str, schema: str) -> asyncpg.Connection:
    """A single dedicated connection (LISTEN, advisory locks) in the service's schema."""
    return await asyncpg.connect(dsn, server_settings={"search_path": schema, "application_name": f"pactesur-{schema}"})
