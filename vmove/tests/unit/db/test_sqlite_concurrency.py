"""The embedded default (SQLite) under the engine's concurrency: many threads
reading then writing never fail with 'database is locked'."""

import threading

from vmove import context as vmove_context
from vmove.moves import leases
from vmove.moves import queries as move_queries
from vmove.tests.fixtures import make_move


def test_threads_transition_concurrently(db):
    ctx = vmove_context.get_admin_context()
    moves = [make_move() for _ in range(40)]
    errors = []

    def work(m):
        try:
            move_queries.write_transition(
                ctx, m.uuid, {"status": "ongoing", "phase": "starting"}, {}, expected={"status": "pending"}
            )
            for i in range(3):
                leases.set_progress(ctx, m.uuid, None, i)
                move_queries.get_all(ctx, {}, limit=5)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(m,)) for m in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {m.status for m in move_queries.get_all(ctx, {}, limit=100)} == {"ongoing"}
