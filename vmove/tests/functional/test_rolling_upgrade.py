"""A rolling upgrade from the previous release (tools/upgrade/previous-release), on RabbitMQ and PostgreSQL.

old API + old engine with moves in flight -> the new schema applied under them -> new API capped at the
old RPC version -> a new engine beside the old one -> the old engine stopped -> the cap removed. Every move
requested in any phase succeeds, and none is started twice (the demo plugin's ledger, loaded by both
releases through the ``vmove.actions`` entry point, counts the start requests). ``vmove-status upgrade
check`` says what is left to do at each step.
"""

import collections
import pathlib
import re
import uuid

import pytest

from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import moves_env, previous_release, processes
from vmove.tests.functional.plugin_src import vmove_demo_action as demo

pytestmark = pytest.mark.upgrade


class Deployment:
    """The processes of one deployment during its upgrade; ``bin`` says which release each runs."""

    def __init__(self, tmp: pathlib.Path, db_url: str, old_bin, plugin_site):
        self.tmp, self.old_bin = tmp, old_bin
        self.ledger = tmp / "ledger"
        self.env = {"PYTHONPATH": str(plugin_site), "VMOVE_DEMO_LEDGER": str(self.ledger)}
        topic = f"vmove-engine-upgrade-{uuid.uuid4().hex[:8]}"
        self.conf = processes.write_conf(tmp / "vmove.conf", db_url, topic, engine={"max_in_flight": 4})
        self.pin = tmp / "pin.conf"
        self.pin.write_text("[upgrade_levels]\nengine = 1.2\n")
        self.moves: dict = collections.defaultdict(list)  # phase -> uuids
        self.api = None
        self.client = None

    def start_api(self, bin_dir, *extra, name):
        port = processes.free_port()
        own = self.tmp / f"{name}.conf"
        own.write_text(f"[api]\nport = {port}\n")
        self.api = processes.Process("vmove-api", [self.conf, own, *extra], self.tmp / f"{name}.log", bin_dir, self.env)
        self.client = moves_env.VmoveEnv(f"http://127.0.0.1:{port}", engine=None)
        processes.wait_for(lambda: processes.api_up(self.client.url), f"the {name}")

    def engine(self, bin_dir, *extra, name):
        return processes.Process("vmove-engine", [self.conf, *extra], self.tmp / f"{name}.log", bin_dir, self.env)

    def engines_up(self, n, timeout=60):
        def up():
            code, body = self.client.call("GET", "/v1/engines", version="1.1")
            return code == 200 and sum(e["state"] == "up" for e in body["engines"]) == n

        processes.wait_for(up, f"{n} engines up", timeout=timeout)

    def request(self, phase, n, seconds):
        for _ in range(n):
            move = self.client.request(
                resource_type="instance", resource_id=str(uuid.uuid4()), type="demo_timed", params={"seconds": seconds}
            )
            self.moves[phase].append(move["uuid"])

    def in_flight(self, uuids):
        starts = demo.started(str(self.ledger))
        return [u for u in uuids if u in starts]

    def status(self, bin_dir=processes.BIN, *extra):
        """``(exit code, the report as one line)`` of ``vmove-status upgrade check`` (its table unwrapped)."""
        done = processes.run("vmove-status", [self.conf, *extra], bin_dir, ["upgrade", "check"], check=False)
        return done.returncode, " ".join(re.sub(r"[|+=-]{2,}|\|", " ", done.stdout).split())

    def wait_all(self):
        every = [u for uuids in self.moves.values() for u in uuids]
        for u in every:
            done = self.client.wait(u, timeout=120)
            assert done["status"] == "succeeded", (done, self.client.events(u))
        return every


@pytest.fixture
def old_bin():
    return previous_release.bin_dir()


