"""Wiring of the notifications service: `python -m services.notifications [serve|migrate]`."""

from collections.abc import Awaitable, Callable
from pathlib import Path

from services.notifications import consumers, workers
from services.notifications.api import bounces, deliveries, subject_access
from services.notifications.api.metrics import delivery_metrics
from services.notifications.mail.smtp import SmtpSender
from services.notifications.storage.deliveries import WAKEUP_CHANNEL
from services.notifications.web import routers as page_routers
from services.notifications.workflows import ended_sessions
from services.notifications.workflows.sending import Sending
from shared.runtime import Runtime, Service, main
from shared.web.access import refuse_ended_sessions


def background_loops(runtime: Runtime) -> list[Callable[[], Awaitable[None]]]:
    settings, wakeup = runtime.settings, runtime.wakeup(WAKEUP_CHANNEL)
    senders = [SmtpSender(settings) for _ in range(settings.notifications_smtp_connections)]
    sending = Sending.configured(settings, senders, runtime.dead_letters, wakeup.poke)
    return workers.build(runtime.dependencies, sending, wakeup)


SERVICE = Service(
    name="notifications",
    title="PACTESUR 2 notifications",
    migrations=Path(__file__).parent / "migrations",
    routers=[deliveries.router, bounces.router, subject_access.router, *page_routers],
    consumes=consumers.CONSUMES,
    workers=background_loops,
    metrics=delivery_metrics,
    middleware=[refuse_ended_sessions(ended_sessions.is_ended)],
)

if __name__ == "__main__":
    main(SERVICE)
