"""Wiring of the notifications service: `python -m services.notifications [serve|migrate]`."""

from pathlib import Path

from services.notifications import api, consumers
from services.notifications.delivery import DeliveryWorker
from services.notifications.mail import SmtpSender
from shared.runtime import Runtime, Service, main


def workers(runtime: Runtime):
    return [DeliveryWorker(runtime, SmtpSender(runtime.settings)).run]


SERVICE = Service(
    name="notifications",
    title="PACTESUR 2 notifications",
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router],
    consumers=consumers.build,
    workers=workers,
)

if __name__ == "__main__":
    main(SERVICE)
