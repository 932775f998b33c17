"""Registration rules without I/O: form validation, the call window, the event produced."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.registration.domain import ApplicationForm, Call, CallClosed, submit_application
from services.registration.seed import SLUG, demo_call

OPENS = datetime(2026, 11, 1, tzinfo=UTC)
CALL = Call("c", {"en": "The call", "fr": "L'appel"}, {"en": "d"}, OPENS, OPENS + timedelta(days=30))
FORM = dict(
    city="Vilnius", country="lt", contact_name="Rūta", contact_email="ruta@vilnius.lt", language="LT", motivation="m"
)


def submit(now, form=FORM):
    return submit_application(
        CALL, ApplicationForm(**form), now=now, application_id=uuid4(), event_id=uuid4(), correlation_id="c1"
    )


def test_codes_are_normalised():
    form = ApplicationForm(**FORM)
    assert (form.country, form.language) == ("LT", "lt")


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
    ],
)
def test_invalid_fields_are_named(field, value):
    with pytest.raises(ValidationError) as caught:
        ApplicationForm(**FORM | {field: value})
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        ApplicationForm(**FORM | {"admin": True})


def test_submission_inside_the_window_produces_one_event():
    now = OPENS + timedelta(days=1)
    submission = submit(now)
    [event] = submission.events
    assert event.type == "ApplicationSubmitted" and event.key == str(submission.application.id)
    assert event.payload.call_title == "The call"  # no Lithuanian title: English
    assert event.payload.closes_at == CALL.closes_at and event.correlation_id == "c1"
    assert submission.application.status == "submitted"


def test_call_title_in_the_applicant_language():
    event = submit(OPENS, FORM | {"language": "fr"}).events[0]
    assert event.payload.call_title == "L'appel"


@pytest.mark.parametrize("now", [OPENS - timedelta(seconds=1), OPENS + timedelta(days=30)])
def test_outside_the_window_is_refused_with_the_date(now):
    with pytest.raises(CallClosed) as caught:
        submit(now)
    assert "(Europe/Brussels)" in str(caught.value)


def test_demo_call_opens_today_in_brussels():
    call = demo_call(datetime(2026, 11, 24).date(), 60)
    assert call.slug == SLUG == "pactesur-2-associated-cities" and call.quota == 11
    assert call.opens_at.isoformat() == "2026-11-24T00:00:00+01:00"
    assert call.closes_at.isoformat() == "2027-01-23T23:59:00+01:00"
