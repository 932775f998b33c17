"""The MIME message of one email, with the headers of an automated, localized email."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr


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
