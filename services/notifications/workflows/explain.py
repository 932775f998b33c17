"""'Why did X (not) get this email?' for staff: reads the delivery log, the ledger and the opt-outs."""

from __future__ import annotations

from uuid import UUID

from services.notifications.domain.delivery import DeliveryQuery
from services.notifications.domain.explanation import BounceSeen, Explanation, explanation
from services.notifications.domain.routes import ROUTES
from services.notifications.storage import bounces, deliveries, ledger, preferences
from services.notifications.workflows.events import CONSUMER
from shared.dependencies import Dependencies


async def explain(deps: Dependencies, recipient: str, event_id: UUID | None) -> Explanation:
    pool = deps.pool
    mine = await deliveries.deliveries_about(pool, recipient, event_id)
    processed = await ledger.was_processed(pool, CONSUMER, event_id) if event_id else None
    others = await deliveries.list_deliveries(pool, DeliveryQuery(event_id=event_id, limit=500)) if event_id else []
    opted = sorted(kind for _, kind in await preferences.opted_out(pool, [recipient]))
    routed = sorted(payload.TYPE for payload in ROUTES)
    seen = tuple(BounceSeen(**dict(row)) for row in await bounces.bounces_of(pool, recipient))
    return explanation(recipient, event_id, processed, mine, others, opted, routed, seen)
