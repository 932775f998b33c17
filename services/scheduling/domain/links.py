"""Where scheduling's public links point, and the signed tokens in them (pure: the clock is passed in).

A participant's ICS link works until ICS_LINK_VALIDITY after the activity ends; the decline link
until the activity starts. The participant page link (and its calendar feed) names the person, not
one nomination: the page lists every nomination of that person (person_id = person_id_for_email, so
every nomination under the same address), and each email's link works until ICS_LINK_VALIDITY after
the activity the email is about ends (a later email carries a link valid for longer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from uuid import UUID

from shared.contracts import Organiser
from shared.security import signing
from shared.settings import Settings

DECLINE_PURPOSE = "scheduling-decline"
INVITATION_ICS_PURPOSE = "scheduling-invitation-ics"
PARTICIPANT_PURPOSE = "scheduling-participant"
ICS_LINK_VALIDITY = timedelta(days=60)
DEFAULT_ORGANISER = Organiser(name="PACTESUR 2", email="no-reply@pactesur.efus.eu")


@dataclass(frozen=True)
class Links:
    """Where public links point, and the key that signs them."""

    base_url: str
    secret: bytes
    organiser: Organiser = DEFAULT_ORGANISER
    """The ICS ORGANIZER: the sender of the programme's emails (MAIL_FROM)."""

    @classmethod
    def of(cls, settings: Settings) -> Links:
        base = settings.public_url_of("scheduling")
        name, address = parseaddr(settings.mail_from)
        organiser = Organiser(name=name or "PACTESUR 2", email=address) if "@" in address else DEFAULT_ORGANISER
        return cls(base_url=base, secret=settings.signing_key, organiser=organiser)

    def calendar(self, activity_id: UUID) -> str:
        return f"{self.base_url}/api/v1/activities/{activity_id}/calendar.ics"

    def invitation_ics(self, nomination_id: UUID, activity_ends_at: datetime) -> str:
        token = self._token(INVITATION_ICS_PURPOSE, nomination_id, activity_ends_at + ICS_LINK_VALIDITY)
        return f"{self.base_url}/api/v1/nominations/{nomination_id}/invitation.ics?token={token}"

    def decline(self, nomination_id: UUID, until: datetime) -> str:
        return f"{self.base_url}/api/v1/nominations/decline?token={self._token(DECLINE_PURPOSE, nomination_id, until)}"

    def participant(self, person_id: UUID, activity_ends_at: datetime) -> str:
        """The person's page; `calendar.ics` under it is their feed, signed with the same token."""
        token = signing.sign(
            self.secret, PARTICIPANT_PURPOSE, {"p": str(person_id)}, expires_at=activity_ends_at + ICS_LINK_VALIDITY
        )
        return f"{self.base_url}/participants/{token}"

    def person_of(self, token: str, now: datetime) -> UUID:
        """The person a participant page link names; signing.InvalidToken when it is not valid (any more)."""
        return UUID(signing.verify(self.secret, PARTICIPANT_PURPOSE, token, now=now)["p"])

    def nomination_of(self, purpose: str, token: str, now: datetime) -> UUID:
        """The nomination a signed link names; signing.InvalidToken when it is not valid (any more)."""
        return UUID(signing.verify(self.secret, purpose, token, now=now)["n"])

    def _token(self, purpose: str, nomination_id: UUID, expires_at: datetime) -> str:
        return signing.sign(self.secret, purpose, {"n": str(nomination_id)}, expires_at=expires_at)
