"""Registration rules without I/O: the form, the call window, edits, withdrawal, scores, cities, events."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.registration.domain import messages
from services.registration.domain.applications import (
    ApplicationForm,
    NotEditable,
    edit_deadline,
    new_application,
    update_application,
    withdraw,
)
from services.registration.domain.calls import Call, CallNotOpen, CallSpec, Criterion, ensure_open
from services.registration.domain.cities import (
    AlreadySignedUp,
    ContactsInput,
    city_from_selection,
    confirm_signup,
    replace_contacts,
)
from services.registration.domain.programme import CONSORTIUM, consortium_cities, demo_call
from services.registration.domain.retention import Retention, erasure_due
from services.registration.domain.review import Status
from services.registration.domain.scoring import (
    InvalidScores,
    Review,
    average_score,
    check_scores,
    ranking,
    visible_reviews,
    weighted_score,
)

OPENS = datetime(2026, 11, 1, tzinfo=UTC)
CALL = Call("c", {"en": "The call", "fr": "L'appel"}, {"en": "d"}, OPENS, OPENS + timedelta(days=30))
FORM = dict(
    city="Vilnius",
    country="lt",
    contact_name="Rūta",
    contact_email="ruta@vilnius.lt",
    language="LT",
    motivation="m",
    consent=True,
)


def apply(now=OPENS + timedelta(days=1), form=FORM, call=CALL):
    ensure_open(call, now)  # as the workflow does with the call it read inserting the application
    return new_application(
        call.slug,
        ApplicationForm(**form),
        now=now,
        application_id=uuid4(),
        contact_person_id=uuid4(),
        consent_text="ok",
    )


def test_codes_are_normalised_and_timezone_defaults_to_the_country():
    form = ApplicationForm(**FORM)
    assert (form.country, form.language, form.timezone) == ("LT", "lt", "Europe/Vilnius")
    assert ApplicationForm(**FORM | {"timezone": "Europe/Brussels"}).timezone == "Europe/Brussels"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "US"),
        ("country", "XX"),
        ("language", "ru"),
        ("contact_email", "nope"),
        ("city", ""),
        ("city", "x" * 121),
        ("contact_name", "Eve\r\nBcc: all@example.org"),
        ("motivation", "x" * 5001),
        ("experience", "x" * 3001),
        ("population", 0),
        ("contact_phone", "call me"),
        ("timezone", "Mars/Olympus"),
        ("consent", False),
    ],
)
def test_invalid_fields_are_named(field, value):
    with pytest.raises(ValidationError) as caught:
        ApplicationForm(**FORM | {field: value})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_consent_is_required_and_unknown_fields_refused():
    without = {k: v for k, v in FORM.items() if k != "consent"}
    with pytest.raises(ValidationError):
        ApplicationForm(**without)
    with pytest.raises(ValidationError):
        ApplicationForm(**FORM | {"admin": True})


def test_submission_inside_the_window():
    application = apply()
    assert application.status == Status.SUBMITTED and application.consent.text == "ok"
    payload = messages.submitted(application, CALL, "http://x/applications/t")
    assert payload.call_title == "The call" and payload.call_titles == CALL.title  # no Lithuanian title
    assert payload.timezone == "Europe/Vilnius" and payload.call_timezone == "Europe/Brussels"
    assert payload.edit_url == "http://x/applications/t" and payload.contact_person_id == application.contact_person_id


@pytest.mark.parametrize(
    ("now", "not_yet"), [(OPENS - timedelta(seconds=1), True), (OPENS + timedelta(days=30), False)]
)
def test_outside_the_window_is_refused_with_the_date(now, not_yet):
    with pytest.raises(CallNotOpen) as caught:
        apply(now)
    assert caught.value.not_yet_open is not_yet
    assert caught.value.when == (CALL.opens_at if not_yet else CALL.closes_at)


def test_edit_until_the_deadline_then_refused():
    application = apply()
    changed, fields = update_application(
        application, CALL, ApplicationForm(**FORM | {"region": "Vilnius County"}), OPENS + timedelta(days=2)
    )
    assert fields == ("region",) and changed.form.region == "Vilnius County"
    with pytest.raises(NotEditable) as caught:
        update_application(application, CALL, ApplicationForm(**FORM), CALL.closes_at)
    assert caught.value.reason == "deadline"


def test_more_information_reopens_editing_after_the_deadline_and_answer_resumes_review():
    asking = replace(apply(), status=Status.MORE_INFO_REQUESTED, more_info_until=CALL.closes_at + timedelta(days=14))
    assert edit_deadline(asking, CALL) == CALL.closes_at + timedelta(days=14)
    answered, _ = update_application(asking, CALL, ApplicationForm(**FORM), CALL.closes_at + timedelta(days=1))
    assert answered.status == Status.UNDER_REVIEW and answered.more_info_until is None


def test_withdrawal_until_the_deadline_or_to_decline_a_place():
    application = apply()
    assert withdraw(application, CALL, OPENS + timedelta(days=2)).status == Status.WITHDRAWN
    with pytest.raises(NotEditable):
        withdraw(application, CALL, CALL.closes_at)
    selected = replace(application, status=Status.SELECTED)
    assert withdraw(selected, CALL, CALL.closes_at + timedelta(days=40)).status == Status.WITHDRAWN
    with pytest.raises(NotEditable):
        withdraw(replace(application, status=Status.REJECTED), CALL, OPENS)


def test_call_spec_rules():
    base = dict(title={"en": "T"}, opens_at=OPENS, closes_at=OPENS + timedelta(days=1))
    assert CallSpec(**base).to_call("s").quota == 11
    for bad in ({"title": {"fr": "T"}}, {"closes_at": OPENS}, {"timezone": "Nowhere/City"}, {"quota": 0}):
        with pytest.raises(ValidationError):
            CallSpec(**base | bad)


CRITERIA = (Criterion(key="a", name={"en": "A"}, weight=3), Criterion(key="b", name={"en": "B"}, weight=1))


def test_weighted_scores_and_ranking():
    assert weighted_score({"a": 5, "b": 1}, CRITERIA) == 4.0
    with pytest.raises(InvalidScores):
        check_scores({"a": 5}, CRITERIA)
    first, second, unscored = uuid4(), uuid4(), uuid4()
    reviews = [Review(first, "r1", {"a": 5, "b": 5}, "", OPENS), Review(first, "r2", {"a": 3, "b": 3}, "", OPENS)]
    assert average_score(reviews, CRITERIA) == 4.0 and average_score([], CRITERIA) is None
    submitted = {first: OPENS, second: OPENS - timedelta(hours=1), unscored: OPENS - timedelta(days=1)}
    assert ranking({first: 4.0, second: 4.0, unscored: None}, submitted) == [second, first, unscored]


def test_reviewers_see_others_only_after_scoring():
    application = uuid4()
    reviews = [Review(application, "ana", {"a": 1, "b": 1}, "", OPENS)]
    assert visible_reviews(reviews, "ben", viewer_is_admin=False) == []
    assert visible_reviews(reviews, "ana", viewer_is_admin=False) == reviews
    assert visible_reviews(reviews, "ceo", viewer_is_admin=True) == reviews


def test_selected_application_becomes_a_pending_city_then_signs_up_once():
    application = apply()
    city = city_from_selection(application, city_id=uuid4(), signup_due_at=OPENS)
    assert (city.role, city.status, city.languages, city.timezone) == (
        "associated",
        "pending",
        ("lt", "en"),
        "Europe/Vilnius",
    )
    assert city.contact("focal_point").person_id == application.contact_person_id
    signed = confirm_signup(city, OPENS)
    assert signed.status == "signed_up" and signed.terms_version
    with pytest.raises(AlreadySignedUp):
        confirm_signup(signed, OPENS)
    payload = messages.city_signed_up(signed)
    assert payload.focal_point.email == "ruta@vilnius.lt" and payload.deputy is None


def test_contacts_keep_person_ids_and_report_removals():
    city = city_from_selection(apply(), city_id=uuid4(), signup_due_at=OPENS)
    old_focal = city.contact("focal_point")
    wanted = ContactsInput(
        contacts=[
            {"designation": "focal_point", "name": "Jonas", "email": "jonas@vilnius.lt", "language": "lt"},
            {"designation": "deputy", "name": "Rūta", "email": "RUTA@vilnius.lt", "language": "en"},
        ]
    )
    changed, removed = replace_contacts(city, wanted, uuid4)
    assert changed.contact("deputy").person_id == old_focal.person_id and removed == ()
    assert changed.contact("focal_point").timezone == "Europe/Vilnius"
    later, removed = replace_contacts(changed, ContactsInput(contacts=[wanted.contacts[0]]), uuid4)
    assert [c.email.lower() for c in removed] == ["ruta@vilnius.lt"] and len(later.contacts) == 1


@pytest.mark.parametrize(
    "contacts",
    [
        [],
        [{"designation": "deputy", "name": "A", "email": "a@x.eu", "language": "fr"}],
        [
            {"designation": "focal_point", "name": "A", "email": "a@x.eu", "language": "fr"},
            {"designation": "contact", "name": "B", "email": "A@x.eu", "language": "fr"},
        ],
    ],
)
def test_contact_sets_need_one_focal_point_and_distinct_emails(contacts):
    with pytest.raises(ValidationError):
        ContactsInput(contacts=contacts)


def test_retention_is_due_only_for_rejected_after_the_period():
    keep = timedelta(days=180)
    retention = Retention(withdrawn=keep * 10, waitlisted=keep * 10, rejected=keep)
    closes = CALL.closes_at

    def due(status: str, now, erased_at=None) -> bool:
        return erasure_due(status, erased_at, closes, None, now, retention, places_to_offer=False)

    assert due("rejected", closes + keep)
    assert not due("rejected", closes + keep - timedelta(seconds=1))
    assert not due("selected", closes + keep * 20)
    assert not due("rejected", closes + keep * 2, erased_at=closes)


def test_demo_call_opens_today_in_brussels():
    call = demo_call(datetime(2026, 11, 24).date(), 60)
    assert call.opens_at.isoformat() == "2026-11-24T00:00:00+01:00" and call.quota == 11
    assert call.closes_at.isoformat() == "2027-01-23T23:59:00+01:00"


def test_consortium_from_the_programme_text():
    cities = consortium_cities(OPENS)
    assert [(c.name, c.role) for c in cities][:1] == [("Efus – European Forum for Urban Security", "coordinator")]
    assert {c.name for c in cities if c.role == "partner"} == {"ANCI Piemonte", "Liège", "Madrid", "Nice", "Turin"}
    assert len({c.id for c in consortium_cities(OPENS)} | {c.id for c in cities}) == len(CONSORTIUM)  # stable ids
    for city in cities:
        messages.city_signed_up(city)  # every member makes a valid CitySignedUp
