"""A move taken over in 'starting' with no trace at the backend: started again only when the backend is not
already at work on the resource (the dead engine may have been killed between the backend taking the
request and anyone recording it)."""

import datetime

from oslo_utils import fixture as time_fixture
from oslo_utils import timeutils
import pytest

from vmove import context as vmove_context
from vmove.actions import base
from vmove.engine import runner as engine_runner
from vmove.engine import takeover
from vmove.moves import leases
from vmove.moves import queries as move_queries
from vmove.moves.transitions import transition
from vmove.tests.unit.engine import helpers


class Backend:
    def __init__(self, busy):
        self.is_busy = busy
        self.sent = []
        self.asked = 0

    def busy(self, move):
        self.asked += 1
        return self.is_busy

    def execute(self, move):
        self.sent.append(move.uuid)
        return {}

    def step(self, move):
        return None

    def timeout(self, move):
        return 3600


def _claim(ctx, engine_id, hours=1):
    """``engine_id`` takes over the move whose engine stopped renewing its lease (the one move there is),
    as if ``hours`` had passed."""
    later = timeutils.utcnow() + datetime.timedelta(hours=hours)
    ((move, _holder),) = leases.claim_stale(ctx, engine_id, later + datetime.timedelta(minutes=1), later)
    return move


def _take_over_and_look(conf, backend, intent_age=takeover.RESEND_AFTER + 1):
    """engine-1 committed 'starting' ``intent_age`` seconds ago and died, nothing says the backend took the
    move; engine-2 took it over and now sees no trace of it at the backend. Returns (ctx, move, runner of
    engine-2)."""
    ctx = vmove_context.get_admin_context()
    (move,) = helpers.claimed(ctx, 1)
    with time_fixture.TimeFixture(timeutils.utcnow() - datetime.timedelta(seconds=intent_age)):
        move = transition(ctx, move, "starting", engine_id="engine-1", detail={"step": "execute"})
    move = _claim(ctx, "engine-2")
    runner = engine_runner.MoveRunner(conf, "engine-2", clients=None)
    runner.actions = helpers.OneAction(backend)
    runner._taken_over.add(move.uuid)
    runner._advance(backend, move, base.Observation(phase=move.phase, not_started=True))
    runner._pool.shutdown()
    return ctx, move, runner


@pytest.mark.parametrize("busy", [True, False])
def test_restart_only_when_the_backend_is_idle(conf, db, busy):
    backend = Backend(busy)
    ctx, move, runner = _take_over_and_look(conf, backend)
    if busy:
        assert backend.sent == []  # waits for the backend's own record
        assert move.uuid in runner._taken_over
    else:
        assert backend.sent == [move.uuid]
        *_, intent, sent = move_queries.events(ctx, move.uuid)
        assert intent.detail == {"step": "execute", "resend": True}  # committed before the request left
        assert sent.detail == {"executed": True}


def test_a_resend_whose_engine_died_is_not_sent_again_before_its_own_intent_is_old(conf, db):
    """engine-2 sends the move again and dies before it hears back; engine-3 waits RESEND_AFTER from
    engine-2's intent (that request may still wait in the backend's queue), not from engine-1's."""

    class Killed(BaseException):
        pass

    class DiesAfterSending(Backend):
        def execute(self, move):
            self.sent.append(move.uuid)
            raise Killed()

    first = DiesAfterSending(False)
    with pytest.raises(Killed):
        _take_over_and_look(conf, first)
    assert len(first.sent) == 1
    ctx = vmove_context.get_admin_context()
    move = _claim(ctx, "engine-3", hours=2)
    backend = Backend(False)  # still no mark at the backend
    runner = engine_runner.MoveRunner(conf, "engine-3", clients=None)
    runner.actions = helpers.OneAction(backend)
    runner._taken_over.add(move.uuid)
    runner._advance(backend, move, base.Observation(phase=move.phase, not_started=True))
    runner._pool.shutdown()
    assert backend.sent == [] and move.uuid in runner._taken_over
    assert move_queries.events(ctx, move.uuid)[-1].detail == {"step": "execute", "resend": True}


def test_no_restart_while_the_dead_engines_request_may_still_be_on_its_way(conf, db):
    """Killed just after sending: the request may wait in the backend's API queue, with no mark yet, when the
    lease runs out. Sending it again then would start two migrations of one instance."""
    backend = Backend(False)
    ctx, move, runner = _take_over_and_look(conf, backend, intent_age=2)
    assert backend.sent == [] and move.uuid in runner._taken_over
    assert backend.asked == 0  # no backend call while the answer is no anyway
    assert move_queries.get(ctx, move.uuid).phase == "starting"


def test_refused_restart_waits_when_the_backend_turns_out_busy(conf, db):
    """The dead engine's request was still on its way: the backend refuses the second one as busy. The move
    does not fail; it waits for the backend's record of the first."""

    class Late(Backend):
        def execute(self, move):
            self.is_busy = True  # the first request arrived meanwhile
            raise RuntimeError("Conflict (HTTP 409): instance is in task_state migrating")

    ctx, move, runner = _take_over_and_look(conf, Late(False))
    assert move_queries.get(ctx, move.uuid).phase == "starting"
    assert move.uuid in runner._taken_over
