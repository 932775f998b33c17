"""The one stylesheet of every page of every service, served by each at `STYLESHEET`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

STYLESHEET = "/assets/pactesur.css"
_FILE = Path(__file__).parent / "pactesur.css"
router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _stylesheet() -> bytes:
    return _FILE.read_bytes()


@router.get(STYLESHEET)
async def stylesheet() -> Response:
    return Response(_stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})
