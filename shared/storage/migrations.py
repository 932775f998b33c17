"""Plain-SQL migrations, applied in order and recorded in the service's `schema_migrations`.

Order: the platform migrations in shared/storage/sql (outbox, processed_events), then the service's own
`migrations/*.sql`. Each file runs in its own transaction with search_path set to the service's
schema, so the SQL never names a schema. An advisory lock makes concurrent starts safe; an applied
file whose content changed is refused (write a new migration instead).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

PLATFORM_MIGRATIONS = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def discover(service_dir: Path) -> list[Migration]:
    """Platform files first (prefixed `platform/`), then the service's, each in file-name order."""
    found = [Migration(f"platform/{p.name}", p.read_text()) for p in sorted(PLATFORM_MIGRATIONS.glob("*.sql"))]
    found += [Migration(p.name, p.read_text()) for p in sorted(service_dir.glob("*.sql"))]
    return found


async def apply_migrations(dsn: str, schema: str, service_dir: Path) -> list[str]:
    """Apply what is missing; returns the versions applied now."""
    migrations = discover(service_dir)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext('pactesur-migrations'), hashtext($1))", schema)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            " version text PRIMARY KEY, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied = {
            r["version"]: r["checksum"]
            for r in await conn.fetch(f'SELECT version, checksum FROM "{schema}".schema_migrations')
        }
        done = []
        for migration in migrations:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"{schema}: migration {migration.version} was changed after it was applied; "
                        "add a new migration file instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(f'SET LOCAL search_path TO "{schema}"')
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                    migration.version,
                    migration.checksum,
                )
            done.append(migration.version)
            log.info("migration applied", extra={"schema": schema, "version": migration.version})
        return done
    finally:
        await conn.close()
