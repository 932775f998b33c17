"""When a focal point's email bounces for good, the city must still hear of its business: the same
email goes to the city's deputy, and staff are told either way (they may need to phone the city).

Only city business is forwarded. An email that carries a personal link (sign-in, edit link) or is
about the focal point as a person (their own invitation) is never sent to someone else."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID, uuid5

from services.notifications.domain.emails import NOTICE_NAMESPACE, PlannedEmail, Recipient

FORWARDED_TO_DEPUTY = frozenset(
    {
        "city_signed_up",
        "city_signup_reminder",
        "decision_released",
        "place_offered",
        "more_information_requested",
        "nomination_waitlisted_city",
        "nomination_promoted_city",
        "nomination_declined",
    }
)
"""City business a focal point receives; sign_in_link and edit_link_requested are personal and stay out."""

STAND_IN_NOTICE = "staff_focal_point_bounced"


@dataclass(frozen=True)
class BouncedCityEmail:
    """A permanently bounced email to a city's focal point, and who stands in for them."""

    delivery_id: int
    focal_point: str
    city_name: str
    subject: str
    deputy: Recipient | None


def forwarded_to(planned: list[PlannedEmail], bounced: BouncedCityEmail, template: str) -> PlannedEmail | None:
    """The bounced email addressed to the deputy instead: same template, same event, their language."""
    if bounced.deputy is None or template not in FORWARDED_TO_DEPUTY:
        return None
    for email in planned:
        if email.template == template and email.recipient.email.lower() == bounced.focal_point.lower():
            context = {**email.context, "recipient_name": bounced.deputy.name}
            return replace(email, recipient=bounced.deputy, context=context)
    return None


def stand_in_notices(
    bounced: BouncedCityEmail, forwarded: bool, staff: tuple[Recipient, ...]
) -> tuple[UUID, list[PlannedEmail]]:
    """Staff hear once per bounced delivery (the notice id derives from it), whether a deputy got it."""
    notice_id = uuid5(NOTICE_NAMESPACE, f"focal-point-bounced:{bounced.delivery_id}")
    context = {"bounced": bounced, "forwarded": forwarded}
    return notice_id, [PlannedEmail(member, STAND_IN_NOTICE, False, context) for member in staff]
