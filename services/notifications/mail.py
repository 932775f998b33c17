"""Building MIME messages and sending them over SMTP with one reused connection."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from services.notifications.domain import is_transient_smtp_code
from shared.settings import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 15.0


class DeliveryFailed(Exception):
    """Sending failed; `transient` says whether trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    language: str,
    message_id: str,
    date: datetime,
    unsubscribe_url: str | None = None,
    calendar: str | None = None,
    calendar_method: str | None = None,
) -> EmailMessage:
    """multipart/alternative (text, then HTML), with the headers of an automated, localized email.

    Non-essential emails carry List-Unsubscribe with the signed link and List-Unsubscribe-Post for
    one-click unsubscribing (RFC 8058: the link answers POST without any confirmation). An invitation
    is multipart/mixed[alternative[text, HTML, text/calendar; method=...], invite.ics]."""
    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = Address(display_name=name, addr_spec=address)
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if calendar:
        method = {"method": calendar_method or "REQUEST"}
        message.add_alternative(calendar, subtype="calendar", params=method)
        message.add_attachment(
            calendar.encode(), maintype="application", subtype="ics", filename="invite.ics", params=method
        )
    message["Content-Language"] = language  # after the body: set_content() drops Content-* headers
    return message


class SmtpSender:
    """Keeps one SMTP connection open across sends and reconnects when the server drops it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, message: EmailMessage) -> None:
        async with self._lock:
            try:
                client = await self._connected()
                await client.send_message(message)
            except aiosmtplib.SMTPRecipientsRefused as error:
                await self._reset_after_error()
                codes = [r.code for r in error.recipients]
                raise DeliveryFailed(str(error), transient=all(is_transient_smtp_code(c) for c in codes)) from error
            except aiosmtplib.SMTPResponseException as error:
                await self._reset_after_error()
                raise DeliveryFailed(
                    f"{error.code} {error.message}", transient=is_transient_smtp_code(error.code)
                ) from error
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                await self.close()
                raise DeliveryFailed(repr(error), transient=True) from error

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=SMTP_TIMEOUT,
            start_tls=True if s.smtp_starttls else False,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
        )
        await client.connect()
        self._client = client
        return client

    async def _reset_after_error(self) -> None:
        """After a refused transaction, RSET keeps the connection usable; if that fails, drop it."""
        if self._client is None:
            return
        try:
            await self._client.rset()
        except Exception:
            await self.close()

    async def close(self) -> None:
        if self._client is not None:
            try:
                await asyncio.wait_for(self._client.quit(), 5)
            except Exception:
                self._client.close()
            self._client = None
