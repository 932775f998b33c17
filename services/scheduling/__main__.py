"""Wiring of the scheduling service: `python -m services.scheduling [serve|migrate]`."""

from pathlib import Path

from services.scheduling import api, consumers
from shared.runtime import Service, main

SERVICE = Service(
    name="scheduling",
    title="PACTESUR 2 scheduling",
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router],
    consumers=consumers.build,
)

if __name__ == "__main__":
    main(SERVICE)
