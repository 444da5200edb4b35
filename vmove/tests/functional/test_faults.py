"""vmove under faults, on the dev cloud: engines killed, the broker cut, the database cut.

vmove-api and two vmove-engine processes reach RabbitMQ and PostgreSQL through fault proxies of our
own (:mod:`vmove.tests.faultproxy`); Nova's fake driver takes a second per live migration.

- ``kill -9`` of a random engine at random moments (restarted each time) while 50 moves run: every
  move ends, Nova has exactly one live migration per instance (no move started twice), and every
  move's status and host agree with Nova.
- RabbitMQ cut for 15 s mid-run: API requests during the cut are answered (the moves are written;
  the engines find them by their poll), and the run completes.
- The database cut for 15 s mid-run: the API answers 503 in the fault format (never 500, never a
  hang), the engines survive and resume, nothing is lost or made twice.

Each test prints what it injected and what it checked.
"""

import concurrent.futures
import pprint
import random
import time
import uuid

import pytest

from vmove.devcloud import seed
from vmove.tests import faultproxy
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import processes

pytestmark = pytest.mark.devcloud
FLEET = 50
HOSTS = ("host1", "host2", "host3")
TERMINAL = ("succeeded", "failed", "cancelled", "ignored")
MIGRATION_SECONDS = 1


@pytest.fixture(scope="module")
def fleet(devcloud):
    """FLEET servers of our own on the dev cloud's computes, live migrations of 1 s; deleted at the end."""
    devcloud.require("nova")
    comp, nova = devcloud.component("nova"), devcloud.nova("admin")
    flavor = seed.ensure_flavors(nova)["m1.tiny"]
    tag = uuid.uuid4().hex[:6]
    servers = [
        nova.servers.create(f"faults-{tag}-{i}", seed.image_id(), flavor, nics="none", host=HOSTS[i % 3])
        for i in range(FLEET)
    ]
    try:
        processes.wait_for(
            lambda: all(s.status == "ACTIVE" for s in nova.servers.list(search_opts={"name": f"faults-{tag}-"})),
            "the fleet to boot",
            timeout=300,
            every=1,
        )
        for s in servers:
            comp.set_live_migration_seconds(MIGRATION_SECONDS, server=s.id)
        yield nova, [s.id for s in servers]
    finally:
        for s in servers:
            comp.set_live_migration_seconds(None, server=s.id)
            try:
                nova.servers.delete(s.id)
            except Exception:  # noqa: BLE001 - gone already
                pass


class Stack:
    """vmove-api and two engines, through fault proxies in front of RabbitMQ and PostgreSQL."""

    def __init__(self, tmp_path, devcloud):
        vfixtures.require_url(vfixtures.RABBIT_URL)
        self.tmp = tmp_path
        self.db = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
        self.db.setUp()
        self.pg = faultproxy.FaultProxy("127.0.0.1", 5432).start()
        self.mq = faultproxy.FaultProxy("127.0.0.1", 5672).start()
        self.port = processes.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = processes.write_conf(
            tmp_path / "vmove.conf",
            self.pg.url(self.db.url),
            f"vmove-faults-{uuid.uuid4().hex[:8]}",
            cloud=devcloud,
            transport_url=self.mq.url(vfixtures.RABBIT_URL),
            api={"port": self.port},
            engine={"notifications": False, "max_in_flight": 30},
            database={"max_retries": -1, "retry_interval": 1, "pool_timeout": 10},
        )
        self.api = processes.api(self.conf, tmp_path / "api.log", self.port)
        self.engines = [self._engine(i) for i in range(2)]
        self.kills = 0

    def _engine(self, i):
        return processes.engine(self.conf, self.tmp / f"engine-{i}.log")

    def kill_and_restart(self, i):
        self.engines[i].kill()
        self.kills += 1
        self.engines[i] = self._engine(i)

    def close(self):
        for p in [self.api, *self.engines]:
            p.stop()
        self.pg.stop()
        self.mq.stop()
        self.db.cleanUp()

    def request(self, nova, server_id, timeout=30):
        """A live migration of the server to another host (202), or the answer."""
        here = getattr(nova.servers.get(server_id), "OS-EXT-SRV-ATTR:host")
        dest = HOSTS[(HOSTS.index(here) + 1) % 3]
        body = {"move": {"resource_type": "instance", "resource_id": server_id, "type": "live_migration",
                         "params": {"host": dest}}}  # fmt: skip
        return processes.call(self.url, "POST", "/v1/moves", body, timeout=timeout)

    def events(self, uuid_):
        return processes.call(self.url, "GET", f"/v1/moves/{uuid_}/events")[1]

    def move(self, uuid_):
        code, body = processes.call(self.url, "GET", f"/v1/moves/{uuid_}")
        return body["move"] if code == 200 else None

    def wait_all(self, uuids, timeout):
        def ended():
            moves = [self.move(u) for u in uuids]
            return moves if all(m and m["status"] in TERMINAL for m in moves) else None

        return processes.wait_for(ended, f"{len(uuids)} moves to end", timeout=timeout, every=1)


@pytest.fixture
def stack(tmp_path, devcloud):
    s = Stack(tmp_path, devcloud)
    yield s
    s.close()


def live_migrations(nova, server_ids):
    """server id -> Nova's live-migration records of it."""
    return {
        sid: [r for r in nova.migrations.list(instance_uuid=sid) if r.migration_type == "live-migration"]
        for sid in server_ids
    }


