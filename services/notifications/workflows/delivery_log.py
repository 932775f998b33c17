"""Staff's use cases on the delivery log: counts, a page, one delivery, resending one."""

from __future__ import annotations

from services.notifications.domain.delivery import Delivery, DeliveryQuery, StoredEmail
from services.notifications.storage import deliveries
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused


async def counts(deps: Dependencies) -> dict[str, int]:
    return await deliveries.count_by_status(deps.pool)


async def page(deps: Dependencies, query: DeliveryQuery) -> list[Delivery]:
    return await deliveries.list_deliveries(deps.pool, query)


async def detail(deps: Dependencies, delivery_id: int) -> StoredEmail:
    email = await deliveries.get_delivery(deps.pool, delivery_id)
    if email is None:
        raise NotFound(f"delivery {delivery_id}")
    return email


async def resend(deps: Dependencies, delivery_id: int) -> Delivery:
    """Send the same email again (same Message-ID), e.g. after the recipient's mailbox was fixed."""
    resent = await deliveries.resend(deps.pool, delivery_id, deps.now())
    if resent is None:
        raise Refused("not_resendable", "This delivery does not exist, is being sent right now, or was erased.")
    return resent
