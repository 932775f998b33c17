"""Wiring of the scheduling service: `python -m services.scheduling [serve|migrate|seed]`."""

import argparse
import uuid
from pathlib import Path

from services.scheduling import api, consumers, web, workers
from services.scheduling.domain import programme
from services.scheduling.workflows import seeding
from shared.dependencies import Dependencies
from shared.messaging.consumer import IdempotentConsumer
from shared.messaging.publishing import Publisher
from shared.runtime import Runtime, Service, main, utc_now
from shared.settings import Settings
from shared.storage.database import create_pool


def subscriptions(runtime: Runtime):
    handlers = consumers.handlers(runtime.dependencies)
    return [(consumers.TOPIC, IdempotentConsumer(consumers.CONSUMER, runtime.pool, handlers, runtime.dead_letters))]


async def seed(settings: Settings, args: list[str]) -> None:
    argparse.ArgumentParser(prog="python -m services.scheduling seed", description=programme.__doc__).parse_args(args)
    pool = await create_pool(settings.dsn, "scheduling")
    try:
        deps = Dependencies(pool, settings, utc_now, uuid.uuid4, Publisher(SERVICE.name, uuid.uuid4))
        created = await seeding.seed_programme(deps)
    finally:
        await pool.close()
    total = len(programme.CALENDAR)
    print(f"scheduling: {created} activit{'y' if created == 1 else 'ies'} of the programme created, "
          f"{total - created} already there")  # fmt: skip


SERVICE = Service(
    name="scheduling",
    title="PACTESUR 2 scheduling",
    migrations=Path(__file__).parent / "migrations",
    routers=[*api.routers, *web.routers],
    consumers=subscriptions,
    workers=lambda runtime: workers.build(runtime.dependencies),
    commands={"seed": seed},
    middleware=[api.answer_refusals],
)

if __name__ == "__main__":
    main(SERVICE)
