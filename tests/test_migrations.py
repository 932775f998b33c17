"""Migrations: ordered, recorded, idempotent, safe to run concurrently, one schema per service."""

import asyncio
from pathlib import Path

import asyncpg
import pytest

from shared.storage.migrations import MigrationError, apply_migrations, discover

SERVICES_DIR = Path(__file__).parents[1] / "services"


def migrations_of(service: str) -> Path:
    return SERVICES_DIR / service / "migrations"


async def tables(url: str, schema: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
    finally:
        await conn.close()
    return {r["table_name"] for r in rows}


async def test_platform_first_then_service_files_in_order():
    versions = [m.version for m in discover(migrations_of("registration"))]
    assert versions[0].startswith("platform/")
    own = [v for v in versions if not v.startswith("platform/")]
    assert own == sorted(own) and own


@pytest.mark.parametrize("service", ["registration", "scheduling", "notifications"])
async def test_each_service_gets_its_own_schema(database_url, service):
    applied = await apply_migrations(database_url, service, migrations_of(service))
    assert applied == [m.version for m in discover(migrations_of(service))]
    assert {"schema_migrations", "outbox", "processed_events"} <= await tables(database_url, service)
    assert await tables(database_url, "public") == set()


async def test_second_run_applies_nothing(database_url):
    await apply_migrations(database_url, "registration", migrations_of("registration"))
    assert await apply_migrations(database_url, "registration", migrations_of("registration")) == []


async def test_concurrent_starts_apply_each_file_once(database_url):
    results = await asyncio.gather(
        *(apply_migrations(database_url, "notifications", migrations_of("notifications")) for _ in range(4))
    )
    assert sorted(len(r) for r in results)[:-1] == [0, 0, 0]
    conn = await asyncpg.connect(database_url)
    try:
        count = await conn.fetchval("SELECT count(*) FROM notifications.schema_migrations")
    finally:
        await conn.close()
    assert count == len(discover(migrations_of("notifications")))


async def test_edited_migration_is_refused(database_url, tmp_path):
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (id int);")
    await apply_migrations(database_url, "edited", tmp_path)
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (id bigint);")
    with pytest.raises(MigrationError, match="0001_a.sql was changed"):
        await apply_migrations(database_url, "edited", tmp_path)


async def test_failing_migration_leaves_nothing_behind(database_url, tmp_path):
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE ok (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(asyncpg.UndefinedFunctionError):
        await apply_migrations(database_url, "failing", tmp_path)
    assert await tables(database_url, "failing") >= {"ok"}
    assert "half" not in await tables(database_url, "failing")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int);")
    assert await apply_migrations(database_url, "failing", tmp_path) == ["0002_bad.sql"]
