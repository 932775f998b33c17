"""How a JSON API answers one window of a long list (shared.paging): the two query parameters, and the
fields every such answer carries beside its items."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from shared.paging import MAX_LIMIT, MAX_OFFSET, Paged

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items in the answer, at most {MAX_LIMIT}")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="how many to skip: 0, then the answer's `next_offset`")]


class WindowAnswer(BaseModel):
    """The window's place in the list, beside the items of an answer."""

    total: int = Field(description="every item matching the filters")
    offset: int
    limit: int
    next_offset: int | None = Field(description="the next window's offset; null after the last")


def window_fields(page: Paged[Any]) -> dict[str, Any]:
    """The WindowAnswer fields of a page."""
    return {
        "total": page.total,
        "offset": page.window.offset,
        "limit": page.window.limit,
        "next_offset": page.next.offset if page.next else None,
    }
