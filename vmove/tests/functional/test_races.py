"""Invariants concurrent requests could break are the database's, on SQLite, MariaDB and PostgreSQL.

N clients ask at the same instant, over real HTTP to the API's own threaded server, for a move of
the same instance (or a run of the same plan): exactly one gets 202, every other one a 409 naming
the winner, and the database holds one move (one run) in progress. The unique keys are also shown
to hold on their own, without the services' first look (``busy`` / ``active_run``).
"""

import concurrent.futures
import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest

from vmove import context as vmove_context
from vmove import exception
from vmove.api import app as api_app
from vmove.api import server
from vmove.api.controllers.v1 import common
from vmove.db import api as db_api
from vmove.moves import queries as move_queries
from vmove.moves.transitions import transition
from vmove.plans import queries as plan_queries
from vmove.tests import fixtures as vfixtures

BACKENDS = {"sqlite": None, "mariadb": vfixtures.MARIADB_URL, "postgresql": vfixtures.POSTGRES_URL}
CLIENTS = 16


class _Casts:
    """The engines' wake-up casts, counted (no engine runs here)."""

    def __init__(self):
        self.sent = []

    def __getattr__(self, name):
        return lambda ctx, *args: self.sent.append((name, *args))


@pytest.fixture(params=sorted(BACKENDS))
def api_url(request, conf, tmp_path, monkeypatch):
    fx = vfixtures.Database(tmpdir=tmp_path, url=BACKENDS[request.param])
    fx.setUp()
    conf.set_override("auth_strategy", "noauth", group="api")
    conf.set_override("threads", CLIENTS, group="api")
    monkeypatch.setattr(common, "engine_api", lambda: _Casts())
    srv = server.APIServer(api_app.setup_app(conf), conf, "127.0.0.1", 0)
    srv.start()
    try:
        yield srv.url
    finally:
        srv.stop()
        fx.cleanUp()


def _post(url, body, version):
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "OpenStack-API-Version": f"vmove {version}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _race(url, body, version):
    """CLIENTS threads POST ``body`` at the same instant; their (status, body), in no order."""
    barrier = threading.Barrier(CLIENTS)

    def one(_):
        barrier.wait()
        return _post(url, body, version)

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


def _one_winner(results, key):
    codes = sorted(code for code, _ in results)
    assert codes == [202] + [409] * (CLIENTS - 1), results
    (winner,) = [body[key] for code, body in results if code == 202]
    for code, body in results:
        if code == 409:
            assert winner["uuid"] in body["conflict"]["message"], body
    return winner


def test_one_move_per_instance(api_url):
    instance = str(uuid.uuid4())
    body = {"move": {"resource_type": "instance", "resource_id": instance, "type": "live_migration"}}
    winner = _one_winner(_race(api_url + "/v1/moves", body, "1.2"), "move")
    ctx = vmove_context.get_admin_context()
    moves = move_queries.get_all(ctx, {"resource_id": instance})
    assert [m.uuid for m in moves] == [winner["uuid"]]
    # once it ended, the instance may move again
    transition(ctx, moves[0], "cancelled", message="test")
    code, again = _post(api_url + "/v1/moves", body, "1.2")
    assert code == 202, again


def test_one_run_per_plan(api_url):
    items = [{"resource_type": "instance", "resource_id": str(uuid.uuid4()), "type": "live_migration"}]
    code, plan = _post(api_url + "/v1/plans", {"plan": {"name": "race", "items": items}}, "1.4")
    assert code == 201, plan
    winner = _one_winner(_race(api_url + f"/v1/plans/{plan['plan']['uuid']}/runs", {}, "1.4"), "run")
    runs = plan_queries.run_get_all(vmove_context.get_admin_context(), {"plan_uuid": plan["plan"]["uuid"]})
    assert [r.uuid for r in runs] == [winner["uuid"]]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_unique_keys_hold_without_the_first_look(backend, conf, tmp_path):
    """What the services check first is not what keeps the invariant: the database refuses the second row
    itself, names the holder, and a caller's transaction goes on (the insert was in a savepoint)."""
    fx = vfixtures.Database(tmpdir=tmp_path, url=BACKENDS[backend])
    fx.setUp()
    try:
        ctx = vmove_context.get_admin_context()
        first = vfixtures.make_move(resource_id="r1")
        with db_api.main_context_manager.writer.using(ctx):
            with pytest.raises(exception.ResourceBusy) as e:
                vfixtures.make_move(ctx, resource_id="r1")
            assert e.value.kwargs["holder"] == first.uuid and first.uuid in e.value.message
            other = vfixtures.make_move(ctx, resource_id="r2")  # the transaction is still usable
        assert move_queries.get(ctx, other.uuid).status == "pending"
        ended = vfixtures.make_move(resource_id="r3", status="succeeded", phase="succeeded")
        vfixtures.make_move(resource_id="r3")  # an ended move holds nothing
        assert ended.uuid

        plan = plan_queries.plan_create(
            ctx, {"uuid": str(uuid.uuid4()), "name": "p", "project_id": "p1", "approval": "auto"}, []
        )
        run = plan_queries.run_create(ctx, plan, {"dry_run": False})
        with pytest.raises(exception.Conflict) as e:
            plan_queries.run_create(ctx, plan, {"dry_run": False})
        assert run.uuid in e.value.message
        plan_queries.advance(ctx, run, "cancel", {})
        assert plan_queries.run_create(ctx, plan, {"dry_run": True}).status == "validating"
    finally:
        fx.cleanUp()
