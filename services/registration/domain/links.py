"""The signed links registration hands out (shared.security.signing) and the public URLs they point to.

Pure: the public base URL and the signing key come from the settings, the moment from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.security.signing import sign, verify
from shared.settings import Settings

EDIT = "application-edit"
SIGNUP = "city-signup"


@dataclass(frozen=True)
class Links:
    base: str
    key: bytes

    @classmethod
    def of(cls, settings: Settings) -> Links:
        return cls(str(settings.public_base_url).rstrip("/"), settings.signing_key)

    def form(self, call_slug: str) -> str:
        return f"{self.base}/calls/{call_slug}/apply"

    def edit(self, application_id: UUID, until: datetime) -> str:
        return f"{self.base}/applications/{sign(self.key, EDIT, {'a': str(application_id)}, expires_at=until)}"

    def signup(self, city_id: UUID, until: datetime) -> str:
        return f"{self.base}/cities/signup/{sign(self.key, SIGNUP, {'c': str(city_id)}, expires_at=until)}"

    def sign_in(self, token: str) -> str:
        """A one-time sign-in link (domain/sign_in.py): the token is random, not signed."""
        return f"{self.base}/sign-in/{token}"

    def application_of(self, token: str, now: datetime) -> UUID:
        """The application an edit token is for; shared.security.signing.InvalidToken when bad or expired."""
        return UUID(verify(self.key, EDIT, token, now=now)["a"])

    def city_of(self, token: str, now: datetime) -> UUID:
        return UUID(verify(self.key, SIGNUP, token, now=now)["c"])
