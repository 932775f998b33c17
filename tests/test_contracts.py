"""Contract snapshots: an event's JSON schema may only change together with its schema version.

Snapshots live in tests/contracts/<Type>.v<version>.json. A new contract or a new version gets its
snapshot written by running the tests once with WRITE_NEW_CONTRACT_SNAPSHOTS=1; an existing
snapshot is never rewritten by the tests: changing a published version is the mistake caught here.
"""

import json
import os
from pathlib import Path

import pytest

from shared.contracts import CONTRACTS
from shared.contracts.events import Event, Payload

SNAPSHOTS = Path(__file__).parent / "contracts"


def schema_of(contract: type[Payload]) -> dict:
    """The wire schema, without docstrings: rewording documentation is not a contract change."""
    return _without_descriptions(Event[contract].model_json_schema())


def _without_descriptions(node):
    if isinstance(node, dict):
        return {k: _without_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_without_descriptions(v) for v in node]
    return node


@pytest.mark.parametrize("key", sorted(CONTRACTS), ids=lambda k: f"{k[0]}.v{k[1]}")
def test_schema_matches_snapshot(key):
    event_type, version = key
    contract = CONTRACTS[key]
    snapshot = SNAPSHOTS / f"{event_type}.v{version}.json"
    current = schema_of(contract)
    if not snapshot.exists():
        if os.environ.get("WRITE_NEW_CONTRACT_SNAPSHOTS") == "1":
            snapshot.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        pytest.fail(
            f"no snapshot for {event_type} v{version}: run the tests with WRITE_NEW_CONTRACT_SNAPSHOTS=1 "
            f"once, review {snapshot.relative_to(Path.cwd()) if snapshot.is_relative_to(Path.cwd()) else snapshot}"
            " and commit it"
        )
    assert current == json.loads(snapshot.read_text()), (
        f"the schema of {event_type} v{version} changed. Published versions are frozen: bump "
        f"{contract.__name__}.VERSION (keep the old class registered while consumers may read it) "
        "and snapshot the new version."
    )


def test_every_contract_declares_type_version_and_topic():
    from shared.contracts.topics import ALL_TOPICS

    topic_names = {t.name for t in ALL_TOPICS}
    for (event_type, version), contract in CONTRACTS.items():
        assert contract.TYPE == event_type and contract.VERSION == version
        assert contract.TOPIC in topic_names, f"{contract.__name__}.TOPIC is not in the topic registry"
        assert contract.model_config.get("frozen"), f"{contract.__name__} must be frozen"
