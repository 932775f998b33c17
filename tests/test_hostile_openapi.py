"""Schemathesis against each running service's own OpenAPI schema, with an admin token.

Every operation of registration, scheduling and notifications is called over HTTP on the session
`stack` with generated requests, valid ones and invalid ones (NUL bytes, huge numbers, wrong types,
unknown ids, missing fields), and every answer must be: no 5xx, a documented status code, a
documented content type, and a body that matches the documented schema.

How: the schema exists only once the stack runs (a session fixture), so it is loaded from
`/openapi.json` inside the test. schemathesis' own lazy loader (`schemathesis.pytest.from_fixture`)
does not run under pytest 9.2 (it rewrites `Function._nodeid`, which pytest 9.2 no longer has), so
this is the plain loop the schemathesis docs describe for non-schemathesis tests: for each operation,
`operation.as_strategy(...)` under `hypothesis.given`, once for valid data and once for invalid data,
each operation a pytest subtest so that one report lists every failing operation.
Bounded and repeatable: MAX_EXAMPLES per operation and mode, derandomized, no shrinking, no example
database.
"""

from __future__ import annotations

import uuid

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ADMIN_TOKEN

MAX_EXAMPLES = 25
REQUEST_TIMEOUT = 20
STAFF = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

EXCLUDED = [
    # Takes no input, so there is nothing to generate; what it does is republish every message that
    # notifications dead-lettered on the session broker, which other tests count.
    "POST /api/v1/dead-letters/replay",
]


def operations_of(url: str) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json").exclude(name=EXCLUDED)
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode) -> None:
    """Up to MAX_EXAMPLES requests of `mode` to `operation`; raises at the first failed check.

    An operation whose every input is a free string (e.g. `GET /calls/{call_id}`) has no invalid
    request: hypothesis then says Unsatisfiable, which for the negative mode means nothing to send.
    """

    @SETTINGS
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=STAFF, checks=CHECKS, timeout=REQUEST_TIMEOUT)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise


@pytest.mark.parametrize("service", ["registration", "scheduling", "notifications"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_every_answer_is_documented_and_never_a_server_error(stack, subtests, service, mode):
    operations = operations_of(stack[service].url)
    assert operations, f"{service} publishes no operation"
    for operation in operations:
        with subtests.test(operation.label):
            fuzz(operation, mode)


def test_a_call_with_an_empty_description_is_refused_with_422(stack):
    """Was a 500: the form took "" but the CallOpened event it emits requires a non-empty text."""
    call = {
        "slug": f"empty-description-{uuid.uuid4().hex[:8]}",
        "title": {"en": "A call"},
        "description": {"sk": ""},
        "opens_at": "2030-01-01T00:00:00Z",
        "closes_at": "2030-02-01T00:00:00Z",
    }
    answer = httpx.post(f"{stack['registration'].url}/api/v1/staff/calls", json=call, headers=STAFF, timeout=20)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][:3] == ["body", "description", "sk"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_signed_link_with_non_ascii_text_is_refused_not_a_crash(stack, method):
    """Was a 500: hmac.compare_digest raises TypeError on non-ASCII text (shared.security.signing)."""
    answer = httpx.request(
        method, f"{stack['notifications'].url}/unsubscribe", params={"token": "abcdefghij.é"}, timeout=20
    )
    assert answer.status_code == 400 and "not valid" in answer.text
