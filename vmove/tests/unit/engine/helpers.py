"""What the engine's unit tests share: moves requested and claimed, one action for every move type."""

import datetime

from oslo_utils import timeutils

from vmove.moves import queries as move_queries
from vmove.moves import service as moves
from vmove.tests import fixtures as vfixtures


def request(ctx, i, priority=0, origin=None):
    """A pending live migration of instance ``i`` (ids 00000000-...-<i>) to host2."""
    return moves.request_move(
        ctx,
        resource_type="instance",
        resource_id=f"00000000-0000-0000-0000-{i:012d}",
        move_type="live_migration",
        params={"host": "host2"},
        priority=priority,
        origin=origin,
        project_id="p1",
    )


def claimed(ctx, n, engine_id="engine-1"):
    """``n`` moves requested, then claimed by ``engine_id`` as its dispatch would; their Move objects."""
    for i in range(n):
        request(ctx, i)
    now = timeutils.utcnow()
    rows = vfixtures.claim_pending(ctx, engine_id, n, now + datetime.timedelta(seconds=60), now)
    return [move_queries.get(ctx, r.uuid) for r in rows]


class OneAction:
    """The runner's action registry, answering ``action`` for every move type."""

    def __init__(self, action):
        self.action = action

    def get(self, move_type):
        return self.action
