"""How the JSON API answers what a workflow refuses: 404 for what is not there, 409 for what the rules
refuse, 410 or 404 for a link that expired or was never valid."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, status

from shared.refusals import NotFound, Refused
from shared.security.signing import InvalidToken


def not_found(error: NotFound) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"There is no {error.what}.")


def refused(error: Refused) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, {"code": error.code, "message": str(error)})


def link_refused(error: InvalidToken) -> HTTPException:
    if "expired" in error.reason:
        return HTTPException(status.HTTP_410_GONE, "This link has expired.")
    return HTTPException(status.HTTP_404_NOT_FOUND, "This link is not valid.")


@contextmanager
def refusing_bad_links() -> Iterator[None]:
    """Around a workflow reached through a signed link: a bad link or what it named is gone -> 410/404."""
    try:
        yield
    except InvalidToken as error:
        raise link_refused(error) from None
    except NotFound as error:
        raise not_found(error) from None
