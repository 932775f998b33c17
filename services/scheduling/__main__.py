"""Wiring of the scheduling service: `python -m services.scheduling [serve|migrate|seed]`."""

from pathlib import Path

from services.scheduling import api, consumers, reminders, seed
from services.scheduling.workflows.publishing import context_of
from shared.runtime import Runtime, Service, main


def workers(runtime: Runtime):
    async def send_reminders() -> None:
        await reminders.run(runtime.pool, lambda: context_of(runtime.settings, runtime.clock, "reminders"))

    return [send_reminders]


SERVICE = Service(
    name="scheduling",
    title="PACTESUR 2 scheduling",
    migrations=Path(__file__).parent / "migrations",
    routers=api.routers,
    consumers=consumers.build,
    workers=workers,
    commands={"seed": seed.seed},
)

if __name__ == "__main__":
    main(SERVICE)
