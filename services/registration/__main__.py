"""Wiring of the registration service: `python -m services.registration [serve|migrate|seed]`."""

from pathlib import Path

from fastapi import FastAPI

from services.registration import api_applicant, api_cities, api_staff, consumers, jobs, seed, web, web_staff
from shared.runtime import Service, main
from shared.settings import Settings
from shared.web.http_limits import LIMIT_ANSWERS, PublicLimits
from shared.web.openapi import document_answers

MIGRATIONS = Path(__file__).parent / "migrations"
MAX_PUBLIC_BODY_BYTES = 256 * 1024


def is_public_write(method: str, path: str) -> bool:
    """Forms and applicant API calls anyone may send; staff endpoints need a token instead."""
    staff = path.startswith(("/api/v1/staff", "/staff")) and path != "/staff/login"
    return method in ("POST", "PUT", "PATCH", "DELETE") and not staff


def install_limits(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        PublicLimits,
        applies=is_public_write,
        rate_per_minute=settings.public_rate_limit,
        max_body_bytes=MAX_PUBLIC_BODY_BYTES,
    )
    document_answers(app, lambda method, path, operation: LIMIT_ANSWERS if is_public_write(method, path) else {})


SERVICE = Service(
    name="registration",
    title="PACTESUR 2 registration",
    migrations=MIGRATIONS,
    routers=[api_applicant.router, api_staff.router, api_cities.router, web.router, web_staff.router],
    consumers=consumers.build,
    workers=jobs.workers,
    commands={"seed": seed.seed},
    middleware=[install_limits],
)

if __name__ == "__main__":
    main(SERVICE)
