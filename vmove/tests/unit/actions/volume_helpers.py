"""What the volume action's unit tests share: the action on a fake Cinder, a move in flight, a replay."""

import datetime
import types

from oslo_utils import timeutils

from vmove.actions import volume
from vmove.moves import states
from vmove.tests.unit.actions.fakes import A1, VID, FakeCinder, FakeClients


def action_for(conf, cinder, nova=None):
    return volume.VolumeMigration(conf, FakeClients(cinder, nova))


def a_move(move_type="volume_migration", phase=states.STARTING, source_backend=A1, started=None, **params):
    start = started or timeutils.utcnow() - datetime.timedelta(seconds=1)
    params = volume.VolumeMigration.validate_params(move_type, params)
    return types.SimpleNamespace(
        uuid=f"move-{id(params)}",
        type=move_type,
        params=params,
        phase=phase,
        source_backend=source_backend,
        resource_id=VID,
        resource_name="data-1",
        start_time=start,
        updated_at=start,
        attempt=1,
    )


def replay(conf, move, states_seen):
    """Feed the volume states one by one, advancing the move's phase like the runner; return the phases."""
    action = action_for(conf, FakeCinder())
    phases = []
    for state in states_seen:
        obs = action.interpret(move, state)
        phases.append(obs.phase)
        if not obs.not_started:
            move.phase = obs.phase
    return phases, obs
