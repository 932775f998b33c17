"""The answer each service gives to a subject access request (GDPR art. 15): everything it holds about
one email address, as JSON. Registration reads the other services' answers over HTTP
(`GET /api/v1/staff/subject-access?email=`, admins only) and puts them into one ZIP for the person."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, Field

PATH = "/api/v1/staff/subject-access"
"""The same path on every service."""


class SubjectAccess(BaseModel):
    service: str
    email: str
    generated_at: datetime
    records: dict[str, list[dict[str, Any]]] = Field(
        description="each kind of record (mostly a table) and its rows about the address, as stored"
    )

    def count(self) -> int:
        return sum(len(rows) for rows in self.records.values())


async def json_rows(conn: asyncpg.Connection, query: str, *args: object) -> list[dict[str, Any]]:
    """The rows of a query that selects one JSON text per row (each service's storage/subject_access)."""
    return [json.loads(row[0]) for row in await conn.fetch(query, *args)]
