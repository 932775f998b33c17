"""The city registry pages and the sign-in of city focal points and deputies.

The session kinds and the choice of whom an address signs in as are tested alone; the rest over the
real stack: an admin sees the registry, changes a deputy, sends the focal point a sign-in link; the
focal point reads it at the SMTP sink, signs in and lands on /city in their language."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from services.registration.domain.cities import City, CityContact, contact_signing_in
from shared.contracts import SignInLinkRequested, SignInLinkRequestedV1
from shared.contracts.common import Contact
from shared.contracts.events import new_event
from shared.contracts.registry import parse_event
from shared.security import sessions, signing
from shared.web.pages.guard import STAFF_TOKEN_COOKIE
from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN
from tests.registration_helpers import email, last_event, selected
from tests.test_registration_sign_in import ask_for_link, confirm
from tests.test_registration_staff_pages import csrf_of

NOW = datetime(2027, 3, 15, 9, 30, tzinfo=UTC)
SECRET = b"k" * 32
LINK = re.compile(r"https?://\S+/sign-in/[A-Za-z0-9_-]+")


# --- Alone ----------------------------------------------------------------------------------------


def contact_session(kind: str = "focal_point") -> sessions.Session:
    return sessions.new_session(
        uuid.uuid4(), uuid.uuid4(), kind, "Giulia Rossi", None, NOW, "it", "Europe/Rome", city_id=uuid.uuid4()
    )


def test_a_contact_session_names_the_city_and_is_no_staff_session():
    for kind in ("focal_point", "deputy"):
        session = contact_session(kind)
        assert sessions.read(SECRET, sessions.issue(SECRET, session), NOW) == session
        assert session.staff_member() is None
        contact = session.contact()
        assert contact is not None and contact.kind == kind and contact.city_id == session.city_id
    staff = sessions.new_session(uuid.uuid4(), uuid.uuid4(), "staff", "a@efus.example.eu", "admin", NOW)
    assert staff.contact() is None and staff.staff_member() is not None
    with pytest.raises(ValueError):
        sessions.new_session(uuid.uuid4(), uuid.uuid4(), "focal_point", "X", None, NOW)  # no city
    with pytest.raises(ValueError):
        sessions.new_session(uuid.uuid4(), uuid.uuid4(), "staff", "X", "admin", NOW, city_id=uuid.uuid4())


def _signed(**changes) -> str:
    session = contact_session()
    data = {"s": str(session.session_id), "p": str(session.person_id), "k": "focal_point", "n": session.name}
    data |= {"r": None, "e": int(session.expires_at.timestamp()), "l": "it", "z": None, "c": str(session.city_id)}
    return signing.sign(SECRET, sessions.PURPOSE, data | changes, expires_at=session.expires_at)


def test_a_tampered_or_inconsistent_kind_is_refused():
    value = sessions.issue(SECRET, contact_session())
    body, _, signature = value.rpartition(".")
    as_staff = base64.urlsafe_b64encode(
        base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).replace(b'"focal_point"', b'"staff"')
    )
    for tampered in (f"{as_staff.rstrip(b'=').decode()}.{signature}", value[:-2] + "AA"):
        with pytest.raises(signing.InvalidToken):
            sessions.read(SECRET, tampered, NOW)
    for changes in ({"k": "mayor"}, {"k": "staff", "r": "admin"}, {"c": None}, {"r": "admin"}):
        with pytest.raises(signing.InvalidToken):
            sessions.read(SECRET, _signed(**changes), NOW)
    assert sessions.read(SECRET, _signed(), NOW).contact() is not None


def _city(name: str, *contacts: tuple[str, str]) -> City:
    people = tuple(
        CityContact(uuid.uuid4(), designation, "P", address, "it", "Europe/Rome") for designation, address in contacts
    )
    return City(uuid.uuid4(), name, "IT", "associated", ("it",), "Europe/Rome", people)


def test_an_address_signs_in_as_focal_point_before_deputy_and_other_contacts_do_not():
    bari = _city("Bari", ("focal_point", "a@bari.it"), ("deputy", "b@x.it"), ("contact", "c@x.it"))
    acqui = _city("Acqui", ("focal_point", "f@acqui.it"), ("deputy", "B@X.it"))
    assert contact_signing_in([bari, acqui], "c@x.it") is None
    city, contact = contact_signing_in([bari, acqui], " b@x.IT ")
    assert (city.name, contact.designation) == ("Acqui", "deputy")  # both deputies: the first city by name
    city, contact = contact_signing_in([acqui, bari], "A@bari.it")
    assert (city.name, contact.designation) == ("Bari", "focal_point")


def test_a_v1_sign_in_link_event_is_read_as_v2():
    person = Contact(
        person_id=uuid.uuid4(), name="A", email="a@efus.example.eu", language="fr", timezone="Europe/Paris"
    )
    old = SignInLinkRequestedV1(
        recipient=person, person_kind="staff", link="https://x.eu/sign-in/t", expires_at=NOW, requested_at=NOW
    )
    event = new_event(old, key="k", event_id=uuid.uuid4(), occurred_at=NOW, producer="registration", correlation_id="c")
    parsed = parse_event(event.to_json())
    assert isinstance(parsed.payload, SignInLinkRequested) and parsed.schema_version == 2
    assert parsed.payload.person_kind == "staff" and parsed.payload.city is None


# --- Over the stack ------------------------------------------------------------------------------


@pytest.fixture
async def selected_city(client, db) -> dict:
    """An associated city, selected from an application in Italian and not signed up yet."""
    focal_point = email()
    city_name = f"Bari {uuid.uuid4().hex[:6]}"
    decision = await selected(
        client, db, focal_point, city=city_name, country="IT", language="it", contact_name="Giulia Rossi"
    )
    return {"id": str(decision.city_id), "name": city_name, "focal_point": focal_point}


def staff_browser(stack, token: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(base_url=stack["registration"].url, timeout=20)
    browser.cookies.set(STAFF_TOKEN_COOKIE, token)
    return browser


def contacts_form(page: httpx.Response, **changes: str) -> dict[str, str]:
    values = dict(re.findall(r'<input type="(?:text|email)" id="(\w+)" name="\w+" value="([^"]*)"', page.text))
    for select in ("focal_point_language", "deputy_language", "focal_point_timezone", "deputy_timezone"):
        chosen = re.search(rf'<select id="{select}".*?</select>', page.text, re.S).group(0)
        found = re.search(r'<option(?: value="([^"]*)")? selected>([^<]*)<', chosen)
        values[select] = (found.group(1) or found.group(2)) if found else ""
    return values | {"csrf_token": csrf_of(page)} | changes


async def link_in(smtp_sink, address: str):
    def wanted(mail) -> bool:
        return address in mail.rcpt_tos and LINK.search(mail.text_body) is not None

    [mail] = await smtp_sink.wait_for(wanted, timeout=30)
    return mail, LINK.search(mail.text_body).group(0)


async def test_the_registry_a_deputy_and_the_focal_point_signing_in(stack, smtp_sink, db, selected_city):
    city_id, name = selected_city["id"], selected_city["name"]
    async with staff_browser(stack, ADMIN_TOKEN) as admin:
        registry = await admin.get("/staff/cities")
        assert registry.status_code == 200 and name in registry.text
        assert "Associated city" in registry.text and "Consortium" in registry.text
        assert "Italy" in registry.text and "Not signed up yet" in registry.text and "Giulia Rossi" in registry.text
        assert 'aria-current="page"' in registry.text and "_point" not in registry.text

        page = await admin.get(f"/staff/cities/{city_id}")
        assert page.status_code == 200 and f"{name} (Italy)" in page.text and "Italian" in page.text
        bad = await admin.post(
            f"/staff/cities/{city_id}/contacts",
            data=contacts_form(page, deputy_name="Marco Bianchi", deputy_email="not-an-address", deputy_language="en"),
        )
        assert bad.status_code == 422 and "Please enter a valid email address." in bad.text
        assert 'id="deputy_email" name="deputy_email" value="not-an-address" aria-invalid="true"' in bad.text
        deputy = email()
        saved = await admin.post(
            f"/staff/cities/{city_id}/contacts",
            data=contacts_form(bad, deputy_name="Marco Bianchi", deputy_email=deputy, deputy_language="en"),
        )
        assert saved.status_code == 303, saved.text
        changed = await last_event(db, "ContactChanged", city_id)
        assert changed.deputy.name == "Marco Bianchi" and changed.changed_by.startswith("admin:")
        assert changed.focal_point.email == selected_city["focal_point"]
        shown = await admin.get(saved.headers["location"])
        assert "The contacts are saved." in shown.text and "Marco Bianchi" in shown.text

        sent = await admin.post(
            f"/staff/cities/{city_id}/sign-in-link", data={"csrf_token": csrf_of(shown), "designation": "focal_point"}
        )
        assert sent.status_code == 303
        after = await admin.get(sent.headers["location"])
        assert "A sign-in link is on its way to Giulia Rossi." in after.text
        nobody = await admin.post(
            f"/staff/cities/{city_id}/sign-in-link", data={"csrf_token": csrf_of(after), "designation": "mayor"}
        )
        assert nobody.status_code == 404

    mail, link = await link_in(smtp_sink, selected_city["focal_point"])
    assert mail.language == "it" and "admin:" not in mail.text_body
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        signed_in = await confirm(browser, link)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/city"
        home = await browser.get("/city")
        assert home.status_code == 200 and '<html lang="it">' in home.text and name in home.text
        assert "Ha effettuato l'accesso come Giulia Rossi, referente di" in home.text.replace("&#39;", "'")
        assert "point focal de" in (await browser.get("/city?lang=fr")).text
        assert (await browser.get("/staff")).status_code == 303  # a focal point is not staff
        assert (await browser.get("/api/v1/staff/cities")).status_code == 401
        used = await browser.get(link)
        assert used.status_code == 410
        signed_out = await browser.post("/sign-out", data={"csrf_token": csrf_of(home)})
        assert signed_out.status_code == 303
        assert (await browser.get("/city")).headers["location"].endswith("/sign-in")

    person = changed.focal_point.person_id
    log = await db.fetch("SELECT action, actor, details FROM audit_log WHERE subject = $1 ORDER BY id", str(person))
    assert [e["action"] for e in log][:2] == ["sign_in.link_sent", "sign_in"]
    assert log[0]["actor"].startswith("admin:") and log[1]["actor"] == selected_city["focal_point"]


async def test_the_deputy_asks_for_a_link_and_the_answer_is_that_of_an_unknown_address(
    stack, smtp_sink, client, selected_city
):
    deputy = email()
    async with staff_browser(stack, ADMIN_TOKEN) as admin:
        page = await admin.get(f"/staff/cities/{selected_city['id']}")
        form = contacts_form(page, deputy_name="Marco Bianchi", deputy_email=deputy, deputy_language="fr")
        assert (await admin.post(f"/staff/cities/{selected_city['id']}/contacts", data=form)).status_code == 303
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        known = await ask_for_link(browser, deputy.upper())
        unknown = await ask_for_link(browser, email())
        assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
        mail, link = await link_in(smtp_sink, deputy)
        assert mail.language == "fr"
        assert (await confirm(browser, link)).headers["location"] == "/city"
        home = await browser.get("/city")
        assert "Marco Bianchi, suppléant du point focal de" in home.text and '<html lang="fr">' in home.text
        assert (await browser.post(link, data={"csrf_token": csrf_of(home)})).status_code == 410


async def test_a_reviewer_reads_the_registry_and_may_not_change_it_in_french(stack, selected_city):
    city_id = selected_city["id"]
    async with staff_browser(stack, REVIEWER_TOKEN) as reviewer:
        registry = await reviewer.get("/staff/cities?lang=fr")
        assert registry.status_code == 200 and '<html lang="fr">' in registry.text
        assert "Ville associée" in registry.text and "Pas encore inscrite" in registry.text
        assert "Italie" in registry.text and "Villes" in registry.text
        page = await reviewer.get(f"/staff/cities/{city_id}?lang=fr")
        assert page.status_code == 200 and "Point focal" in page.text and "italien" in page.text
        assert "/contacts" not in page.text and "sign-in-link" not in page.text  # no forms for a reviewer
        change = await reviewer.post(f"/staff/cities/{city_id}/contacts?lang=fr", data={"csrf_token": "x"})
        assert change.status_code == 403 and "<html" in change.text
        send = await reviewer.post(f"/staff/cities/{city_id}/sign-in-link", data={"designation": "focal_point"})
        assert send.status_code == 403
        assert (await reviewer.get(f"/staff/cities/{uuid.uuid4()}")).status_code == 404


async def test_signed_out_visitors_are_sent_to_sign_in(stack):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as visitor:
        assert (await visitor.get("/staff/cities")).headers["location"].endswith("/sign-in")
        assert (await visitor.get("/city")).headers["location"].endswith("/sign-in")
        stale = sessions.issue(b"not-the-key" * 3, contact_session())
        visitor.cookies.set(sessions.COOKIE, stale)
        assert (await visitor.get("/city")).status_code == 303


async def test_an_old_link_of_a_contact_no_longer_a_contact_is_refused(stack, smtp_sink, db, selected_city):
    city_id = selected_city["id"]
    async with staff_browser(stack, ADMIN_TOKEN) as admin:
        page = await admin.get(f"/staff/cities/{city_id}")
        sent = await admin.post(
            f"/staff/cities/{city_id}/sign-in-link", data={"csrf_token": csrf_of(page), "designation": "focal_point"}
        )
        assert sent.status_code == 303
        _, link = await link_in(smtp_sink, selected_city["focal_point"])
        replaced = contacts_form(page, focal_point_email=email(), focal_point_name="Anna Verdi")
        assert (await admin.post(f"/staff/cities/{city_id}/contacts", data=replaced)).status_code == 303
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        assert (await confirm(browser, link)).status_code == 410  # no longer this city's focal point


async def test_a_person_both_staff_and_focal_point_signs_in_as_staff(stack, db, selected_city):
    address = selected_city["focal_point"]
    out = stack.run_command("registration", "staff", "add", address, "--role", "reviewer")
    assert "added" in out, out
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=20) as browser:
        assert (await ask_for_link(browser, address)).status_code == 200
    staff_id = await db.fetchval("SELECT id FROM staff_accounts WHERE lower(email) = lower($1)", address)
    contact_id = await db.fetchval(
        "SELECT person_id FROM city_contacts WHERE city_id = $1 AND designation = 'focal_point'",
        uuid.UUID(selected_city["id"]),
    )
    assert (await last_event(db, "SignInLinkRequested", str(staff_id))).person_kind == "staff"
    outbox = "SELECT count(*) FROM outbox WHERE key = $1 AND event_type = 'SignInLinkRequested'"
    assert await db.fetchval(outbox, str(contact_id)) == 0
