"""Wiring of the registration service: `python -m services.registration [serve|migrate|seed|staff]`."""

import argparse
from pathlib import Path

from fastapi import FastAPI

from services.registration import consumers, web, workers
from services.registration.api import accounts as account_api
from services.registration.api import applicants as applicant_api
from services.registration.api import cities as city_api
from services.registration.api import staff as staff_api
from services.registration.api import subject_access as subject_access_api
from services.registration.domain.calls import CallNotOpen
from services.registration.domain.cities import SIGNING_IN, sorted_contacts
from services.registration.web import sign_in as sign_in_pages
from services.registration.workflows import demo, sign_in, staff
from services.registration.workflows.seeding import seed
from shared.contracts.common import EU_LANGUAGES
from shared.dependencies import Dependencies
from shared.refusals import Refused
from shared.runtime import Service, main
from shared.security.auth import ROLES
from shared.settings import Settings
from shared.storage.rate_limits import SharedRateLimit
from shared.web.http_limits import LIMIT_ANSWERS, PublicLimits
from shared.web.openapi import document_answers

NAME = "registration"
MIGRATIONS = Path(__file__).parent / "migrations"
MAX_PUBLIC_BODY_BYTES = 256 * 1024


def is_public_write(method: str, path: str) -> bool:
    """Forms and applicant API calls anyone may send; staff endpoints need a token instead."""
    staff = path.startswith(("/api/v1/staff", "/staff")) and path != "/staff/login"
    return method in ("POST", "PUT", "PATCH", "DELETE") and not staff


def install_limits(app: FastAPI, settings: Settings) -> None:
    limiter = None
    if settings.public_rate_limit > 0:
        limiter = SharedRateLimit(lambda: app.state.runtime.pool, settings.public_rate_limit, 60.0)
    app.add_middleware(
        PublicLimits,
        applies=is_public_write,
        limiter=limiter,
        max_body_bytes=MAX_PUBLIC_BODY_BYTES,
        trusted=settings.proxy_networks,
    )
    document_answers(app, lambda method, path, operation: LIMIT_ANSWERS if is_public_write(method, path) else {})


async def seed_command(deps: Dependencies, args: list[str]) -> None:
    """`seed [--days N] [--reset] [--demo [--link]]`: the real call and the consortium
    (workflows/seeding.py); `--demo` adds the demo city (workflows/demo.py)."""
    parser = argparse.ArgumentParser(prog="python -m services.registration seed")
    parser.add_argument("--days", type=int, default=60, help="how long the demo call stays open (default 60)")
    parser.add_argument("--reset", action="store_true", help="re-open an existing call from today")
    parser.add_argument("--demo", action="store_true", help="also the signed-up demo city (for `make run`)")
    parser.add_argument("--link", action="store_true", help="with --demo: a one-time sign-in link of its focal point")
    options = parser.parse_args(args)
    seeded = await seed(deps, options.days, options.reset)
    added = seeded.members_added
    print(f"consortium: {len(added)} member(s) added" + (f" ({', '.join(added)})" if added else ""))
    call = seeded.call
    if seeded.call_opened:
        print(f"call {call.slug} open from {call.opens_at.isoformat()} to {call.closes_at.isoformat()}")
    else:
        print(f"call {call.slug} already exists (closes {call.closes_at.isoformat()}); use --reset to re-open")
    if options.demo:
        await demo_command(deps, options.link)


async def demo_command(deps: Dependencies, link: bool) -> None:
    """The demo city's part of `seed --demo`: what it holds, and how to sign in as its focal point."""
    try:
        seeded = await demo.seed_demo_city(deps)
    except (Refused, CallNotOpen) as error:
        print(f"demo city: not set up ({error}); `seed --reset` re-opens the call")
        return
    city = seeded.city
    done = ", ".join(seeded.steps) if seeded.steps else "already there"
    print(f"demo city: {city.name} ({city.country}), {city.status}: {done}")
    for contact in sorted_contacts([c for c in city.contacts if c.designation in SIGNING_IN]):
        print(f"  {contact.designation.replace('_', ' ')}: {contact.name} <{contact.email}> ({contact.language})")
    if link:
        focal_point = city.contact("focal_point")
        print(f"  focal point sign-in link (once, 15 minutes): {await sign_in.printed_link(deps, focal_point.email)}")


async def staff_command(deps: Dependencies, args: list[str]) -> None:
    """`staff add EMAIL --role admin [--name N] [--language fr] [--timezone Z] [--link]`: a staff
    account (the first admin, typically); `--link` prints a one-time sign-in link for it (15 minutes)."""
    parser = argparse.ArgumentParser(prog="python -m services.registration staff")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a staff account (an existing address is kept as it is)")
    add.add_argument("email")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", help="how the person is called (default: the address before @)")
    add.add_argument("--language", choices=EU_LANGUAGES, default="en", help="of their emails (default en)")
    add.add_argument("--timezone", default="Europe/Brussels", help="of the dates they see (default Europe/Brussels)")
    add.add_argument("--link", action="store_true", help="print a one-time sign-in link (valid 15 minutes)")
    options = parser.parse_args(args)
    wanted = staff.NewAccount(options.email, options.role, options.name, options.language, options.timezone)
    try:
        account, created = await staff.add_account(deps, wanted)
    except Refused as error:
        raise SystemExit(f"staff add: {error}") from None
    state = "added" if created else "already exists" + ("" if account.active else " (deactivated)")
    print(f"staff account {account.email} ({account.role}) {state}")
    if options.link and account.active:
        print(f"sign-in link (once, 15 minutes): {await sign_in.printed_link(deps, account.email)}")


SERVICE = Service(
    name=NAME,
    title="PACTESUR 2 registration",
    migrations=MIGRATIONS,
    routers=[
        applicant_api.router,
        staff_api.router,
        subject_access_api.router,
        account_api.router,
        city_api.router,
        *web.routers,
    ],
    consumes=consumers.CONSUMES,
    workers=lambda runtime: workers.build(runtime.dependencies),
    commands={"seed": seed_command, "staff": staff_command},
    middleware=[install_limits, sign_in_pages.install_session_check],
)

if __name__ == "__main__":
    main(SERVICE)
