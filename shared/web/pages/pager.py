"""The "previous / next" links and the counts under a paged list (shared.paging), for a page's template.

A page asks for `?page=N` (1 = the first); the links keep every other query parameter of the page (its
filters, `?lang=`), so that moving through the pages never loses what the list was narrowed to.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

from shared.paging import DEFAULT_LIMIT, MAX_OFFSET, Paged, Window

PAGE_PARAMETER = "page"
LAST_PAGE = MAX_OFFSET // DEFAULT_LIMIT
"""Far past any list's end: a larger number asks for the same (empty) page."""


def asked_window(request: Request, size: int = DEFAULT_LIMIT) -> Window:
    """The window of `?page=N`; the first page for none, or for anything but a whole number (an old or
    mangled link is not worth an error page)."""
    try:
        number = int(request.query_params.get(PAGE_PARAMETER, "1"))
    except ValueError:
        number = 1
    return Window.page(min(number, LAST_PAGE), size)


@dataclass(frozen=True)
class Pager:
    """What the template shows: "showing `first`–`last` of `total`" and the links (None: no such page)."""

    first: int
    last: int
    total: int
    previous_url: str | None
    next_url: str | None

    @classmethod
    def of(cls, request: Request, page: Paged) -> Pager:
        return cls(page.first, page.last, page.total, _url(request, page.previous), _url(request, page.next))

    @property
    def needed(self) -> bool:
        """Whether there is another page to go to."""
        return bool(self.previous_url or self.next_url)


def _url(request: Request, window: Window | None) -> str | None:
    if window is None:
        return None
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != PAGE_PARAMETER and v]
    number = window.offset // window.limit + 1
    query = urlencode(kept + ([(PAGE_PARAMETER, str(number))] if number > 1 else []))
    return f"{request.url.path}?{query}" if query else request.url.path
