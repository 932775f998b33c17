"""The background loops of notifications (thin: each round is a workflow): the delivery worker sends
what is due and waits on its wakeup; the digest worker composes the staff digests once a minute."""

from __future__ import annotations

import asyncio
import logging

from services.notifications.workflows.delivery import BATCH, Sending, deliver_due
from services.notifications.workflows.digest import compose_due
from shared.dependencies import Dependencies
from shared.messaging.wakeup import NotifyWakeup
from shared.storage.database import DATABASE_ERRORS

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
DIGEST_INTERVAL = 60.0


class DeliveryWorker:
    def __init__(self, deps: Dependencies, sending: Sending, wakeup: NotifyWakeup) -> None:
        self.deps = deps
        self.sending = sending
        self._wakeup = wakeup

    async def run(self) -> None:
        try:
            while True:
                try:
                    handled = await self.deliver_due()
                except DATABASE_ERRORS as error:
                    log.warning("delivery round failed", extra={"error": repr(error)})
                    handled = 0
                    await asyncio.sleep(1.0)
                if handled < BATCH:
                    await self._wakeup.wait(POLL_INTERVAL)
        finally:
            await self._wakeup.close()
            for sender in self.sending.senders:
                await sender.close()

    async def deliver_due(self) -> int:
        return await deliver_due(self.deps, self.sending)


class DigestWorker:
    def __init__(self, deps: Dependencies, delivery_wakeup: NotifyWakeup) -> None:
        self.deps = deps
        self._delivery_wakeup = delivery_wakeup

    async def run(self) -> None:
        while True:
            try:
                await self.compose_due()
            except DATABASE_ERRORS as error:
                log.warning("digest round failed", extra={"error": repr(error)})
            await asyncio.sleep(DIGEST_INTERVAL)

    async def compose_due(self) -> int:
        """Write the digests due now; returns how many."""
        return await compose_due(self.deps, self._delivery_wakeup.poke)
