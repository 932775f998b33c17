"""Wiring of the scheduling service: `python -m services.scheduling [serve|migrate|seed]`."""

import argparse
from pathlib import Path
from zoneinfo import ZoneInfo

from services.scheduling import api, consumers, web, workers
from services.scheduling.domain import programme
from services.scheduling.domain.activities import Activity
from services.scheduling.workflows import ended_sessions, seeding
from shared.dependencies import Dependencies
from shared.runtime import Service, main
from shared.web.access import refuse_ended_sessions


async def seed_command(deps: Dependencies, args: list[str]) -> None:
    """`seed [--demo]`: the programme's real calendar, and with `--demo` the demo programme dated from
    today (workflows/seeding.py); safe to run again."""
    parser = argparse.ArgumentParser(prog="python -m services.scheduling seed", description=programme.__doc__)
    parser.add_argument("--demo", action="store_true", help="also the demo programme, dated from today (make run)")
    options = parser.parse_args(args)
    created = await seeding.seed_programme(deps)
    total = len(programme.CALENDAR)
    print(f"scheduling: {created} activit{'y' if created == 1 else 'ies'} of the programme created, "
          f"{total - created} already there")  # fmt: skip
    if options.demo:
        seeded, added = await seeding.seed_demo(deps)
        made = f"{added} activit{'y' if added == 1 else 'ies'} created"
        print(f"demo programme: {made}, {len(seeded) - added} already there")
        for activity in seeded:
            print("  " + demo_line(activity))


def demo_line(activity: Activity) -> str:
    """One demo activity as `make run` prints it: dates and deadline at the venue, places."""
    zone = ZoneInfo(activity.timezone)
    first, last = activity.starts_at.astimezone(zone).date(), activity.ends_at.astimezone(zone).date()
    deadline = activity.nomination_deadline.astimezone(zone)
    return (
        f"{activity.title_in('en')}: {first} to {last} ({activity.timezone}), nominations until "
        f"{deadline:%Y-%m-%d %H:%M}, {activity.city_quota} per city, {activity.capacity} places"
    )


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
