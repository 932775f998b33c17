"""One page of a long list: the window a page or an API asks for (offset, limit) and what it got.

A list over data that grows with applications or participants is never answered whole: a deadline
burst puts 10,000 applications in one call, and a page or a JSON answer that lists them all costs
more with every one. A list answers one window of at most MAX_LIMIT items, with the total, so that
the reader knows how far it goes and can ask for the next one (pages: "previous / next" links; the
API: `offset` and `limit`). An export (CSV) is the one place that lists everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_LIMIT = 50
"""Items on a page, and in an API answer when the client does not say."""
MAX_LIMIT = 200
"""The most an API client may ask for at once."""
MAX_OFFSET = 1_000_000_000
"""Far past any list's end (and within what a database's OFFSET takes): an API refuses more."""

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """Items `offset` to `offset + limit - 1` (0-based) of a list."""

    offset: int = 0
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if self.offset < 0 or not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"a window is offset >= 0 and limit 1..{MAX_LIMIT}, not {self.offset}, {self.limit}")

    @classmethod
    def page(cls, number: int, size: int = DEFAULT_LIMIT) -> Window:
        """Page `number` (1 = the first; anything lower is the first) of `size` items."""
        return cls((max(number, 1) - 1) * size, size)

    def of(self, items: Sequence[T]) -> Sequence[T]:
        return items[self.offset : self.offset + self.limit]


FIRST_PAGE = Window()


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One window of a list and the list's length."""

    items: tuple[T, ...]
    window: Window
    total: int

    @property
    def first(self) -> int:
        """The 1-based position of the first item shown ("showing 51–100 of 10,000"); 0 when none is."""
        return self.window.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The 1-based position of the last item shown; 0 when none is."""
        return self.window.offset + len(self.items) if self.items else 0

    @property
    def previous(self) -> Window | None:
        """The window before this one; from beyond the end (an old link, the list shrank) the last one."""
        if self.window.offset == 0:
            return None
        last_start = max(self.total - 1, 0) // self.window.limit * self.window.limit
        return Window(max(0, min(self.window.offset - self.window.limit, last_start)), self.window.limit)

    @property
    def next(self) -> Window | None:
        after = self.window.offset + self.window.limit
        return Window(after, self.window.limit) if after < self.total else None

    @property
    def number(self) -> int:
        """The page's 1-based number, in pages of the window's limit."""
        return self.window.offset // self.window.limit + 1


def paged(items: Sequence[T], window: Window) -> Paged[T]:
    """The window of an ordered list held in memory (its cheap keys, never its full rows)."""
    return Paged(tuple(window.of(items)), window, len(items))
