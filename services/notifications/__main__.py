"""Wiring of the notifications service: `python -m services.notifications [serve|migrate]`."""

from pathlib import Path

from services.notifications import consumers
from services.notifications.api import deliveries
from services.notifications.api.metrics import delivery_metrics
from services.notifications.mail.smtp import SmtpSender
from services.notifications.storage.deliveries import WAKEUP_CHANNEL
from services.notifications.web import unsubscribe
from services.notifications.workers import DeliveryWorker, DigestWorker
from services.notifications.workflows.delivery import Sending
from shared.runtime import Runtime, Service, main


def workers(runtime: Runtime):
    settings, wakeup = runtime.settings, runtime.wakeup(WAKEUP_CHANNEL)
    senders = [SmtpSender(settings) for _ in range(settings.notifications_smtp_connections)]
    sending = Sending.configured(settings, senders, runtime.dead_letters, wakeup.poke)
    return [DeliveryWorker(runtime.dependencies, sending, wakeup).run, DigestWorker(runtime.dependencies, wakeup).run]


SERVICE = Service(
    name="notifications",
    title="PACTESUR 2 notifications",
    migrations=Path(__file__).parent / "migrations",
    routers=[deliveries.router, unsubscribe.router],
    consumers=consumers.build,
    workers=workers,
    metrics=delivery_metrics,
)

if __name__ == "__main__":
    main(SERVICE)
