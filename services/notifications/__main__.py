"""Wiring of the notifications service: `python -m services.notifications [serve|migrate]`."""

from pathlib import Path

from services.notifications import api, consumers, unsubscribe
from services.notifications.delivery import DeliveryWorker
from services.notifications.digest import DigestWorker
from services.notifications.mail import SmtpSender
from services.notifications.metrics import delivery_metrics
from shared.runtime import Runtime, Service, main


def workers(runtime: Runtime):
    senders = [SmtpSender(runtime.settings) for _ in range(runtime.settings.notifications_smtp_connections)]
    return [DeliveryWorker(runtime, senders).run, DigestWorker(runtime).run]


SERVICE = Service(
    name="notifications",
    title="PACTESUR 2 notifications",
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router, unsubscribe.router],
    consumers=consumers.build,
    workers=workers,
    metrics=delivery_metrics,
)

if __name__ == "__main__":
    main(SERVICE)