def check_with_nova(stack, nova, moves, before):
    """Every move agrees with Nova and none was started twice: at most one live migration more per
    instance than ``before`` (see :func:`live_migrations`); a succeeded move's completed, the instance on
    its destination; a failed move's not completed, the instance where it was. Returns (duplicates,
    failed moves with their message)."""
    after = live_migrations(nova, [m["resource_id"] for m in moves])
    duplicates, failed = 0, []
    for m in moves:
        known = {r.id for r in before[m["resource_id"]]}
        new = [r for r in after[m["resource_id"]] if r.id not in known]
        if len(new) > 1:
            duplicates += 1
        host = getattr(nova.servers.get(m["resource_id"]), "OS-EXT-SRV-ATTR:host")
        where = pprint.pformat((m, [(r.id, r.status) for r in new], host, stack.events(m["uuid"])), width=120)
        if m["status"] == "succeeded":
            assert [r.status for r in new] == ["completed"], where
            assert host == m["dest_host"] == m["params"]["host"], where
        else:
            assert m["status"] == "failed", where
            assert "completed" not in [r.status for r in new] and host == m["source_host"], where
            failed.append(f"{m['resource_name']}: {m['message']}")
    assert duplicates == 0, [m for m in moves if len(after[m["resource_id"]]) - len(before[m["resource_id"]]) > 1]
    return duplicates, failed


def test_engines_killed_at_random(stack, fleet):
    nova, servers = fleet
    before = live_migrations(nova, servers)
    rnd = random.Random(14)
    uuids = []
    for sid in servers:
        code, body = stack.request(nova, sid)
        assert code == 202, body
        uuids.append(body["move"]["uuid"])
    deadline = time.monotonic() + 240
    while stack.kills < 10 and time.monotonic() < deadline:
        time.sleep(rnd.uniform(0.5, 2.5))
        stack.kill_and_restart(rnd.randrange(2))
    moves = stack.wait_all(uuids, timeout=300)
    assert stack.kills >= 10
    dup, failed = check_with_nova(stack, nova, moves, before)
    print(
        f"\nkill -9: {stack.kills} engine kills, {len(moves)} moves checked against Nova, {dup} duplicates, "
        f"{len(failed)} failed (as Nova says): {failed}"
    )


def test_rabbitmq_cut_mid_run(stack, fleet):
    nova, servers = fleet
    first, during = servers[:15], servers[15:25]
    before = live_migrations(nova, first + during)
    uuids = [stack.request(nova, sid)[1]["move"]["uuid"] for sid in first]
    processes.wait_for(lambda: any(stack.move(u)["status"] != "pending" for u in uuids), "a move to start")
    answers = []
    with stack.mq.cut():
        t0 = time.monotonic()
        for sid in during:
            t = time.monotonic()
            code, body = stack.request(nova, sid)
            answers.append((code, time.monotonic() - t))
            uuids.append(body["move"]["uuid"])
        time.sleep(max(0.0, 15 - (time.monotonic() - t0)))
    assert all(code == 202 for code, _ in answers), answers
    assert max(t for _, t in answers) < 10, answers
    moves = stack.wait_all(uuids, timeout=180)
    dup, failed = check_with_nova(stack, nova, moves, before)
    slowest = max(t for _, t in answers)
    print(f"\nRabbitMQ cut 15 s: {len(answers)} requests during the cut answered 202 (slowest {slowest:.1f} s), "
          f"{len(moves)} moves checked against Nova, {dup} duplicates, "
          f"{len(failed)} failed (as Nova says): {failed}")  # fmt: skip


def test_database_cut_mid_run(stack, fleet):
    nova, servers = fleet
    batch = servers[25:45]
    before = live_migrations(nova, batch)
    uuids = [stack.request(nova, sid)[1]["move"]["uuid"] for sid in batch]
    processes.wait_for(lambda: any(stack.move(u)["status"] != "pending" for u in uuids), "a move to start")
    answers = []

    def ask(method, path, body=None):
        t = time.monotonic()
        code, got = processes.call(stack.url, method, path, body, timeout=60)
        return code, got, time.monotonic() - t

    with stack.pg.cut():
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            while time.monotonic() - t0 < 15:
                new = {"move": {"resource_type": "instance", "resource_id": servers[45], "type": "live_migration"}}
                for code, got, took in pool.map(
                    lambda a: ask(*a),
                    [("GET", "/v1/moves?limit=20"), ("GET", f"/v1/moves/{uuids[0]}"), ("POST", "/v1/moves", new)],
                ):
                    answers.append((code, took))
                    assert code == 503, (code, got)
                    assert "database is not reachable" in got["serviceUnavailable"]["message"], got
                time.sleep(1)
    assert max(t for _, t in answers) < 30, answers
    # the engines lived through it and finish the run; nothing was written by the refused requests
    assert all(p.popen.poll() is None for p in stack.engines), [p.tail() for p in stack.engines]
    moves = stack.wait_all(uuids, timeout=180)
    code, listed = processes.call(stack.url, "GET", f"/v1/moves?resource_id={servers[45]}")
    assert code == 200 and listed["moves"] == [], listed
    dup, failed = check_with_nova(stack, nova, moves, before)
    slowest = max(t for _, t in answers)
    print(f"\ndatabase cut 15 s: {len(answers)} API answers during the cut, all 503 (slowest {slowest:.1f} s), "
          f"{len(moves)} moves checked against Nova, {dup} duplicates, "
          f"{len(failed)} failed (as Nova says): {failed}")  # fmt: skip
