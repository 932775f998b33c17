"""Recipients' choices: a staff member's profile (language, zone, digest kinds), an unsubscription."""

from __future__ import annotations

from services.notifications.domain.emails import STAFF_LANGUAGE, STAFF_TIMEZONE, StaffProfile
from services.notifications.domain.unsubscribe import Unsubscription, unsubscription
from services.notifications.storage import preferences
from shared.dependencies import Dependencies
from shared.refusals import Refused


async def staff_profile(deps: Dependencies, email: str) -> StaffProfile:
    """A staff member's saved profile, or the defaults every member has until they save one."""
    saved = await preferences.staff_profiles(deps.pool, (email,))
    return saved.get(email.lower()) or StaffProfile(email.lower(), STAFF_LANGUAGE, STAFF_TIMEZONE, ())


async def save_staff_profile(deps: Dependencies, profile: StaffProfile) -> StaffProfile:
    if profile.email.lower() not in {e.lower() for e in deps.settings.staff_emails}:
        raise Refused("not_staff", "not one of STAFF_EMAILS")
    await preferences.save_staff_profile(deps.pool, profile)
    return profile


def asked(deps: Dependencies, token: str) -> Unsubscription:
    """What an unsubscribe link asks (InvalidToken when it is not one of ours), without doing it."""
    return unsubscription(deps.settings, token, deps.now())


async def unsubscribe(deps: Dependencies, token: str) -> Unsubscription:
    """Stop this kind of email to this recipient (InvalidToken when the link is not one of ours)."""
    wish = asked(deps, token)
    await preferences.opt_out(deps.pool, wish.recipient, wish.kind)
    return wish
