"""The state machines: every type ends in the same terminal statuses and
illegal transitions cannot be written."""

import itertools

import pytest

from vmove import exception
from vmove.moves import queries as move_queries
from vmove.moves import states
from vmove.tests.fixtures import make_move


@pytest.mark.parametrize("fsm", list(states.MACHINES.values()), ids=lambda f: f.move_type)
def test_every_fsm_has_the_shared_shape(fsm):
    assert fsm.status_of(states.QUEUED) == states.PENDING
    for phase in states.TERMINAL:
        assert fsm.status_of(phase) == phase
        assert phase not in fsm.edges, "terminal phases go nowhere"
    for phase in fsm.edges:
        if phase != states.QUEUED:
            assert fsm.status_of(phase) == states.ONGOING
            assert states.FAILED in fsm.edges[phase], f"{phase} must be able to fail"
    # every phase is reachable from queued, and succeeded is reachable
    reach, todo = {states.QUEUED}, [states.QUEUED]
    while todo:
        for nxt in fsm.edges.get(todo.pop(), ()):
            if nxt not in reach:
                reach.add(nxt)
                todo.append(nxt)
    assert set(fsm.edges) <= reach
    assert states.SUCCEEDED in reach


def test_no_manual_wait_state_in_cold_migration():
    # resized leads on by the engine's own confirm, never waits for a person
    assert "confirming" in states.COLD.edges["resized"]


@pytest.mark.parametrize("fsm", list(states.MACHINES.values()), ids=lambda f: f.move_type)
def test_illegal_transitions_refused(fsm):
    phases = fsm.phases
    for src, dst in itertools.product(phases, phases):
        if src == dst:
            continue
        if fsm.allowed(src, dst):
            assert states.check(fsm.move_type, "m", src, dst) == fsm.status_of(dst)
        else:
            with pytest.raises(exception.InvalidTransition):
                states.check(fsm.move_type, "m", src, dst)


def test_terminal_moves_never_move_again(db):
    from vmove import context as vmove_context
    from vmove.moves.transitions import transition

    ctx = vmove_context.get_admin_context()
    row = make_move(type="cold_migration")
    move = move_queries.get(ctx, row.uuid)
    move = transition(ctx, move, states.CANCELLED, message="no")
    assert move.end_time is not None
    for target in ("starting", "migrating", states.SUCCEEDED, states.QUEUED):
        with pytest.raises(exception.InvalidTransition):
            transition(ctx, move, target)
    # and nothing was written by the refused attempts

    assert [e.to_phase for e in move_queries.events(ctx, row.uuid)] == ["queued", "cancelled"]
