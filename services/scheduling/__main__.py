"""Wiring of the scheduling service: `python -m services.scheduling [serve|migrate|seed]`."""

import argparse
from pathlib import Path

from services.scheduling import api, consumers, web, workers
from services.scheduling.domain import programme
from services.scheduling.workflows import ended_sessions, seeding
from shared.dependencies import Dependencies
from shared.runtime import Service, main
from shared.web.access import refuse_ended_sessions


async def seed_command(deps: Dependencies, args: list[str]) -> None:
    """`seed`: the programme's real calendar (workflows/seeding.py); safe to run again."""
    argparse.ArgumentParser(prog="python -m services.scheduling seed", description=programme.__doc__).parse_args(args)
    created = await seeding.seed_programme(deps)
    total = len(programme.CALENDAR)
    print(f"scheduling: {created} activit{'y' if created == 1 else 'ies'} of the programme created, "
          f"{total - created} already there")  # fmt: skip


SERVICE = Service(
    name="scheduling",
    title="PACTESUR 2 scheduling",
    migrations=Path(__file__).parent / "migrations",
    routers=[*api.routers, *web.routers],
    consumes=consumers.CONSUMES,
    workers=lambda runtime: workers.build(runtime.dependencies),
    commands={"seed": seed_command},
    middleware=[api.answer_refusals, refuse_ended_sessions(ended_sessions.is_ended)],
)

if __name__ == "__main__":
    main(SERVICE)
