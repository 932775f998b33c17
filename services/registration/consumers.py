"""What registration consumes: nothing. Registration is the source of its events and needs no other
service's: selected cities become cities here, in the release transaction."""

from __future__ import annotations

from shared.messaging.consumer import Consumption

CONSUMES: Consumption | None = None
