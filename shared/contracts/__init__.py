"""Event contracts: every payload that crosses a service boundary, with its schema version.

Changing a payload's fields changes its JSON schema; tests/test_contracts.py compares every schema
with its snapshot, so a change without a VERSION bump fails. Old versions stay registered while
any consumer may still read them, and `UPCASTS` turns an old version into the next one, so that
`shared.events.parse_event()` always hands handlers the latest version of a contract.

`common` holds the field types and `Contact`, `registration` and `scheduling` the payloads each
service publishes; everything is imported from here (`from shared.contracts import ...`).
"""

from __future__ import annotations

from collections.abc import Callable

from shared.contracts.common import (
    EU_LANGUAGES,
    CityRole,
    Contact,
    CountryCode,
    Decision,
    EuLanguage,
    FrozenModel,
    LanguageCode,
    Name,
    PersonDetails,
    Text,
    TimeZone,
    Titles,
    Url,
    person_id_for_email,
    title_in,
)
from shared.contracts.registration import (
    ApplicationReviewed,
    ApplicationSubmitted,
    ApplicationSubmittedV1,
    ApplicationUpdated,
    ApplicationWithdrawn,
    CallClosed,
    CallOpened,
    CitySignedUp,
    ContactChanged,
    DecisionReleased,
    EditLinkRequested,
    MoreInformationRequested,
    PersonErased,
    PlaceOffered,
    application_submitted_v1_to_v2,
)
from shared.contracts.scheduling import (
    Activity,
    ActivityCancelled,
    ActivityKind,
    ActivityRescheduled,
    ActivityScheduled,
    ActivityStatus,
    AttendanceRecorded,
    Explanation,
    Invitation,
    NominationCancelled,
    NominationConfirmed,
    NominationDeclined,
    NominationPromoted,
    NominationStatus,
    NominationWaitlisted,
    Organiser,
    Participant,
    ParticipantNominated,
    PlaceReason,
    Places,
    ReminderDue,
    Session,
    SessionChanged,
    Venue,
)
from shared.events import Payload

__all__ = [
    "CONTRACTS",
    "EU_LANGUAGES",
    "UPCASTS",
    "Activity",
    "ActivityCancelled",
    "ActivityKind",
    "ActivityRescheduled",
    "ActivityScheduled",
    "ActivityStatus",
    "ApplicationReviewed",
    "ApplicationSubmitted",
    "ApplicationSubmittedV1",
    "ApplicationUpdated",
    "ApplicationWithdrawn",
    "AttendanceRecorded",
    "CallClosed",
    "CallOpened",
    "CityRole",
    "CitySignedUp",
    "Contact",
    "ContactChanged",
    "CountryCode",
    "Decision",
    "DecisionReleased",
    "EditLinkRequested",
    "EuLanguage",
    "Explanation",
    "FrozenModel",
    "Invitation",
    "LanguageCode",
    "MoreInformationRequested",
    "Name",
    "NominationCancelled",
    "NominationConfirmed",
    "NominationDeclined",
    "NominationPromoted",
    "NominationStatus",
    "NominationWaitlisted",
    "Organiser",
    "Participant",
    "PersonDetails",
    "ParticipantNominated",
    "PersonErased",
    "PlaceOffered",
    "PlaceReason",
    "Places",
    "ReminderDue",
    "Session",
    "SessionChanged",
    "Text",
    "TimeZone",
    "Titles",
    "Url",
    "Venue",
    "person_id_for_email",
    "title_in",
]

UPCASTS: dict[tuple[str, int], Callable[[Payload], Payload]] = {
    ("ApplicationSubmitted", 1): application_submitted_v1_to_v2,
}
"""(type, old version) -> a function making the next version's payload from the old one."""

CONTRACTS: dict[tuple[str, int], type[Payload]] = {
    (c.TYPE, c.VERSION): c
    for c in (
        CallOpened,
        CallClosed,
        ApplicationSubmittedV1,
        ApplicationSubmitted,
        ApplicationUpdated,
        ApplicationWithdrawn,
        EditLinkRequested,
        MoreInformationRequested,
        ApplicationReviewed,
        DecisionReleased,
        PlaceOffered,
        CitySignedUp,
        ContactChanged,
        PersonErased,
        ActivityScheduled,
        ActivityRescheduled,
        ActivityCancelled,
        SessionChanged,
        ParticipantNominated,
        NominationConfirmed,
        NominationWaitlisted,
        NominationPromoted,
        NominationCancelled,
        NominationDeclined,
        ReminderDue,
        AttendanceRecorded,
    )
}
