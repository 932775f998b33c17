"""Words, dates and numbers of notifications' staff pages (mail, my profile), in English and French.

The staff pages have their own gettext domain (`locales/staff.pot`, `locales/fr/LC_MESSAGES/staff.po`,
extracted with `staff-babel.cfg`), apart from the emails' catalogue (`messages`, 24 languages). Each
label of a delivery status, email template, explainer reason, replay action and digest choice is
defined once here; templates call `StaffTexts` for them.

Refresh the template from services/notifications/ after changing a staff page:

    pybabel extract -F staff-babel.cfg -k N_ -k t -o locales/staff.pot --no-location --sort-output .
    pybabel update -D staff -i locales/staff.pot -d locales -l fr -N
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale

from services.notifications.domain.dead_letters import ReplayAction
from services.notifications.domain.delivery import Status
from services.notifications.domain.explanation import Reason
from shared.web.pages.rendering import Pages
from shared.web.pages.texts import N_, PageTexts

LOCALES = Path(__file__).parents[1] / "locales"

STATUSES: dict[Status, str] = {
    "pending": N_("Waiting to be sent"),
    "sending": N_("Being sent"),
    "sent": N_("Sent"),
    "retrying": N_("Will be tried again"),
    "failed": N_("Not delivered"),
    "suppressed": N_("Not sent: the recipient unsubscribed"),
    "held": N_("Held for the daily digest"),
    "digested": N_("Sent in the daily digest"),
    "bounced": N_("Bounced: the address does not receive mail"),
    "coalesced": N_("Waiting to go listed with the other notices of its kind"),
}

TEMPLATES = {
    "activity_invitation": N_("Invitation to an activity"),
    "activity_reminder": N_("Reminder of an activity"),
    "application_received": N_("Application received"),
    "city_signed_up": N_("City signed up"),
    "decision_released": N_("Decision on an application"),
    "edit_link_requested": N_("Link to change an application"),
    "more_information_requested": N_("More information requested"),
    "city_signup_reminder": N_("Reminder to confirm a city's sign-up"),
    "nomination_declined": N_("Nomination declined"),
    "nomination_promoted_city": N_("Place confirmed from the waiting list (focal point)"),
    "nomination_waitlisted": N_("On the waiting list (participant)"),
    "nomination_waitlisted_city": N_("On the waiting list (focal point)"),
    "place_offered": N_("Place offered from the waitlist"),
    "sign_in_link": N_("Sign-in link"),
    "staff_application_withdrawn": N_("Staff notice: application withdrawn"),
    "staff_call_closed": N_("Staff notice: call closed"),
    "staff_city_signed_up": N_("Staff notice: city signed up"),
    "staff_city_signup_overdue": N_("Staff notice: sign-up overdue"),
    "staff_delivery_failed": N_("Staff notice: an email was not delivered"),
    "staff_focal_point_bounced": N_("Staff notice: a focal point's email bounced"),
    "staff_digest": N_("Staff daily digest"),
    "staff_notices": N_("Staff notices sent together"),
    "staff_more_information_received": N_("Staff notice: more information received"),
    "staff_new_application": N_("Staff notice: new application"),
    "staff_nomination_cancelled": N_("Staff notice: nomination cancelled"),
    "staff_nomination_declined": N_("Staff notice: nomination declined"),
    "staff_nomination_waitlisted": N_("Staff notice: nomination waitlisted"),
    "waitlist_activity_cancelled": N_("Activity cancelled (waiting list)"),
}
"""Each email template by what it is (a kind of email, as recipients unsubscribe from it)."""

REASONS: dict[Reason, str] = {
    "emailed": N_("This address was emailed: see each email's state below."),
    "no_email_to_address": N_("No email to this address is in the delivery log."),
    "event_not_received": N_(
        "Notifications has not received this event (yet): the producing service may not have sent it,"
        " or it is waiting in the topic or among the dead letters."
    ),
    "no_route": N_("The event was received but causes no email: no one is emailed about this kind of event."),
    "not_a_recipient": N_("The event caused emails, but not to this address: it is not one of the recipients."),
}

REPLAY_ACTIONS: dict[ReplayAction, str] = {
    "resend": N_("The email is sent again"),
    "republish": N_("The message is processed again"),
    "skip": N_("Left alone (not notifications' own)"),
}

DIGEST_CHOICES = {False: N_("At once, one email each"), True: N_("In the daily digest")}


class StaffTexts(PageTexts):
    """The console's texts (shared.web.pages.texts) plus notifications' own labels."""

    def status(self, status: Status) -> str:
        return self(STATUSES[status])

    def template(self, template: str) -> str:
        """A template by what it is; one this page does not know yet by its name."""
        return self(TEMPLATES[template]) if template in TEMPLATES else template

    def reason(self, reason: Reason) -> str:
        return self(REASONS[reason])

    def replay_action(self, action: ReplayAction) -> str:
        return self(REPLAY_ACTIONS[action])

    def digest_choice(self, digest: bool) -> str:
        return self(DIGEST_CHOICES[digest])

    def language_name(self, code: str) -> str:
        """An email language by its name in the page's language ('allemand' for de on a French page)."""
        name = Locale.parse(self.locale).languages.get(code.split("-")[0].split("_")[0])
        return name[:1].upper() + name[1:] if name else code


PAGES = Pages(Path(__file__).parent / "templates" / "staff", LOCALES, "staff", StaffTexts)
"""Notifications' staff pages on the shared layout."""
