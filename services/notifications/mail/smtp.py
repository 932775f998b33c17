"""Sending written messages over SMTP with one reused connection; refusals classified as transient or not.

The bytes go as they are (`sendmail`): aiosmtplib's send_message would flatten an EmailMessage again."""

from __future__ import annotations

import asyncio
import logging

import aiosmtplib

from services.notifications.domain.delivery import is_transient_smtp_code
from services.notifications.mail.message import OutgoingMail
from shared.settings import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 15.0


class DeliveryFailed(Exception):
    """Sending failed; `transient` says whether trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class SmtpSender:
    """Keeps one SMTP connection open across sends and reconnects when the server drops it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, mail: OutgoingMail, envelope_from: str | None = None) -> None:
        """`envelope_from`: the return path (MAIL FROM), if not the From header's address.

        An address in UTF-8 needs the server's SMTPUTF8 (RFC 6531; aiosmtplib refuses to send
        without it, a transient failure like any other SMTPException); the message is 7-bit otherwise."""
        sender = envelope_from or mail.sender
        options = [] if sender.isascii() and mail.recipient.isascii() else ["SMTPUTF8", "BODY=8BITMIME"]
        async with self._lock:
            try:
                client = await self._connected()
                await client.sendmail(sender, [mail.recipient], mail.data, mail_options=options)
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
