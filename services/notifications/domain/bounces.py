"""Mail that bounces: the per-delivery return path, and what a bounce report says (pure).

Every email leaves with its own envelope sender (VERP): `bounces+<delivery id>@<domain>` for a
configured bounce address `bounces@<domain>`, so a delivery status notification (RFC 3464) sent back
to it names the delivery without reading the returned message. A report is permanent when the
recipient's Action is `failed` with a 5.x.x status, transient when it is `delayed` or a 4.x.x status;
`relayed`, `delivered` and `expanded` reports are no bounce at all.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.message import Message
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Kind = Literal["permanent", "transient"]
SIGNATURE_HEADER = "X-Pactesur-Signature"
_STATUS = re.compile(r"^\s*([245])\.\d{1,3}\.\d{1,3}")


@dataclass(frozen=True)
class Bounce:
    """One recipient's bounce, from a report sent back to a return path, or from a hosted mail service."""

    recipient: str
    kind: Kind
    status: str
    diagnostic: str
    delivery_id: int | None = None


def return_path(bounce_address: str, delivery_id: int) -> str:
    """`bounces@example.eu` -> `bounces+42@example.eu`."""
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{delivery_id}@{domain}"


def delivery_of(address: str, bounce_address: str) -> int | None:
    """The delivery id a return path names, or None for any other address."""
    local, _, domain = bounce_address.rpartition("@")
    found = re.fullmatch(rf"{re.escape(local)}\+(\d{{1,18}})@{re.escape(domain)}", address.strip(), re.IGNORECASE)
    return int(found.group(1)) if found else None


def kind_of(action: str, status: str) -> Kind | None:
    """permanent, transient, or None when the report is no bounce (relayed, delivered, expanded)."""
    action = action.strip().lower()
    code = _STATUS.match(status or "")
    if action == "failed":
        return "transient" if code and code.group(1) == "4" else "permanent"
    if action == "delayed" or (code and code.group(1) == "4"):
        return "transient"
    return None


def parse_report(raw: bytes, delivery_id: int | None = None) -> list[Bounce]:
    """The bounces an RFC 3464 delivery status notification reports, one per failed or delayed recipient;
    [] for a message that is no such report (an auto-reply, spam)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    status_part = _delivery_status(message)
    if status_part is None:
        return []
    found = []
    for fields in _recipient_fields(status_part):
        kind = kind_of(fields.get("action", ""), fields.get("status", ""))
        recipient = _address(fields.get("final-recipient") or fields.get("original-recipient") or "")
        if kind is None or not recipient:
            continue
        status = (fields.get("status") or "").strip()
        diagnostic = (fields.get("diagnostic-code") or "").strip()
        found.append(Bounce(recipient, kind, status, diagnostic[:1000], delivery_id))
    return found


def _delivery_status(message: Message) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            return part
    return None


def _recipient_fields(part: Message) -> list[dict[str, str]]:
    """The per-recipient field groups of a message/delivery-status part (the first group is per message).

    The standard library parses the part into a list of header blocks; older mailers send it as text."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [{k.lower(): str(v) for k, v in block.items()} for block in payload]
    else:
        text = part.get_payload(decode=True) or b""
        blocks = [_fields(chunk) for chunk in re.split(r"\r?\n\s*\r?\n", text.decode("utf-8", "replace"))]
    return [block for block in blocks[1:] if block]


def _fields(chunk: str) -> dict[str, str]:
    parsed = email.message_from_string(chunk.strip() + "\n", policy=email.policy.compat32)
    return {k.lower(): str(v) for k, v in parsed.items()}


def _address(field: str) -> str:
    """`rfc822; anna@riga.example.eu` -> `anna@riga.example.eu`."""
    return field.partition(";")[2].strip().strip("<>") if ";" in field else field.strip().strip("<>")


class BounceReport(BaseModel):
    """What a hosted mail service posts to the bounce webhook (signed: SIGNATURE_HEADER)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    recipient: EmailStr
    kind: Kind
    status: str = Field(default="", max_length=20)
    diagnostic: str = Field(default="", max_length=1000)
    delivery_id: int | None = Field(default=None, ge=1, description="from the return path, if the service saw it")

    def bounce(self) -> Bounce:
        return Bounce(str(self.recipient), self.kind, self.status, self.diagnostic, self.delivery_id)


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signed(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether the webhook's SIGNATURE_HEADER is the HMAC-SHA256 of the raw body with the shared secret."""
    return header is not None and hmac.compare_digest(signature(secret, body), header.strip())
