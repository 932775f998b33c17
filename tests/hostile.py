"""What the hostile-input tests share: the payloads, and an application and an invitation made of them
(module-scoped fixtures, registered for the whole suite by tests/conftest.py's pytest_plugins)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from deploy.local.smtp_sink import ReceivedMail
from services.registration.domain.applications import EDITABLE_FIELDS, ApplicationForm
from tests.registration_helpers import ADMIN, apply, form, new_call
from tests.test_scheduling_flow import activity_body, member_known, nominee, sign_up_city

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAK = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT} {ATTRIBUTE_BREAK}"
RAW_MARKUP = ("<script>alert(1)", "<img src=x")
ESCAPED_MARKUP = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")
INJECTED_HEADER = "\r\nBcc: attacker@evil.example.org"


def accepts(field: str, value: str) -> bool:
    try:
        ApplicationForm(**form("free-text@city.example.eu", **{field: value}))
    except ValidationError:
        return False
    return True


FREE_TEXT_FIELDS = [name for name in EDITABLE_FIELDS if accepts(name, HOSTILE)]
"""Every field of the application form that takes arbitrary text (found by trying, so new ones count)."""


def hostile_answers(tag: str) -> dict[str, str]:
    return {name: f"{HOSTILE} {tag}" for name in FREE_TEXT_FIELDS}


@dataclass(frozen=True)
class HostileApplication:
    id: str
    email: str
    tag: str


@pytest.fixture(scope="module")
async def hostile_call(stack) -> str:
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        return await new_call(api, quota=5, title={"en": f"Call {HOSTILE}"})


@pytest.fixture(scope="module")
async def hostile_application(stack, hostile_call) -> HostileApplication:
    """Submitted through the JSON API with the payloads in every free-text field."""
    tag, address = uuid.uuid4().hex[:12], f"hostile-{uuid.uuid4().hex[:10]}@city.example.eu"
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as api:
        application_id = await apply(api, hostile_call, address, **hostile_answers(tag))
    return HostileApplication(application_id, address, tag)


async def edit_token_from_email(smtp_sink, address: str) -> str:
    first, *_ = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=30)  # the confirmation
    return re.search(r"/applications/([\w.-]+)", first.text_body).group(1)


def web_fields(answers: dict[str, Any]) -> dict[str, str]:
    """An application as a browser posts it: ticked checkboxes are present, others absent."""
    return {k: str(v) for k, v in answers.items() if not isinstance(v, bool)} | {
        k: "yes" for k, v in answers.items() if v is True
    }


# --- B/C/D for scheduling: an invitation whose title and participant are hostile ----------------------

ICS_INJECTION = "\rATTENDEE:mailto:attacker@evil.example.org"
HOSTILE_TITLE = f"Academy {HOSTILE}{ICS_INJECTION}{INJECTED_HEADER}"


@dataclass(frozen=True)
class HostileInvitation:
    activity_id: str
    nomination_id: str
    address: str
    mail: ReceivedMail


@pytest.fixture(scope="module")
async def hostile_invitation(stack, infrastructure, smtp_sink) -> HostileInvitation:
    """A real activity with a hostile title, and an admin's nomination of a person with a hostile name."""
    city_id = await sign_up_city(infrastructure.kafka_bootstrap_servers, f"Hostile {uuid.uuid4().hex[:6]}")
    address = f"hostile-officer-{uuid.uuid4().hex[:10]}@police.example.eu"
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=20) as scheduling:
        await member_known(scheduling, city_id)
        body = activity_body(timedelta(days=200), titles={"en": HOSTILE_TITLE}, venue_name=f"Hall {HOSTILE}")
        created = await scheduling.post("/api/v1/activities", json=body, headers=ADMIN)
        assert created.status_code == 201, created.text
        activity_id = created.json()["activity"]["activity_id"]
        person = nominee(city_id, name=f"Eve {HOSTILE}{INJECTED_HEADER}", email=address, language="en")
        nominated = await scheduling.post(f"/api/v1/activities/{activity_id}/nominations", json=person, headers=ADMIN)
        assert nominated.status_code == 201, nominated.text
    [mail] = await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=30)
    return HostileInvitation(activity_id, nominated.json()["nomination_id"], address, mail)


def decline_token(mail: ReceivedMail) -> str:
    return re.search(r"/api/v1/nominations/decline\?token=([\w.-]+)", mail.text_body).group(1)
