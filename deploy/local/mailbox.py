"""A small web page over an `SmtpSink`: the mailbox of `make run` (the local stand-in for Mailpit).

Pages: `/` (all messages, newest first), `/messages/{index}` (headers, HTML part in a sandboxed
iframe, text part, attachments), `/messages/{index}/raw` (the .eml as text) and `/api/messages`
(JSON, oldest first). `index` is the position in `SmtpSink.messages()`. Mail content is untrusted
(subjects and bodies carry user input): templates autoescape everything and the responses forbid
scripts altogether.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from deploy.local.smtp_sink import ReceivedMail, SmtpSink

TEMPLATES_DIR = Path(__file__).parent / "templates"
SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Content-Language")
SECURITY_HEADERS = {
    "Content-Security-Policy": "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_mailbox_app(sink: SmtpSink) -> FastAPI:
    templates = _template_environment()
    app = FastAPI(title="Local mailbox", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def add_security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/", response_class=HTMLResponse)
    def list_messages() -> str:
        entries = list(enumerate(sink.messages()))[::-1]
        return templates.get_template("mailbox_index.html").render(entries=entries)

    @app.get("/messages/{index}", response_class=HTMLResponse)
    def show_message(index: int) -> str:
        mail = _mail_at(sink, index)
        headers = {name: str(mail.message.get(name, "")) for name in SHOWN_HEADERS}
        return templates.get_template("mailbox_message.html").render(
            index=index, mail=mail, headers=headers, attachments=mail.attachments
        )

    @app.get("/messages/{index}/raw")
    def raw_message(index: int) -> Response:
        return Response(_mail_at(sink, index).raw, media_type="text/plain; charset=utf-8")

    @app.get("/api/messages")
    def api_messages() -> list[dict[str, object]]:
        return [_summary(index, mail) for index, mail in enumerate(sink.messages())]

    return app


def _template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["utc"] = _format_utc
    return environment


def _format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _mail_at(sink: SmtpSink, index: int) -> ReceivedMail:
    messages = sink.messages()
    if not 0 <= index < len(messages):
        raise HTTPException(status_code=404, detail=f"no message {index}")
    return messages[index]


def _summary(index: int, mail: ReceivedMail) -> dict[str, object]:
    return {
        "index": index,
        "subject": mail.subject,
        "to": mail.to,
        "language": mail.language,
        "message_id": mail.message_id,
        "received_at": mail.received_at.isoformat(),
    }
