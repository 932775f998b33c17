"""Words, dates and numbers of the staff pages, in the viewer's language and timezone.

The staff pages speak English and French (shared.web.pages), from their own gettext domain (`locales/staff.pot`,
`locales/fr/LC_MESSAGES/staff.po`, extracted with `staff-babel.cfg`): the applicant's catalogue
(`messages`) must be complete in every form language, and staff texts need not be. Each label of a
status, audit action or role is defined once here; templates call `StaffTexts` for them.

Refresh the template from services/registration/ after changing a staff page:

    pybabel extract -F staff-babel.cfg -k N_ -k t -o locales/staff.pot --no-location --sort-output .
    pybabel update -D staff -i locales/staff.pot -d locales -l fr -N
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from babel.dates import get_timezone_location

from services.registration.domain.calls import Call
from services.registration.domain.fields import N_, LabelledAnswer, Section
from services.registration.domain.review import Status
from services.registration.web.texts import LOCALES, Texts
from shared.web.pages.rendering import Pages
from shared.web.pages.texts import PageTexts

STATUSES = {
    Status.SUBMITTED: N_("Submitted"),
    Status.UNDER_REVIEW: N_("Under review"),
    Status.MORE_INFO_REQUESTED: N_("More information requested"),
    Status.SHORTLISTED: N_("Shortlisted"),
    Status.SELECTED: N_("Selected"),
    Status.WAITLISTED: N_("Waitlisted"),
    Status.REJECTED: N_("Rejected"),
    Status.WITHDRAWN: N_("Withdrawn"),
}

SECTIONS = {
    Section.CITY: N_("City"),
    Section.CONTACT: N_("Official contact"),
    Section.APPLICATION: N_("Application"),
    Section.DATA_PROTECTION: N_("Data protection"),
}
"""The staff page's heading of each section of the form (the applicant's legends are in `messages`)."""

AUDIT_ACTIONS = {
    "application.submitted": N_("Application submitted"),
    "application.updated": N_("Application changed by the applicant"),
    "application.withdrawn": N_("Application withdrawn"),
    "application.link_resent": N_("Application link sent again"),
    "application.erased": N_("Personal data erased"),
    "person.erased": N_("Personal data erased"),
    "person.exported": N_("Personal data exported"),
    "review.moved": N_("Moved in the review"),
    "review.more_information_requested": N_("More information asked of the applicant"),
    "application.information_provided": N_("More information given by the applicant"),
    "review.scored": N_("Scored"),
    "decision.staged": N_("Decision staged"),
    "decision.released": N_("Decision released"),
    "decision.place_offered": N_("Place offered from the waitlist"),
    "call.created": N_("Call created"),
    "call.changed": N_("Call changed"),
    "city.signed_up": N_("City signed up"),
    "city.contacts_changed": N_("City contacts changed"),
    "staff.added": N_("Staff account added"),
    "staff.invited": N_("Staff member invited"),
    "staff.role_changed": N_("Staff role changed"),
    "staff.deactivated": N_("Staff account deactivated"),
    "sign_in": N_("Signed in"),
    "sign_out": N_("Signed out"),
    "sign_in.link_sent": N_("Sign-in link sent"),
    "sign_in.link_printed": N_("Sign-in link printed"),
    "sign_in.refused": N_("Sign-in refused"),
    "sign_in.throttled": N_("Sign-in link held back (too many requests)"),
}


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural message for extraction (pybabel's default keyword `ngettext` takes both forms);
    `StaffTexts.count` says it for a number through `PageTexts.plural`."""
    return singular, plural


APPLICATIONS = ngettext("%(count)s application", "%(count)s applications")
HIDDEN_REVIEWS = ngettext("%(count)s review hidden until you score.", "%(count)s reviews hidden until you score.")

ACCOUNT_STATES = {True: N_("Active"), False: N_("Deactivated")}

