"""Wiring of the registration service: `python -m services.registration [serve|migrate|seed]`."""

from pathlib import Path

from services.registration import api, consumers, seed
from shared.runtime import Service, main

MIGRATIONS = Path(__file__).parent / "migrations"

SERVICE = Service(
    name="registration",
    title="PACTESUR 2 registration",
    migrations=MIGRATIONS,
    routers=[api.router],
    consumers=consumers.build,
    commands={"seed": seed.seed},
)

if __name__ == "__main__":
    main(SERVICE)