def test_rolling_upgrade(conf, tmp_path, old_bin):
    vfixtures.require_url(vfixtures.RABBIT_URL)
    db = vfixtures.ServerDatabase(vfixtures.POSTGRES_URL)
    db.setUp()
    site = processes.install_plugin(tmp_path / "site")
    d = Deployment(tmp_path, db.url, old_bin, site)
    running = []
    try:
        # 1. the previous release: its schema, its API and its engine, moves in flight
        processes.run("vmove-manage", [d.conf], old_bin, ["db", "sync"])
        d.start_api(old_bin, name="old-api")
        running.append(d.api)
        old_engine = d.engine(old_bin, name="old-engine")
        running.append(old_engine)
        d.engines_up(1)
        d.request("old", 4, seconds=3)
        processes.wait_for(lambda: d.in_flight(d.moves["old"]), "the old engine running moves")
        code, report = d.status()
        assert code == 2 and "not applied: 0006" in report, report

        # 2. the new schema, applied while the old API and engine run (expand only)
        processes.run("vmove-manage", [d.conf], args=["db", "sync"])
        d.request("old-api-new-schema", 2, seconds=1)

        # 3. the new API, capped at the previous release's RPC version
        d.api.stop()
        d.start_api(processes.BIN, d.pin, name="new-api-pinned")
        running.append(d.api)
        d.request("new-api-pinned", 3, seconds=1)
        for u in d.moves["new-api-pinned"]:
            assert d.client.wait(u, timeout=60)["status"] == "succeeded"
        code, report = d.status(processes.BIN, d.pin)
        assert code == 1, report  # warnings: an engine of the previous release is up
        assert "run another release" in report and "capped at 1.2" in report, report

        # 4. a new engine beside the old one
        new_engine = d.engine(processes.BIN, d.pin, name="new-engine-pinned")
        running.append(new_engine)
        d.engines_up(2)
        d.request("mixed", 8, seconds=2)
        processes.wait_for(lambda: len(d.in_flight(d.moves["mixed"])) >= 3, "mixed moves in flight")

        # 5. the old engine stopped (its moves in flight are taken over at once: it ends its leases)
        old_engine.stop()
        # the previous release's engine once outlived SIGTERM by 60 s and was killed: it then counts as up
        # until its last heartbeat is [engine] engine_down_time (60 s) old: wait until the API says one is up
        d.engines_up(1, timeout=150)
        d.request("new-engines", 3, seconds=1)
        d.wait_all()
        code, report = d.status(processes.BIN, d.pin)
        assert code == 1 and "remove it" in report, report  # the cap is left over now

        # 6. the cap removed: API and engine restarted without it, the newest RPC version (1.3) in use
        d.api.stop()
        new_engine.stop()
        d.start_api(processes.BIN, name="new-api")
        running.append(d.api)
        engine = d.engine(processes.BIN, name="new-engine")
        running.append(engine)
        d.engines_up(1)
        d.request("unpinned", 3, seconds=0.5)
        every = d.wait_all()
        code, report = d.status()
        assert code == 0, report

        # none started twice, every one started: the ledger is the backend
        starts = demo.started(str(d.ledger))
        assert sorted(starts) == sorted(every)
        twice = {u: p for u, p in starts.items() if len(p) > 1}
        assert not twice, f"started more than once: {twice}"
        pids = {str(old_engine.pid): "old", str(new_engine.pid): "new", str(engine.pid): "new"}
        by = collections.Counter(pids[p[0]] for p in starts.values())
        print(f"\nmoves per release of the engine that started them: {dict(by)}")
        assert by["old"] >= len(d.moves["old"]) and by["new"] >= len(d.moves["unpinned"])
        # the capped API sent what the old engine serves: no cast refused
        old_log = old_engine.text()
        assert "UnsupportedVersion" not in old_log and "does not support RPC version" not in old_log
        # uncapped, the move itself travels (RPC 1.3, Move 1.2) and the engine logs it under the request's id
        last = d.client.move(d.moves["unpinned"][-1])
        request_id = last["origin"].partition(":")[2]
        lines = [ln for ln in engine.text().splitlines() if f"Move {last['uuid']} requested: demo_timed" in ln]
        assert lines and request_id in lines[0], lines
    finally:
        for p in reversed(running):
            p.stop()
        db.cleanUp()
