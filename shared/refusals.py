"""What a workflow refuses, for the HTTP layers of every service to word (a JSON detail, or a page in
the user's language): one vocabulary of refusals for the three services."""

from __future__ import annotations


class NotFound(Exception):
    """An unknown call, application or city; `what` names it."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Refused(Exception):
    """A valid request the rules refuse (409); `code` is stable, the message explains in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
