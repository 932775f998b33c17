"""The bounce inbox: an SMTP server (aiosmtpd, in the service's event loop) for the reports mail servers
send back to the return paths (domain/bounces.py). It accepts mail only for the bounce address and its
`+<delivery id>` forms, reads each report as RFC 3464 and hands every bounce to workflows/bounces.py.
A report it cannot store now (the database is down) is refused with 451, so the sender tries again."""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.notifications.domain.bounces import delivery_of, parse_report
from services.notifications.workflows.bounces import receive
from shared.dependencies import Dependencies
from shared.storage.database import DATABASE_ERRORS

log = logging.getLogger(__name__)
MAX_REPORT_BYTES = 2_000_000


class BounceInbox:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps
        self.address = str(deps.settings.bounce_address)

    def _ours(self, address: str) -> bool:
        return address.strip().lower() == self.address.lower() or delivery_of(address, self.address) is not None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not self._ours(address):
            return "550 5.1.1 Only bounce reports are accepted here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        raw = raw if isinstance(raw, bytes) else raw.encode()
        try:
            for address in envelope.rcpt_tos:
                for bounce in parse_report(raw, delivery_of(address, self.address)):
                    await receive(self.deps, bounce, "report")
        except DATABASE_ERRORS:
            log.warning("bounce report not stored now; the sender will try again", exc_info=True)
            return "451 4.3.0 Try again later"
        return "250 Report received"


async def serve_bounce_inbox(deps: Dependencies) -> None:
    """Listens on BIND_HOST:BOUNCE_SMTP_PORT until cancelled (processes of one service share the port)."""
    inbox = BounceInbox(deps)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, data_size_limit=MAX_REPORT_BYTES, decode_data=False, hostname="pactesur-bounces"),
        host=deps.settings.bind_host,
        port=deps.settings.bounce_smtp_port,
        reuse_port=True,
    )
    log.info("bounce inbox listening", extra={"port": deps.settings.bounce_smtp_port})
    async with server:
        await server.serve_forever()
