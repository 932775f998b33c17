"""Pure scheduling rules: places (capacity, quotas, fair promotion), conflicts across timezones,
reminder plans, ICS text. Hypothesis explores sequences of nominations, cancellations and changes."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scheduling.domain import messages
from services.scheduling.domain.activities import Activity, RuleBroken, as_utc, check_limits, check_session
from services.scheduling.domain.conflicts import Interval, first_overlap, overlaps
from services.scheduling.domain.links import DECLINE_PURPOSE, Links
from services.scheduling.domain.nominations import Nomination
from services.scheduling.domain.places import FREED_REASONS, Limits, Seat, decide, promotions, waitlist_order
from services.scheduling.domain.reminders import plan_reminders
from shared.calendar import CalendarEvent, Person, calendar, fold
from shared.security import signing
from shared.settings import Settings

T0 = datetime(2025, 5, 1, tzinfo=UTC)
CITIES = [uuid.UUID(int=i) for i in range(1, 6)]


def seat(n: int, city: int, status: str = "waitlisted", minute: int = 0) -> Seat:
    return Seat(uuid.UUID(int=1000 + n), CITIES[city], status, T0 + timedelta(minutes=minute))


def test_confirms_while_places_and_quota_allow_then_waitlists_with_the_reason():
    limits = Limits(capacity=3, city_quota=2)
    assert decide(limits, [], CITIES[0]).reason == "place_available"
    two = [seat(1, 0, "confirmed"), seat(2, 0, "confirmed")]
    quota = decide(limits, two, CITIES[0])
    assert (quota.reason, quota.waitlist_position, quota.places.city_confirmed) == ("city_quota_full", 1, 2)
    assert decide(limits, two, CITIES[1]).reason == "place_available"
    full = decide(limits, [*two, seat(3, 1, "confirmed")], CITIES[2])
    assert full.reason == "capacity_full" and "waitlist" in full.message


def test_a_freed_place_goes_to_the_city_with_fewest_confirmed_not_the_first_in_line():
    limits = Limits(capacity=4, city_quota=3)
    seats = [
        seat(1, 0, "confirmed"),
        seat(2, 0, "confirmed"),
        seat(3, 1, "confirmed"),
        seat(4, 0, minute=1),  # waiting longest, but city 0 already has 2
        seat(5, 2, minute=5),  # city 2 has nobody yet
    ]
    offers = promotions(limits, seats, "capacity_raised")
    assert [o.nomination_id for o in offers] == [seat(5, 2).nomination_id]
    assert offers[0].explanation.reason == "capacity_raised"
    assert "fewest" in offers[0].explanation.message


def test_between_equal_cities_the_longest_waiting_goes_first_and_ineligible_people_are_skipped():
    limits = Limits(capacity=1, city_quota=1)
    seats = [seat(1, 0, minute=9), seat(2, 1, minute=3), seat(3, 2, minute=1)]
    assert [o.nomination_id for o in promotions(limits, seats, "nomination_cancelled")] == [seats[2].nomination_id]
    skipped = promotions(limits, seats, "nomination_cancelled", ineligible=frozenset({seats[2].nomination_id}))
    assert [o.nomination_id for o in skipped] == [seats[1].nomination_id]
    assert [s.nomination_id for s in waitlist_order(seats)] == [s.nomination_id for s in reversed(seats)]


operations = st.lists(
    st.one_of(
        st.tuples(st.just("nominate"), st.integers(0, len(CITIES) - 1)),
        st.tuples(st.just("cancel"), st.integers(0, 50)),
        st.tuples(st.just("capacity"), st.integers(1, 8)),
        st.tuples(st.just("quota"), st.integers(1, 4)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.integers(1, 6), st.integers(1, 3), operations)
def test_places_never_exceed_capacity_or_quota_and_no_place_stays_free_while_someone_eligible_waits(
    capacity, quota, ops
):
    limits, seats, minute = Limits(capacity, min(quota, capacity)), [], 0
    for op, arg in ops:
        minute += 1
        freed = None
        if op == "nominate":
            decision = decide(limits, seats, CITIES[arg])
            status = "confirmed" if decision.reason == "place_available" else "waitlisted"
            seats.append(Seat(uuid.uuid4(), CITIES[arg], status, T0 + timedelta(minutes=minute)))
        elif op == "cancel":
            active = [s for s in seats if s.status in ("confirmed", "waitlisted")]
            if active:
                gone = active[arg % len(active)]
                seats = [
                    s if s is not gone else Seat(s.nomination_id, s.city_id, "cancelled", s.waiting_since)
                    for s in seats
                ]
                freed = "nomination_cancelled" if gone.status == "confirmed" else None
        else:
            confirmed = Counter(s.city_id for s in seats if s.status == "confirmed")
            new = Limits(arg, limits.city_quota) if op == "capacity" else Limits(limits.capacity, arg)
            try:
                check_limits(new.capacity, new.city_quota, sum(confirmed.values()), max(confirmed.values(), default=0))
            except RuleBroken:
                continue
            if new.city_quota > new.capacity:
                continue
            freed = "capacity_raised" if new.capacity > limits.capacity else "quota_raised"
            limits = new
        if freed:
            promoted = {o.nomination_id for o in promotions(limits, seats, freed)}
            seats = [
                Seat(s.nomination_id, s.city_id, "confirmed", s.waiting_since) if s.nomination_id in promoted else s
                for s in seats
            ]
        confirmed = Counter(s.city_id for s in seats if s.status == "confirmed")
        assert sum(confirmed.values()) <= limits.capacity
        assert all(n <= limits.city_quota for n in confirmed.values())
        waiting_eligible = [s for s in seats if s.status == "waitlisted" and confirmed[s.city_id] < limits.city_quota]
        assert not (waiting_eligible and sum(confirmed.values()) < limits.capacity), "a free place stayed empty"


def test_promotion_reasons_are_contract_values():
    for reason in FREED_REASONS:
        assert promotions(Limits(1, 1), [seat(1, 0)], reason)[0].explanation.reason == reason


ZONES = ["Europe/Lisbon", "Europe/Riga", "Europe/Paris", "Europe/Athens", "Atlantic/Azores", "Europe/Helsinki"]
local = st.tuples(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2025, 12, 31)),
    st.integers(30, 60 * 24 * 4),
    st.sampled_from(ZONES),
)


def interval(value) -> Interval:
    start, minutes, zone = value
    starts = as_utc(start, zone)
    return Interval(uuid.uuid4(), starts, starts + timedelta(minutes=minutes))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(local, max_size=12))
def test_nobody_is_confirmed_in_two_overlapping_activities_whatever_the_timezones(wanted):
    accepted: list[Interval] = []
    for candidate in map(interval, wanted):
        if first_overlap(candidate, accepted) is None:
            accepted.append(candidate)
    for i, a in enumerate(accepted):
        for b in accepted[i + 1 :]:
            assert a.ends_at <= b.starts_at or b.ends_at <= a.starts_at


def test_same_wall_clock_hours_in_lisbon_and_riga_overlap_by_one_hour_only_when_shifted():
    lisbon = Interval(
        uuid.uuid4(),
        as_utc(datetime(2025, 5, 5, 9), "Europe/Lisbon"),
        as_utc(datetime(2025, 5, 5, 12), "Europe/Lisbon"),
    )
    riga = Interval(
        uuid.uuid4(), as_utc(datetime(2025, 5, 5, 12), "Europe/Riga"), as_utc(datetime(2025, 5, 5, 15), "Europe/Riga")
    )
    assert riga.starts_at.hour == 9 and lisbon.starts_at.hour == 8  # 12:00 Riga = 09:00 UTC, inside Lisbon's morning
    assert overlaps(lisbon, riga)
    later = Interval(
        uuid.uuid4(), as_utc(datetime(2025, 5, 5, 14), "Europe/Riga"), as_utc(datetime(2025, 5, 5, 16), "Europe/Riga")
    )
    assert not overlaps(lisbon, later)  # back to back: 11:00 UTC both


def test_sessions_must_lie_within_the_activity():
    starts, ends = T0, T0 + timedelta(days=2)
    check_session(starts, starts + timedelta(hours=2), starts, ends)
    with pytest.raises(RuleBroken) as outside:
        check_session(ends - timedelta(hours=1), ends + timedelta(hours=1), starts, ends)
    assert outside.value.field == "starts_at"


def test_reminders_are_planned_before_the_start_and_never_in_the_past():
    start = datetime(2025, 5, 20, 7, tzinfo=UTC)
    plan = plan_reminders(start, [2, 14, 14], now=datetime(2025, 5, 1, tzinfo=UTC))
    assert [(r.days_before, r.due_at) for r in plan] == [
        (14, start - timedelta(days=14)),
        (2, start - timedelta(days=2)),
    ]
    assert [r.days_before for r in plan_reminders(start, [14, 2], now=datetime(2025, 5, 10, tzinfo=UTC))] == [2]


def test_links_go_to_scheduling_when_the_public_url_is_registrations_own_port():
    def urls(**values):
        found = Settings(
            database_url="postgresql://x/y", kafka_bootstrap_servers="k:9092", secret_key="k" * 16, **values
        )
        return [found.public_url_of(name) for name in ("registration", "scheduling", "notifications")]

    local = ["http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"]
    assert urls(public_base_url="http://127.0.0.1:8001/") == local
    assert urls(public_base_url="https://pactesur.efus.eu") == ["https://pactesur.efus.eu"] * 3
    chosen = urls(public_base_url="https://pactesur.efus.eu", notifications_public_url="https://mail.efus.eu/")
    assert chosen == ["https://pactesur.efus.eu", "https://pactesur.efus.eu", "https://mail.efus.eu"]


@settings(database=None)
@given(st.text(min_size=1, max_size=300))
def test_ics_lines_are_folded_at_75_octets_and_unfold_to_the_original(text):
    line = "SUMMARY:" + text.replace("\r", "").replace("\n", "")
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_calendar_is_valid_icalendar_in_utc():
    start = as_utc(datetime(2025, 5, 5, 9), "Europe/Rome")
    text = calendar(
        [CalendarEvent("uid-1@x", 3, start, start + timedelta(hours=8), "Académie, Torino; giorno 1", "Via Roma 1",
                       organiser=Person("Efus", "pactesur@efus.eu"), attendee=Person("Anna", "anna@riga.lv"))],
        stamp=T0,
        method="REQUEST",
    )  # fmt: skip
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["UID"]) == "uid-1@x" and int(event["SEQUENCE"]) == 3
    assert event["DTSTART"].dt == start.astimezone(ZoneInfo("UTC"))
    assert str(event["SUMMARY"]) == "Académie, Torino; giorno 1"
    assert "METHOD:REQUEST\r\n" in text


def _rows(status: str = "confirmed", activity_status: str = "planned", activity_revision: int = 1, revision: int = 1):
    activity = Activity(
        id=uuid.UUID(int=7),
        kind="police_academy",
        titles={"en": "Police Academy", "lv": "Policijas akadēmija"},
        status=activity_status,
        tentative_note=None,
        host_city="Riga",
        country="LV",
        venue_name="City Hall",
        venue_address="Rātslaukums 1",
        timezone="Europe/Riga",
        starts_at=T0 + timedelta(days=30),
        ends_at=T0 + timedelta(days=32),
        working_languages=("en",),
        interpretation=(),
        capacity=10,
        city_quota=2,
        nomination_deadline=T0 + timedelta(days=20),
        reminder_days=(14, 2),
        revision=activity_revision,
        updated_at=T0,
    )
    nomination = Nomination(
        id=uuid.UUID(int=8),
        activity_id=activity.id,
        person_id=uuid.UUID(int=9),
        name="Anna",
        email="anna@riga.lv",
        language="lv",
        timezone="Europe/Riga",
        rank=None,
        accessibility_needs=None,
        city_id=CITIES[0],
        city_name="Riga",
        city_country="LV",
        status=status,
        waiting_since=T0,
        revision=revision,
        nominated_by="Riga (focal point)",
        attended=None,
        attendance_by=None,
        updated_at=T0,
    )
    return activity, nomination  # fmt: skip


def test_invitations_keep_their_uid_raise_their_sequence_and_carry_a_working_decline_link():
    links = Links("https://pactesur.example.eu", b"k" * 32)
    activity, nomination = _rows()
    first = messages.invitation(activity, nomination, links)
    assert first.activity_title == "Policijas akadēmija" and first.ics_method == "REQUEST"
    token = first.decline_url.split("token=")[1]
    assert signing.verify(links.secret, DECLINE_PURPOSE, token, now=T0) == {"n": str(nomination.id)}
    with pytest.raises(signing.InvalidToken):
        signing.verify(links.secret, DECLINE_PURPOSE, token, now=activity.starts_at)
    moved, _ = _rows(activity_revision=2)
    second = messages.invitation(moved, nomination, links)
    assert second.ics_uid == first.ics_uid and second.ics_sequence > first.ics_sequence
    cancelled, _ = _rows(activity_status="cancelled", activity_revision=3)
    last = messages.invitation(cancelled, nomination, links)
    assert (last.ics_method, last.decline_url) == ("CANCEL", None) and last.ics_sequence > second.ics_sequence
