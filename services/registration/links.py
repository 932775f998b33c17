"""The signed links registration hands out (shared.security.signing) and the public URLs they point to."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared.security.signing import sign, verify
from shared.settings import Settings

EDIT = "application-edit"
SIGNUP = "city-signup"


class Links:
    def __init__(self, settings: Settings) -> None:
        self.base = str(settings.public_base_url).rstrip("/")
        self.key = settings.signing_key

    def form(self, call_slug: str) -> str:
        return f"{self.base}/calls/{call_slug}/apply"

    def edit(self, application_id: UUID, until: datetime) -> str:
        return f"{self.base}/applications/{sign(self.key, EDIT, {'a': str(application_id)}, expires_at=until)}"

    def signup(self, city_id: UUID, until: datetime) -> str:
        return f"{self.base}/cities/signup/{sign(self.key, SIGNUP, {'c': str(city_id)}, expires_at=until)}"

    def application_of(self, token: str, now: datetime) -> UUID:
        """The application an edit token is for; shared.security.signing.InvalidToken when bad or expired."""
        return UUID(verify(self.key, EDIT, token, now=now)["a"])

    def city_of(self, token: str, now: datetime) -> UUID:
        return UUID(verify(self.key, SIGNUP, token, now=now)["c"])
