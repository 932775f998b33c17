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
from services.notifications.workflows.events import CONSUMER
from shared.messaging.consumer import IdempotentConsumer
from shared.runtime import Runtime, Service, main


def subscribers(runtime: Runtime):
    wakeup = runtime.wakeup(WAKEUP_CHANNEL)
    handlers = consumers.handlers(runtime.dependencies)
    consumer = IdempotentConsumer(CONSUMER, runtime.pool, handlers, runtime.dead_letters, after_commit=wakeup.poke)
    return [(topic, consumer) for topic in consumers.TOPICS]


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
    consumers=subscribers,
    workers=workers,
    metrics=delivery_metrics,
)

if __name__ == "__main__":
    main(SERVICE)
