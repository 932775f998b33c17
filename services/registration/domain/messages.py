"""The event payloads registration publishes, built from domain objects (pure).

Links are made by the caller (they need the signing key and the public base URL) and passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from services.registration.domain.applications import Application, InformationRequest
from services.registration.domain.calls import Call
from services.registration.domain.cities import City, CityContact
from services.registration.domain.review import Status
from services.registration.domain.sign_in import SignInLink
from services.registration.domain.staff import StaffAccount
from shared import contracts
from shared.contracts import Contact


def recipient(application: Application) -> Contact:
    form = application.form
    return Contact(
        person_id=application.contact_person_id,
        name=form.contact_name,
        email=form.contact_email,
        language=form.language,
        timezone=form.timezone,
        role=form.contact_role,
    )


def _about(application: Application, call: Call) -> dict:
    """The fields every application event repeats (see shared.contracts.registration._ApplicationEvent)."""
    return dict(
        application_id=application.id,
        call_id=call.slug,
        call_titles=call.title,
        call_title=call.title_in(application.form.language),
        call_timezone=call.timezone,
        city=application.form.city,
        country=application.form.country,
        recipient=recipient(application),
    )


def submitted(application: Application, call: Call, edit_url: str) -> contracts.ApplicationSubmitted:
    form = application.form
    return contracts.ApplicationSubmitted(
        application_id=application.id,
        call_id=call.slug,
        call_title=call.title_in(form.language),
        city=form.city,
        country=form.country,
        contact_name=form.contact_name,
        contact_email=form.contact_email,
        language=form.language,
        motivation=form.motivation,
        submitted_at=application.submitted_at,
        closes_at=call.closes_at,
        timezone=form.timezone,
        call_titles=call.title,
        call_timezone=call.timezone,
        region=form.region,
        population=form.population,
        contact_person_id=application.contact_person_id,
        contact_role=form.contact_role,
        edit_url=edit_url,
    )


def updated(
    application: Application, call: Call, changed: tuple[str, ...], edit_url: str, until: datetime, answered: bool
) -> contracts.ApplicationUpdated:
    return contracts.ApplicationUpdated(
        **_about(application, call),
        updated_at=application.updated_at,
        changed_fields=changed,
        edit_url=edit_url,
        editable_until=until,
        answers_more_information_request=answered,
    )


def withdrawn(application: Application, call: Call, was_selected: bool) -> contracts.ApplicationWithdrawn:
    return contracts.ApplicationWithdrawn(
        **_about(application, call), withdrawn_at=application.withdrawn_at, was_selected=was_selected
    )


def edit_link(application: Application, call: Call, now: datetime, edit_url: str, until: datetime):
    return contracts.EditLinkRequested(
        **_about(application, call), requested_at=now, edit_url=edit_url, editable_until=until
    )


def more_information(
    application: Application, call: Call, message: str, by: str, now: datetime, edit_url: str
) -> contracts.MoreInformationRequested:
    return contracts.MoreInformationRequested(
        **_about(application, call),
        message=message,
        requested_by=by,
        requested_at=now,
        respond_by=application.more_info_until,
        edit_url=edit_url,
    )


def moved(
    application: Application, call: Call, before: Status, by: str, now: datetime, reason: str | None
) -> contracts.ApplicationMoved:
    return contracts.ApplicationMoved(
        **_about(application, call), moved_from=before.value, moved_to=application.status.value, moved_by=by,
        moved_at=now, reason=reason,
    )  # fmt: skip


def staged(
    application: Application, call: Call, by: str, now: datetime, reason: str | None
) -> contracts.DecisionStaged:
    decision = application.staged_decision.value if application.staged_decision else None
    return contracts.DecisionStaged(
        **_about(application, call), decision=decision, staged_by=by, staged_at=now, reason=reason
    )


def information_provided(
    application: Application, call: Call, request: InformationRequest
) -> contracts.MoreInformationProvided:
    return contracts.MoreInformationProvided(
        **_about(application, call),
        question=request.question,
        answer=request.answer,
        asked_at=request.asked_at,
        answered_at=request.answered_at,
    )


def reviewed(
    application: Application, call: Call, reviewer: str, now: datetime, own: float, average: float, count: int
) -> contracts.ApplicationReviewed:
    return contracts.ApplicationReviewed(
        **_about(application, call),
        reviewer=reviewer,
        reviewed_at=now,
        reviewer_score=own,
        average_score=average,
        review_count=count,
    )


def decision(
    application: Application,
    call: Call,
    now: datetime,
    city_id: UUID | None = None,
    signup_url: str | None = None,
    signup_expires_at: datetime | None = None,
) -> contracts.DecisionReleased:
    return contracts.DecisionReleased(
        **_about(application, call),
        decision=application.status.value,
        released_at=now,
        waitlist_position=application.waitlist_position,
        city_id=city_id,
        signup_url=signup_url,
        signup_expires_at=signup_expires_at,
    )


def place_offered(
    application: Application, call: Call, now: datetime, replaces: str, city_id: UUID, url: str, expires: datetime
) -> contracts.PlaceOffered:
    return contracts.PlaceOffered(
        **_about(application, call),
        offered_at=now,
        replaces_city=replaces,
        city_id=city_id,
        signup_url=url,
        signup_expires_at=expires,
    )


def call_opened(call: Call, form_url: str) -> contracts.CallOpened:
    return contracts.CallOpened(
        call_id=call.slug,
        call_titles=call.title,
        call_descriptions=call.description or {"en": call.title["en"]},
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        call_timezone=call.timezone,
        quota=call.quota,
        form_url=form_url,
    )


def call_closed(call: Call, applications: int) -> contracts.CallClosed:
    return contracts.CallClosed(
        call_id=call.slug,
        call_titles=call.title,
        closed_at=call.closes_at,
        call_timezone=call.timezone,
        applications=applications,
    )


def _contact(c: CityContact) -> Contact:
    return Contact(
        person_id=c.person_id, name=c.name, email=c.email, language=c.language, timezone=c.timezone, role=c.role
    )


def _city(city: City) -> dict:
    deputy = city.contact("deputy")
    return dict(
        city_id=city.id,
        name=city.name,
        country=city.country,
        region=city.region,
        role=city.role,
        languages=city.languages,
        timezone=city.timezone,
        focal_point=_contact(city.contact("focal_point")),
        deputy=_contact(deputy) if deputy else None,
        other_contacts=tuple(_contact(c) for c in city.others()),
    )


def signup_reminder(city: City, signup_url: str, now: datetime) -> contracts.CitySignUpReminder:
    return contracts.CitySignUpReminder(
        **_city(city), signup_url=signup_url, signup_due_at=city.signup_due_at, reminded_at=now
    )


def signup_overdue(city: City, now: datetime) -> contracts.CitySignUpOverdue:
    return contracts.CitySignUpOverdue(
        **_city(city), signup_due_at=city.signup_due_at, application_id=city.application_id, noticed_at=now
    )


def city_signed_up(city: City) -> contracts.CitySignedUp:
    return contracts.CitySignedUp(
        **_city(city),
        signed_up_at=city.signed_up_at,
        terms_version=city.terms_version,
        application_id=city.application_id,
    )


def contacts_changed(city: City, removed: tuple[CityContact, ...], by: str, now: datetime) -> contracts.ContactChanged:
    return contracts.ContactChanged(
        **_city(city), changed_at=now, changed_by=by, removed=tuple(_contact(c) for c in removed)
    )


def sessions_ended(
    person_id: UUID, session_ids: Sequence[UUID], now: datetime, reason: str, *, all_before_now: bool
) -> contracts.SessionsEnded:
    """`all_before_now`: every session of the person that began before now is ended too (deactivation,
    role change). A session cookie tells its start to the second only, so that moment is rounded down:
    a session opened earlier in the same second is named by its id (shared.security.revocation)."""
    ended_before = now.replace(microsecond=0) if all_before_now else None
    return contracts.SessionsEnded(
        person_id=person_id, session_ids=tuple(session_ids), ended_before=ended_before, ended_at=now, reason=reason
    )


def person_erased(
    person_id: UUID, email: str, now: datetime, reason: str, names: tuple[str, ...] = ()
) -> contracts.PersonErased:
    known = tuple(dict.fromkeys(name for name in names if name))
    return contracts.PersonErased(person_id=person_id, email=email, names=known, erased_at=now, reason=reason)


def staff_person(account: StaffAccount) -> Contact:
    return Contact(
        person_id=account.id, name=account.name, email=account.email, language=account.language,
        timezone=account.timezone,
    )  # fmt: skip


def sign_in_link(
    person: Contact, link: SignInLink, url: str, invited_by: str | None, city: City | None = None
) -> contracts.SignInLinkRequested:
    """`person`: staff_person(account), or a city's focal point or deputy (`city` then names their city)."""
    return contracts.SignInLinkRequested(
        recipient=person,
        person_kind=link.person_kind,
        link=url,
        expires_at=link.expires_at,
        requested_at=link.created_at,
        invited_by=invited_by,
        city=city.name if city is not None else None,
    )


def city_person(contact: CityContact) -> Contact:
    return _contact(contact)