FIELD_ERRORS = {
    "required": N_("Required."),
    "too_long": N_("Too long."),
    "slug": N_("Lower-case letters, digits and hyphens, 3 to 80 characters, e.g. pactesur-2-cities."),
    "title": N_("An English title is required."),
    "moment": N_("Enter a date and time."),
    "closes_at": N_("The call must close after it opens."),
    "timezone": N_("Choose a timezone from the list."),
    "quota": N_("A whole number from 1 to 1000."),
    "criteria": N_("At least one criterion, each with its own key."),
    "key": N_("Lower-case letters, digits and underscores, starting with a letter (at most 40)."),
    "criterion_name": N_("Give the criterion a name."),
    "weight": N_("A number above 0 and at most 100, e.g. 2 or 1.5."),
    "email": N_("Enter an email address, e.g. name@efus.eu."),
    "choice": N_("Choose one of the list."),
    "exists": N_("A call with this short name exists already."),
    "account_exists": N_("This address already has an active account."),
}
"""What a form says beside a field it refuses, by kind of field (web/form_errors.py picks the kind)."""

REFUSALS = {
    "last_admin": N_("This is the last active administrator: make another administrator first."),
    "admin_only": N_("Only an administrator manages staff accounts."),
    "account_exists": FIELD_ERRORS["account_exists"],
    "unknown_role": FIELD_ERRORS["choice"],
    "unknown_language": FIELD_ERRORS["choice"],
    "unknown_timezone": FIELD_ERRORS["timezone"],
    "quota_below_taken": N_("More places are taken (selected or staged to be selected) than this quota."),
}
"""The domain's refusals (shared.refusals.Refused codes) in words; others are shown as the domain says."""


class StaffTexts(PageTexts):
    """The console's texts (shared.web.pages.texts) plus registration's own labels."""

    def status(self, status: Status) -> str:
        return self(STATUSES[status])

    def move_to(self, status: Status) -> str:
        return self(N_("Move to: %(status)s"), status=self.status(status))

    def section(self, section: Section) -> str:
        return self(SECTIONS[section])

    def action(self, action: str) -> str:
        """An audit action as a phrase; an action this page does not know yet is shown as recorded."""
        return self(AUDIT_ACTIONS[action]) if action in AUDIT_ACTIONS else action

    def label(self, answer: LabelledAnswer) -> str:
        """A field's label: the form's own msgid, from the applicant catalogue (one definition)."""
        return Texts(self.language)(answer.field.label)

    def answer(self, answer: LabelledAnswer) -> str:
        """An answer as written; a checkbox as yes/no, a country or language code by its name."""
        if answer.field.checkbox:
            return self.yes_no(answer.value)
        if not answer.given:
            return "—"
        names = {"countries": Locale.parse(self.locale).territories, "languages": Locale.parse(self.locale).languages}
        value = str(answer.value)
        return names[answer.field.choices].get(value, value) if answer.field.choices in names else value

    def count(self, phrase: tuple[str, str], count: int) -> str:
        """A plural phrase of this module (APPLICATIONS, HIDDEN_REVIEWS) for `count`."""
        return self.plural(*phrase, count)

    def applications(self, count: int) -> str:
        return self.count(APPLICATIONS, count)

    def hidden_reviews(self, count: int) -> str:
        return self.count(HIDDEN_REVIEWS, count)

    def account_state(self, active: bool) -> str:
        return self(ACCOUNT_STATES[bool(active)])

    def language_name(self, code: str) -> str:
        """A language by its name in the viewer's language ('fr' -> 'French' / 'français')."""
        return Locale.parse(self.locale).languages.get(code, code)

    def zone_name(self, zone: str) -> str:
        """A timezone by its city in the viewer's language, with its IANA name: 'Bruxelles (Europe/Brussels)'."""
        city = get_timezone_location(zone, self.locale, return_city=True)
        return zone if city == zone else f"{city} ({zone})"

    def field_error(self, kind: str) -> str:
        return self(FIELD_ERRORS[kind])

    def refusal(self, error: Exception) -> str:
        """A refusal in words: the domain's code if this page knows it, else its (English) message."""
        code = getattr(error, "code", None)
        return self(REFUSALS[code]) if code in REFUSALS else str(error)

    def title(self, call: Call) -> str:
        return call.title_in(self.language)

    def criteria_names(self, call: Call, keys: tuple[str, ...]) -> str:
        return ", ".join(self.criterion(call, key) for key in keys) or "—"

    def criterion(self, call: Call, key: str) -> str:
        """A criterion's name in the language (English, else its key, if the call has no such name)."""
        found = next((c for c in call.criteria if c.key == key), None)
        if found is None:
            return key
        return found.name.get(self.language) or found.name.get("en") or key


PAGES = Pages(Path(__file__).parent / "templates" / "staff", LOCALES, "staff", StaffTexts)
"""Registration's staff pages on the shared layout."""
