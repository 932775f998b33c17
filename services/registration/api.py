"""HTTP API of registration: validate, call the domain, commit (rows + outbox together), answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from services.registration import storage
from services.registration.domain import ApplicationForm, CallClosed, submit_application
from shared.logs import correlation_id
from shared.outbox import enqueue
from shared.runtime import Runtime, runtime_of

router = APIRouter(prefix="/api/v1", tags=["calls"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class CallView(BaseModel):
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    timezone: str
    quota: int
    is_open: bool


class ApplicationReceipt(BaseModel):
    id: UUID
    call_id: str
    status: str
    submitted_at: datetime


@router.get("/calls/{call_id}", response_model=CallView, responses={404: {"description": "Unknown call"}})
async def get_call(call_id: str, runtime: RuntimeDep) -> CallView:
    async with runtime.pool.acquire() as conn:
        call = await storage.get_call(conn, call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no call {call_id!r}.")
    return CallView(**call.__dict__, is_open=call.is_open(runtime.clock()))


@router.post(
    "/calls/{call_id}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationReceipt,
    responses={
        404: {"description": "Unknown call"},
        409: {"description": "Call not open, or this city already applied"},
    },
)
async def submit(call_id: str, form: ApplicationForm, runtime: RuntimeDep) -> ApplicationReceipt:
    async with runtime.pool.acquire() as conn, conn.transaction():
        call = await storage.get_call(conn, call_id)
        if call is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no call {call_id!r}.")
        try:
            submission = submit_application(
                call,
                form,
                now=runtime.clock(),
                application_id=runtime.new_id(),
                event_id=runtime.new_id(),
                correlation_id=correlation_id.get() or str(runtime.new_id()),
            )
            await storage.insert_application(conn, submission.application, correlation_id.get() or "")
        except CallClosed as closed:
            raise HTTPException(status.HTTP_409_CONFLICT, str(closed)) from None
        except storage.DuplicateApplication:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{form.city} ({form.country}) has already applied to this call. The contact person can "
                "ask for the link to view or edit that application to be sent again by email.",
            ) from None
        for event in submission.events:
            await enqueue(conn, event)
    application = submission.application
    return ApplicationReceipt(
        id=application.id, call_id=call.slug, status=application.status, submitted_at=application.submitted_at
    )
