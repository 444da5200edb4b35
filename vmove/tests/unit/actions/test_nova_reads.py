"""How often the instance actions read Nova: batched pre-checks and backed-off progress reads."""

import copy
import types

import pytest

from vmove.actions import nova


class FakeNova:
    def __init__(self, servers):
        self.calls: list = []
        self._servers = {s.id: s for s in servers}
        self.servers = types.SimpleNamespace(list=self._list, get=self._get)
        self.server_migrations = types.SimpleNamespace(get=self._migration)

    def _list(self, detailed=True, search_opts=None, limit=None):
        self.calls.append(("list", (search_opts or {}).get("host")))
        host = (search_opts or {}).get("host")
        # snapshots, as a listing is
        return [
            copy.copy(s) for s in self._servers.values() if host is None or getattr(s, "OS-EXT-SRV-ATTR:host") == host
        ]

    def _get(self, sid):
        self.calls.append(("get", sid))
        return self._servers[sid]

    def _migration(self, sid, mid):
        self.calls.append(("migration", sid))
        return types.SimpleNamespace(
            memory_total_bytes=100, memory_processed_bytes=50, disk_total_bytes=0, disk_processed_bytes=0
        )


class FakeClients:
    def __init__(self, fake):
        self.fake = fake

    def nova(self, version=None):
        return self.fake


def server(i, host="host1"):
    s = types.SimpleNamespace(id=f"s{i}", name=f"vm{i}", status="ACTIVE", tenant_id="p1")
    setattr(s, "OS-EXT-SRV-ATTR:host", host)
    setattr(s, "OS-EXT-STS:task_state", None)
    return s


def move(i, host="host1", target="host2"):
    return types.SimpleNamespace(
        uuid=f"m{i}",
        resource_id=f"s{i}",
        source_host=host,
        phase="running",
        progress=None,
        project_id=None,
        type="live_migration",
        params={"host": target},
    )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(nova.time, "monotonic", c)
    return c


def action(fake, conf=None):
    conf = conf or types.SimpleNamespace(engine=types.SimpleNamespace(progress_interval=5.0))
    return nova.LiveMigration(conf, FakeClients(fake))


def test_moves_starting_together_share_one_listing(clock):
    fake = FakeNova([server(i) for i in range(5)])
    a = action(fake)
    a.prefetch([move(i) for i in range(5)])
    for i in range(5):
        assert a.pre_condition(move(i)) == {"resource_name": f"vm{i}", "source_host": "host1"}
    assert fake.calls == [("list", "host1")]


def test_late_starters_of_a_batch_share_one_new_listing(clock):
    """Moves of a big batch that start after the listing went stale are listed again together, not one GET each."""
    fake = FakeNova([server(i) for i in range(6)])
    a = action(fake)
    a.prefetch([move(i) for i in range(6)])
    a.pre_condition(move(0))
    clock.now += a.PREFETCH_TTL + 1
    for i in range(1, 6):
        a.pre_condition(move(i))
    assert fake.calls == [("list", "host1"), ("list", "host1")]


def test_a_few_stale_ones_are_read_one_by_one(clock):
    fake = FakeNova([server(i) for i in range(3)])
    a = action(fake)
    a.prefetch([move(i) for i in range(3)])
    a.pre_condition(move(0))
    a.pre_condition(move(1))
    clock.now += a.PREFETCH_TTL + 1
    a.pre_condition(move(2))
    assert fake.calls == [("list", "host1"), ("get", "s2")]


def test_progress_is_read_late_then_less_and_less_often(clock):
    fake = FakeNova([server(1)])
    a = action(fake)
    m, record = move(1), {"id": 7, "status": "running"}
    reads = []
    for _ in range(600):  # ten minutes of a running migration, one look per second
        obs = a.interpret(m, record)
        if obs.progress is not None:
            reads.append(round(clock.now - 1000.0))
        clock.now += 1.0
    assert obs.progress is None or obs.progress == 60
    # first after 5 s, then 10, 20, 40, 60, 60 ... apart
    assert reads[:5] == [5, 15, 35, 75, 135], reads
    assert len(reads) == 5 + (600 - 135 - 1) // 60
    assert sum(1 for c in fake.calls if c[0] == "migration") == len(reads)
    # a short migration needs no read at all
    a.interpret(move(2), record)
    a.interpret(move(2), {"id": 8, "status": "completed"})
    assert sum(1 for c in fake.calls if c == ("migration", "s2")) == 0
    assert "m2" not in a._progress_reads


def test_a_listing_is_not_repeated_for_moves_listed_a_moment_ago(clock):
    """The engine hints the moves next in line at every poll: one listing per half PREFETCH_TTL."""
    fake = FakeNova([server(i) for i in range(5)])
    a = action(fake)
    waiting = [move(i) for i in range(5)]
    a.prefetch(waiting)
    clock.now += 1
    a.prefetch(waiting)
    assert fake.calls == [("list", "host1")]
    clock.now += a.PREFETCH_TTL / 2
    a.prefetch(waiting)
    assert fake.calls == [("list", "host1")] * 2


def test_the_moves_behind_use_the_listing_made_for_the_first_in_line(clock):
    """A host being drained: the look-ahead window slides over one host's servers, listed once."""
    fake = FakeNova([server(i) for i in range(30)] + [server(i, host="host3") for i in range(30, 35)])
    a = action(fake)
    for first in range(0, 27):  # one move starts per poll; the engine hints the next three each time
        clock.now += 0.5
        a.prefetch([move(i) for i in range(first, first + 3)])
        assert a.pre_condition(move(first))["resource_name"] == f"vm{first}"
    assert fake.calls == [("list", "host1")]
    # only what a listing returned is kept: host3's servers were not listed
    assert not any(k in a._listings.entries for k in ("s30", "s34"))
    # and nothing is kept past its TTL
    clock.now += a.PREFETCH_TTL
    a.prefetch([move(i, host="host3") for i in range(30, 33)])
    assert sorted(a._listings.entries) == ["s30", "s31", "s32", "s33", "s34"]


def test_a_listed_verdict_against_the_move_is_confirmed_by_a_fresh_read(clock):
    servers = [server(i) for i in range(3)]
    setattr(servers[0], "OS-EXT-STS:task_state", "migrating")  # busy when listed ...
    fake = FakeNova(servers)
    a = action(fake)
    a.prefetch([move(i) for i in range(3)])
    setattr(servers[0], "OS-EXT-STS:task_state", None)  # ... free by the time its slot frees up
    assert a.pre_condition(move(0))["source_host"] == "host1"
    assert fake.calls == [("list", "host1"), ("get", "s0")]
    # still busy: failed, on Nova's fresh word
    setattr(servers[1], "OS-EXT-STS:task_state", "migrating")
    a._listings.entries["s1"] = (copy.copy(servers[1]), clock.now, "host1")
    with pytest.raises(nova.base.ActionFailed, match="busy"):
        a.pre_condition(move(1))
    assert fake.calls[-1] == ("get", "s1")


def test_a_stale_listing_is_refreshed_for_the_moves_host_only(clock):
    fake = FakeNova([server(i) for i in range(4)] + [server(i, host="host3") for i in range(4, 8)])
    a = action(fake)
    a.prefetch([move(i) for i in range(4)] + [move(i, host="host3") for i in range(4, 8)])
    clock.now += a.PREFETCH_TTL + 1
    assert a.pre_condition(move(0))["source_host"] == "host1"
    assert sorted(fake.calls[2:]) == [("list", "host1")]  # host3's stale servers wait for their own moves
