"""Words, dates and numbers of scheduling's staff pages, in the viewer's language and timezone.

The pages speak English and French (shared.web.pages) from their own gettext domain `staff`
(`locales/staff.pot`, `locales/fr/LC_MESSAGES/staff.po`, extracted with `staff-babel.cfg`). Each label
of an activity kind, activity state, nomination status, waitlist reason and form field problem is
defined once here; templates call `StaffTexts` for them.

Refresh the template from services/scheduling/ after changing a staff page:

    pybabel extract -F staff-babel.cfg -k N_ -k t -o locales/staff.pot --no-location --sort-output .
    pybabel update -D staff -i locales/staff.pot -d locales -l fr -N
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel import Locale

from services.scheduling.domain.activities import Activity
from services.scheduling.web.activity_dates import TO_BE_CONFIRMED
from shared.i18n import months_between
from shared.web.pages.rendering import Pages
from shared.web.pages.texts import N_, PageTexts

LOCALES = Path(__file__).resolve().parents[1] / "locales"

KINDS = {
    "police_academy": N_("Police academy"),
    "police_exchange": N_("Police exchange"),
    "public_private_workshop": N_("Public-private workshop"),
    "annual_meeting": N_("Annual meeting"),
    "kickoff": N_("Kick-off meeting"),
    "final_event": N_("Final event"),
}
STATES = {
    "tentative": N_("Tentative"),
    "planned": N_("Planned"),
    "confirmed": N_("Dates confirmed"),
    "done": N_("Done"),
    "cancelled": N_("Cancelled"),
}
"""An activity's state."""
EDITABLE_STATES = ("tentative", "planned", "confirmed", "done")
"""The states staff may give an activity in its form (cancelling has its own button)."""
NOMINATION_STATUSES = {
    "confirmed": N_("Confirmed"),
    "waitlisted": N_("Waitlisted"),
    "cancelled": N_("Cancelled"),
    "declined": N_("Declined by the participant"),
}
GROUPS = {
    "confirmed": N_("Confirmed"),
    "waitlisted": N_("Waitlisted"),
    "withdrawn": N_("Cancelled or declined"),
    "attended": N_("Attended"),
}
"""The groups of an activity's nominations (domain.nominations.Listed.group), in the page's order."""
WAITING_REASONS = {
    "capacity_full": N_("All places are taken"),
    "city_quota_full": N_("The city's quota is reached"),
    "overlapping": N_("Confirmed in an overlapping activity"),
}
FIELD_PROBLEMS = {
    "kind": N_("Choose a kind of activity."),
    "title_en": N_("Give the English title (up to 200 characters)."),
    "status": N_("Choose a state."),
    "tentative_note": N_("Up to 5,000 characters."),
    "host_city": N_("Give the host city (up to 200 characters)."),
    "country": N_("Give the country as two capital letters, e.g. LV."),
    "venue_name": N_("Give the venue (up to 200 characters)."),
    "venue_address": N_("Give the venue's address (up to 5,000 characters)."),
    "timezone": N_("Give the venue's timezone, e.g. Europe/Riga."),
    "starts_at": N_("Give a date and time."),
    "ends_at": N_("Give a date and time."),
    "nomination_deadline": N_("Give a date and time."),
    "working_languages": N_("Give EU language codes separated by commas, e.g. en, lv."),
    "interpretation": N_("Give EU language codes separated by commas, e.g. en, lv."),
    "capacity": N_("Give a whole number from 1 to 10,000."),
    "city_quota": N_("Give a whole number from 1 to 10,000."),
    "reminder_days": N_("Give whole numbers of days separated by commas, e.g. 14, 2."),
    "room": N_("Give the room (up to 200 characters)."),
    "speaker": N_("Up to 200 characters."),
    "reason": N_("Say why (up to 5,000 characters)."),
}
"""What a form field wants, shown next to it when its value was refused."""
RULES = (
    N_("The activity must end after it starts."),
    N_("The nomination deadline must be before the activity starts."),
    N_("The per-city quota cannot exceed the capacity."),
    N_("The session must end after it starts."),
    N_("The session must lie within the activity's dates."),
    N_("Sessions of the timetable would fall outside the new dates: move them first."),
    N_("Reminder days must be between 0 and 365."),
    N_("Attendance can be recorded once the activity has started."),
)
"""The fixed messages of domain.activities and domain.nominations, for the catalogue: a broken rule's
message is shown translated when it is one of these, else as the domain wrote it."""


class StaffTexts(PageTexts):
    """The console's texts (shared.web.pages.texts) plus scheduling's own labels."""

    def kind(self, kind: str) -> str:
        return self(KINDS[kind]) if kind in KINDS else kind

    def state(self, state: str) -> str:
        return self(STATES[state]) if state in STATES else state

    def nomination_status(self, status: str) -> str:
        return self(NOMINATION_STATUSES[status]) if status in NOMINATION_STATUSES else status

    def group(self, group: str) -> str:
        return self(GROUPS[group])

    def waiting_reason(self, reason: str | None) -> str:
        return self(WAITING_REASONS[reason]) if reason in WAITING_REASONS else "—"

    def problem(self, field: str) -> str:
        return self(FIELD_PROBLEMS.get(field, N_("Check this value.")))

    def rule(self, message: str) -> str:
        """A broken rule's message, translated when the catalogue has it."""
        return self(message)

    def title(self, activity: Activity) -> str:
        return activity.title_in(self.language)

    def language_name(self, code: str) -> str:
        return Locale.parse(self.locale).languages.get(code, code)

    def languages(self, codes: tuple[str, ...]) -> str:
        return ", ".join(self.language_name(code) for code in codes) or "—"

    def country(self, code: str) -> str:
        return Locale.parse(self.locale).territories.get(code, code)

    def dates(self, activity: Activity) -> str:
        """The activity's span, or, while its dates are to be confirmed, the months it may fall in."""
        if activity.dates_to_be_confirmed:
            period = months_between(activity.starts_at, activity.ends_at, activity.timezone, self.locale)
            return self(TO_BE_CONFIRMED, period=period)
        return self.span(activity.starts_at, activity.ends_at)

    def span(self, starts_at: datetime, ends_at: datetime) -> str:
        """'3 March 2027, 09:00 – 5 March 2027, 17:00', or the day once with both times."""
        if self.day(starts_at) == self.day(ends_at):
            return f"{self.when(starts_at)}–{self.time(ends_at)}"
        return f"{self.when(starts_at)} – {self.when(ends_at)}"


PAGES = Pages(Path(__file__).parent / "templates" / "staff", LOCALES, "staff", StaffTexts)
"""Scheduling's staff pages on the shared layout."""
