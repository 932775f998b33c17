"""The MIME message of one email, with the headers of an automated, localized email, as the bytes sent.

Written by `mail/mime` (not built as an email.message.EmailMessage and flattened: see there why).
Whoever needs it parsed reads the bytes: `email.message_from_bytes(mail.data, policy=email.policy.default)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parseaddr
from functools import lru_cache

from services.notifications.mail.mime import (
    CRLF,
    attachment_part,
    header,
    mailbox,
    multipart,
    refuse_line_breaks,
    text_part,
    unstructured,
)


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One email ready for SMTP: the From header's address (the envelope sender unless a return path
    is given), the one recipient, and the message as sent (CRLF line breaks, 7-bit unless an address is
    UTF-8)."""

    sender: str
    recipient: str
    data: bytes


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
) -> OutgoingMail:
    """multipart/alternative (text, then HTML), with the headers of an automated, localized email.

    Non-essential emails carry List-Unsubscribe with the signed link and List-Unsubscribe-Post for
    one-click unsubscribing (RFC 8058: the link answers POST without any confirmation). An invitation
    is multipart/mixed[alternative[text, HTML, text/calendar; method=...], invite.ics].
    A notice recorded without HTML (one listed in a coalesced email, resent alone) goes as text only.
    A header value with CR or LF is refused (ValueError)."""
    from_header, address = _from(sender)
    headers = [
        from_header,
        mailbox("To", "", recipient),
        unstructured("Subject", subject),
        header("Date", format_datetime(date)),
        header("Message-ID", message_id),
        b"Auto-Submitted: auto-generated\r\n",
    ]
    if unsubscribe_url:
        headers.append(header("List-Unsubscribe", f"<{unsubscribe_url}>"))
        headers.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    alternatives = [text_part("plain", text), *([text_part("html", html)] if html else [])]
    if calendar:
        method = calendar_method or "REQUEST"
        alternatives.append(text_part("calendar", calendar, method=method))
        body = multipart(
            "mixed",
            [
                multipart("alternative", alternatives),
                attachment_part("application/ics", calendar.encode(), "invite.ics", method=method),
            ],
        )
    else:
        body = multipart("alternative", alternatives)
    headers += [b"MIME-Version: 1.0\r\n", body.headers, header("Content-Language", language), CRLF, body.body]
    return OutgoingMail(address, recipient, b"".join(headers))


@lru_cache(maxsize=8)
def _from(sender: str) -> tuple[bytes, str]:
    """(From header, address) of "Display Name <address>": the same few senders, every email."""
    refuse_line_breaks("From", sender)
    name, address = parseaddr(sender)
    return mailbox("From", name, address), address
