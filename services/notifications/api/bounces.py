"""The bounce webhook, for hosted mail services that report bounces over HTTP instead of mailing them back
(domain/bounces.py): POST /api/v1/bounces with the JSON report, signed with the shared secret
(BOUNCE_WEBHOOK_SECRET) as `X-Pactesur-Signature: sha256=<hex HMAC of the raw body>`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import ValidationError

from services.notifications.domain.bounces import SIGNATURE_HEADER, BounceReport, signed
from services.notifications.workflows.bounces import receive
from shared.dependencies import Dependencies
from shared.runtime import dependencies_of
from shared.web.openapi import detail_answer

router = APIRouter(prefix="/api/v1", tags=["bounces"])
Deps = Annotated[Dependencies, Depends(dependencies_of)]
MAX_BODY = 64_000


@router.post(
    "/bounces",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        401: detail_answer("Not signed with the bounce webhook's secret"),
        404: detail_answer("No bounce webhook is configured"),
        422: detail_answer("Not a bounce report"),
    },
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": BounceReport.model_json_schema()}}}},
)
async def report_bounce(request: Request, deps: Deps) -> dict:
    """Record one bounce; the signature is checked on the raw body before anything is read from it."""
    secret = deps.settings.bounce_webhook_secret
    if secret is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No bounce webhook is configured.")
    body = (await request.body())[:MAX_BODY]
    if not signed(secret.get_secret_value().encode(), body, request.headers.get(SIGNATURE_HEADER)):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"The {SIGNATURE_HEADER} header does not match the body.")
    try:
        report = BounceReport.model_validate_json(body)
    except ValidationError as error:
        problems = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, problems) from None
    delivery_id = await receive(deps, report.bounce(), "webhook")
    return {"status": "recorded", "delivery_id": delivery_id}
