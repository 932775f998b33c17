"""Reads a transaction may reuse. The idempotent consumer handles up to TOGETHER events in one
transaction, and each event's handler would otherwise read the same rows again (the staff profiles,
their unsubscriptions): the consumer opens a memo for that transaction, and `remembered` reads once
per key within it. Outside a memo (an HTTP request, a lone event) every call reads.

A handler that changes what was remembered (an erasure) calls `forget_all()`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("transaction_memo", default=None)


@contextmanager
def transaction_memo() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


async def remembered(key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    memo = _memo.get()
    if memo is None:
        return await read()
    if key not in memo:
        memo[key] = await read()
    return memo[key]


def forget_all() -> None:
    memo = _memo.get()
    if memo is not None:
        memo.clear()
