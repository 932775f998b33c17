"""The review state machine: unit cases, then hypothesis-generated command sequences."""

from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.registration.domain.review import STAGEABLE, Board, Entry, IllegalCommand, Status

S = Status


def board_with(*statuses: Status, quota: int = 2) -> tuple[Board, list[UUID]]:
    ids = [uuid4() for _ in statuses]
    positions = iter(range(1, 100))
    entries = {
        a: Entry(s, None, next(positions) if s == S.WAITLISTED else None) for a, s in zip(ids, statuses, strict=True)
    }
    return Board(quota, entries), ids


def test_the_happy_path_to_a_released_decision():
    board, [a] = board_with(S.SUBMITTED)
    for target in (S.UNDER_REVIEW, S.MORE_INFO_REQUESTED, S.UNDER_REVIEW, S.SHORTLISTED):
        board = board.move(a, target)
    board = board.stage(a, S.SELECTED)
    assert board.entries[a] == Entry(S.SHORTLISTED, S.SELECTED) and board.places_taken() == 1
    board, released = board.release([a])
    assert board.entries[a].status == S.SELECTED and [r.decision for r in released] == [S.SELECTED]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.SUBMITTED, S.SHORTLISTED),
        (S.SUBMITTED, S.SELECTED),
        (S.SELECTED, S.UNDER_REVIEW),
        (S.WITHDRAWN, S.UNDER_REVIEW),
    ],
)
def test_illegal_moves_are_refused(start, target):
    board, [a] = board_with(start)
    with pytest.raises(IllegalCommand) as caught:
        board.move(a, target)
    assert caught.value.code == "transition"


def test_only_shortlisted_can_be_selected_but_anyone_in_review_rejected():
    board, [a, b] = board_with(S.UNDER_REVIEW, S.SUBMITTED)
    with pytest.raises(IllegalCommand):
        board.stage(a, S.SELECTED)
    assert board.stage(b, S.REJECTED).entries[b].staged == S.REJECTED


def test_the_quota_counts_staged_and_selected():
    board, [a, b, c] = board_with(S.SELECTED, S.SHORTLISTED, S.SHORTLISTED, quota=2)
    board = board.stage(b, S.SELECTED)
    with pytest.raises(IllegalCommand) as caught:
        board.stage(c, S.SELECTED)
    assert caught.value.code == "quota"
    assert board.stage(c, S.WAITLISTED).places_taken() == 2


def test_release_queues_waitlisted_in_ranking_order_after_existing_ones():
    board, [old, x, y] = board_with(S.WAITLISTED, S.SHORTLISTED, S.SHORTLISTED)
    board = board.stage(x, S.WAITLISTED).stage(y, S.WAITLISTED)
    board, released = board.release([y, x])
    assert [(r.application_id, r.waitlist_position) for r in released] == [(y, 2), (x, 3)]
    with pytest.raises(IllegalCommand) as caught:
        board.release([])
    assert caught.value.code == "nothing_staged"


def test_a_selected_withdrawal_offers_the_place_to_the_first_waitlisted():
    board, [selected, second, first] = board_with(S.SELECTED, S.WAITLISTED, S.WAITLISTED, quota=1)
    board = Board(1, {**board.entries, first: Entry(S.WAITLISTED, None, 1), second: Entry(S.WAITLISTED, None, 2)})
    board, promoted = board.withdraw(selected)
    assert promoted == first and board.entries[first] == Entry(S.SELECTED)
    board.check()


def test_withdrawing_a_staged_selection_frees_the_place_without_promotion():
    board, [a, w] = board_with(S.SHORTLISTED, S.WAITLISTED, quota=1)
    board, promoted = board.stage(a, S.SELECTED).withdraw(a)
    assert promoted is None and board.places_taken() == 0


def test_final_states_cannot_be_withdrawn():
    board, [a] = board_with(S.REJECTED)
    with pytest.raises(IllegalCommand):
        board.withdraw(a)


COMMANDS = st.sampled_from(["add", "move", "stage", "unstage", "release", "withdraw"])
TARGETS = st.sampled_from(list(Status))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    quota=st.integers(min_value=1, max_value=4),
    steps=st.lists(st.tuples(COMMANDS, st.integers(min_value=0, max_value=7), TARGETS), max_size=80),
)
def test_no_command_sequence_reaches_an_illegal_state_or_exceeds_the_quota(quota, steps):
    board = Board(quota, {})
    ids: list[UUID] = []
    for command, index, target in steps:
        application = ids[index % len(ids)] if ids else None
        before = board
        try:
            if command == "add" or application is None:
                ids.append(uuid4())
                board = board.add(ids[-1])
            elif command == "move":
                board = board.move(application, target)
            elif command == "stage":
                board = board.stage(application, target)
            elif command == "unstage":
                board = board.unstage(application)
            elif command == "release":
                board, released = board.release(list(reversed(ids)))
                assert all(before.entries[r.application_id].staged == r.decision for r in released)
            else:
                board, promoted = board.withdraw(application)
                assert promoted is None or before.entries[promoted].status == S.WAITLISTED
        except IllegalCommand:
            assert board is before  # a refused command changes nothing
        board.check()
        assert board.count(S.SELECTED) <= quota
        for entry in board.entries.values():
            assert entry.status in Status
            assert entry.staged is None or entry.staged in STAGEABLE[entry.status]
        for application_id, entry in before.entries.items():
            if entry.status in (S.REJECTED, S.WITHDRAWN):
                assert board.entries[application_id] == entry, "final states are final"
