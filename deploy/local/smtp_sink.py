"""An SMTP server that accepts every message and keeps it, for tests and the local mailbox page.

Built on aiosmtpd's `Controller`, which serves SMTP from its own thread and event loop, so the sink
works the same under a sync test, an async test or `make run`.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from deploy.local.processes import free_port

RcptRule = Callable[[str], "str | None"]
MailPredicate = Callable[["ReceivedMail"], bool]


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ReceivedMail:
    """One message as it arrived: the SMTP envelope and the exact bytes of the DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @cached_property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        """The To header, decoded (the envelope recipients are in `rcpt_tos`)."""
        return str(self.message.get("To", ""))

    @property
    def language(self) -> str | None:
        value = self.message.get("Content-Language")
        return str(value) if value is not None else None

    @property
    def message_id(self) -> str | None:
        value = self.message.get("Message-ID")
        return str(value) if value is not None else None

    @property
    def text_body(self) -> str | None:
        return self._body("plain")

    @property
    def html_body(self) -> str | None:
        return self._body("html")

    @property
    def attachments(self) -> list[MailAttachment]:
        return [
            MailAttachment(
                filename=part.get_filename() or "(unnamed)",
                content_type=part.get_content_type(),
                size=len(part.get_payload(decode=True) or b""),
            )
            for part in self.message.iter_attachments()
        ]

    def _body(self, subtype: str) -> str | None:
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else None


class _SinkHandler:
    """aiosmtpd handler; its hooks run on the controller's thread."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        rule = self._sink.rcpt_rule
        refusal = rule(address) if rule is not None else None
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mail = ReceivedMail(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=envelope.original_content or b"",
        )
        self._sink.add(mail)
        return "250 2.0.0 Message accepted"


class SmtpSink:
    """Accepts all mail on `host:port` and keeps it in memory (and in `store_dir` when given).

    `rcpt_rule`, when set, is asked about every RCPT TO address: it returns an SMTP reply to refuse
    the recipient ("451 4.3.0 try later", "550 5.1.1 unknown user") or None to accept it. Tests use
    it to simulate temporary and permanent delivery failures.
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, store_dir: Path | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)  # aiosmtpd 1.4.6 cannot listen on port 0
        self.store_dir = Path(store_dir) if store_dir is not None else None
        self.rcpt_rule: RcptRule | None = None
        self._messages: list[ReceivedMail] = []
        self._next_file_number = 0
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        if self.store_dir is not None:
            self._load_stored()
        controller = Controller(
            _SinkHandler(self),
            hostname=self.host,
            port=self.port,
            decode_data=False,
            enable_SMTPUTF8=True,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def add(self, mail: ReceivedMail) -> None:
        """Keep `mail` (the SMTP handler calls this; tests may too, to fill a mailbox directly)."""
        with self._changed:
            if self.store_dir is not None:
                _store(self.store_dir, self._next_file_number, mail)
                self._next_file_number += 1
            self._messages.append(mail)
            self._changed.notify_all()

    def messages(self) -> list[ReceivedMail]:
        """A snapshot of all received messages, oldest first."""
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        """Forget all messages, including the stored copies."""
        with self._changed:
            self._messages.clear()
            self._next_file_number = 0
            if self.store_dir is not None:
                for path in self.store_dir.glob("*.eml"):
                    path.unlink()
                    path.with_suffix(".json").unlink(missing_ok=True)

    async def wait_for(  # noqa: ASYNC109 - the timeout error lists what did arrive
        self, predicate: MailPredicate | None = None, count: int = 1, timeout: float = 20
    ) -> list[ReceivedMail]:
        """Wait until at least `count` messages match `predicate` (all messages if None); return them."""
        deadline = time.monotonic() + timeout
        while len(matching := self._matching(predicate)) < count:
            if time.monotonic() >= deadline:
                raise self._timeout_error(count, len(matching), timeout)
            await asyncio.sleep(0.05)
        return matching

    def wait_for_sync(
        self, predicate: MailPredicate | None = None, count: int = 1, timeout: float = 20
    ) -> list[ReceivedMail]:
        """Blocking variant of `wait_for`, for sync code."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(matching := self._matching(predicate)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout_error(count, len(matching), timeout)
                self._changed.wait(remaining)
            return matching

    def _matching(self, predicate: MailPredicate | None) -> list[ReceivedMail]:
        return [mail for mail in self.messages() if predicate is None or predicate(mail)]

    def _timeout_error(self, wanted: int, found: int, timeout: float) -> TimeoutError:
        received = "; ".join(f"{mail.rcpt_tos} {mail.subject!r}" for mail in self.messages()) or "nothing"
        return TimeoutError(f"{found} of {wanted} expected messages within {timeout} s; received: {received}")

    def _load_stored(self) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        paths = sorted(self.store_dir.glob("*.eml"))
        with self._changed:
            self._messages = [_load(path) for path in paths]
            self._next_file_number = max((int(path.stem) for path in paths if path.stem.isdigit()), default=-1) + 1


def _store(store_dir: Path, number: int, mail: ReceivedMail) -> None:
    """Write `NNNNNN.eml` (the raw message) and `NNNNNN.json` (the envelope: not part of the message)."""
    store_dir.mkdir(parents=True, exist_ok=True)
    stem = store_dir / f"{number:06d}"
    envelope = {
        "mail_from": mail.mail_from,
        "rcpt_tos": list(mail.rcpt_tos),
        "received_at": mail.received_at.isoformat(),
    }
    stem.with_suffix(".eml").write_bytes(mail.raw)
    stem.with_suffix(".json").write_text(json.dumps(envelope), encoding="utf-8")


def _load(eml_path: Path) -> ReceivedMail:
    envelope_path = eml_path.with_suffix(".json")
    if envelope_path.exists():
        envelope = json.loads(envelope_path.read_text(encoding="utf-8"))
    else:
        envelope = {
            "mail_from": "",
            "rcpt_tos": [],
            "received_at": datetime.fromtimestamp(eml_path.stat().st_mtime, UTC).isoformat(),
        }
    return ReceivedMail(
        mail_from=envelope["mail_from"],
        rcpt_tos=tuple(envelope["rcpt_tos"]),
        raw=eml_path.read_bytes(),
        received_at=datetime.fromisoformat(envelope["received_at"]),
    )
