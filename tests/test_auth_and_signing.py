"""Staff tokens (hashed at rest, roles) and signed links (purpose-bound, expiring, tamper-proof)."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from shared.security.auth import StaffMember, authenticate, parse_staff_tokens, token_hash
from shared.security.signing import InvalidToken, sign, verify
from shared.web.access import require_role

TOKENS = parse_staff_tokens(f"marta:admin:{token_hash('a-token')},ilyana:reviewer:{token_hash('r-token')}")
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
KEY = b"k" * 32


def test_tokens_are_kept_as_hashes_only():
    assert all("a-token" not in repr(t) for t in TOKENS)
    assert authenticate(TOKENS, "a-token") == StaffMember("marta", "admin")
    assert authenticate(TOKENS, "r-token") == StaffMember("ilyana", "reviewer")
    assert authenticate(TOKENS, "guess") is None


@pytest.fixture
def client():
    class Runtime:
        class settings:  # noqa: N801 - stands in for Settings
            staff_tokens = TOKENS

    app = FastAPI()
    app.state.runtime = Runtime()

    @app.get("/review")
    def review(member: StaffMember = Depends(require_role("reviewer"))):  # noqa: B008
        return {"name": member.name}

    @app.get("/decide")
    def decide(member: StaffMember = Depends(require_role("admin"))):  # noqa: B008
        return {"name": member.name}

    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [
        ("/review", None, 401),
        ("/review", "wrong", 401),
        ("/review", "r-token", 200),
        ("/review", "a-token", 200),
        ("/decide", "r-token", 403),
        ("/decide", "a-token", 200),
    ],
)
def test_roles(client, path, token, status):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    assert client.get(path, headers=headers).status_code == status


def test_signed_link_round_trip():
    token = sign(KEY, "edit", {"application": "42"}, expires_at=NOW + timedelta(days=1))
    assert verify(KEY, "edit", token, now=NOW) == {"application": "42"}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "not valid"),
        (lambda t: "x" + t, "not valid"),
        (lambda t: t.split(".")[0], "not valid"),
        (lambda t: t + "é", "not valid"),
        (lambda t: "\udc80" + t, "not valid"),
    ],
)
def test_tampered_links_are_refused(mutate, reason):
    token = sign(KEY, "edit", {"application": "42"}, expires_at=None)
    with pytest.raises(InvalidToken, match=reason):
        verify(KEY, "edit", mutate(token), now=NOW)


def test_links_are_bound_to_purpose_key_and_time():
    token = sign(KEY, "edit", {"application": "42"}, expires_at=NOW)
    with pytest.raises(InvalidToken, match="expired"):
        verify(KEY, "edit", token, now=NOW)
    fresh = sign(KEY, "edit", {"application": "42"}, expires_at=NOW + timedelta(seconds=1))
    with pytest.raises(InvalidToken, match="not valid"):
        verify(KEY, "unsubscribe", fresh, now=NOW)
    with pytest.raises(InvalidToken, match="not valid"):
        verify(b"other" * 8, "edit", fresh, now=NOW)
