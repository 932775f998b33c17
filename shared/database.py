"""Connection pools: each service works inside its own PostgreSQL schema via search_path."""

from __future__ import annotations

import asyncpg


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see only the service's schema (plus pg_catalog)."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"search_path": schema, "application_name": f"pactesur-{schema}"},
        command_timeout=30,
    )


async def connect(dsn: str, schema: str) -> asyncpg.Connection:
    """A single dedicated connection (LISTEN, advisory locks) in the service's schema."""
    return await asyncpg.connect(dsn, server_settings={"search_path": schema, "application_name": f"pactesur-{schema}"})
