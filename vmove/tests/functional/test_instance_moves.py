"""Instance moves driven by vmove's engine against the dev cloud's REAL Nova,
requested over real HTTP, RPC over RabbitMQ, state in PostgreSQL: each type
to success and to its failure paths, with the full event history."""

import time
import uuid

import pytest

from vmove.tests.functional import moves_env
from vmove.tests.functional.moves_env import vmove_env  # noqa: F401

pytestmark = pytest.mark.devcloud


@pytest.fixture
def nova(devcloud):
    devcloud.require("nova")
    # faults and slow migrations are set per server: the dev cloud is shared
    yield devcloud.nova("admin")


@pytest.fixture
def servers(nova, devcloud):
    made = []

    def boot(host, name="vm"):
        return moves_env.boot_active(nova, [host], made, prefix=name, timeout=60)[0]

    yield boot
    moves_env.delete_booted(nova, devcloud.component("nova"), made)


def slow_live_migration(env, servers, devcloud, seconds, source, dest):
    """A server booted on ``source`` whose live migration takes ``seconds``, and its move to ``dest``."""
    s = servers(source)
    devcloud.component("nova").set_live_migration_seconds(seconds, server=s.id)
    return s, env.request(resource_type="instance", resource_id=s.id, type="live_migration", params={"host": dest})


def host_of(nova, sid):
    return getattr(nova.servers.get(sid), "OS-EXT-SRV-ATTR:host")


def phases(env, uuid_):
    return [e["to_phase"] for e in env.events(uuid_)]


def test_live_migration_succeeds(vmove_env, nova, servers):  # noqa: F811
    env = vmove_env
    s = servers("host1")
    move = env.request(resource_type="instance", resource_id=s.id, type="live_migration", params={"host": "host2"})
    done = env.wait(move["uuid"])
    assert done["status"] == "succeeded", done
    assert (done["source_host"], done["dest_host"], done["progress"]) == ("host1", "host2", 100)
    assert done["resource_name"] == s.name and done["start_time"] and done["end_time"]
    assert host_of(nova, s.id) == "host2"
    seen = phases(env, move["uuid"])
    assert seen[0] == "queued" and seen[-1] == "succeeded" and "starting" in seen
    events = env.events(move["uuid"])
    assert any((e["detail"] or {}).get("migration_id") for e in events), events
    for e in events:
        print(e["at"], e["from_phase"], "->", e["to_phase"], e["message"], e["detail"])
    print("compute calls:", env.engine.clients.calls())


def test_long_live_migration_shows_progress_from_novas_byte_counters(vmove_env, nova, servers, devcloud, conf):  # noqa: F811
    env = vmove_env
    conf.set_override("progress_interval", 0.5, group="engine")
    s, move = slow_live_migration(env, servers, devcloud, 12, "host1", "host3")
    env.wait(move["uuid"], phase="running", timeout=60)
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(30 < p < 90 for p in seen):
        current = env.move(move["uuid"])
        seen.add(current["progress"])
        if current["status"] != "ongoing":
            break
        time.sleep(0.3)
    assert any(30 < p < 90 for p in seen), seen
    done = env.wait(move["uuid"], timeout=60)
    assert (done["status"], done["progress"]) == ("succeeded", 100), done
    # read a few times, not at every poll: the reads back off
    reads = env.engine.clients.calls_by_request()
    assert 1 <= sum(n for k, n in reads.items() if "/migrations/" in k) <= 6, reads


def test_live_migration_abort(vmove_env, nova, servers, devcloud):  # noqa: F811
    env = vmove_env
    s, move = slow_live_migration(env, servers, devcloud, 30, "host1", "host3")
    env.wait(move["uuid"], phase="running", timeout=60)
    code, body = env.call("POST", f"/v1/moves/{move['uuid']}/action", {"cancel": None})
    assert code == 202, body
    assert body["move"]["phase"] == "aborting"
    done = env.wait(move["uuid"], timeout=60)
    assert done["status"] == "cancelled", done
    assert host_of(nova, s.id) == "host1"
    assert phases(env, move["uuid"])[-2:] == ["aborting", "cancelled"]


def test_cold_migration_confirmed_by_the_engine(vmove_env, nova, servers):  # noqa: F811
    env = vmove_env
    s = servers("host2")
    move = env.request(resource_type="instance", resource_id=s.id, type="cold_migration", params={"host": "host3"})
    done = env.wait(move["uuid"])
    assert done["status"] == "succeeded", (done, env.events(move["uuid"]))
    seen = phases(env, move["uuid"])
    assert "resized" in seen and "confirming" in seen, seen
    # Nova marks the migration confirmed a moment before the server leaves VERIFY_RESIZE
    deadline = time.monotonic() + 15
    while (server := nova.servers.get(s.id)).status == "VERIFY_RESIZE" and time.monotonic() < deadline:
        time.sleep(0.3)
    assert (server.status, getattr(server, "OS-EXT-SRV-ATTR:host")) == ("ACTIVE", "host3")
    code, body = env.call("POST", f"/v1/moves/{move['uuid']}/action", {"cancel": None})
    assert code == 409 and "already ended" in body["conflict"]["message"]


def test_evacuation_of_a_failed_host(vmove_env, nova, servers, devcloud):  # noqa: F811
    env = vmove_env
    comp = devcloud.component("nova")
    s = servers("host3")
    # a host that is up cannot be evacuated: failed with the reason
    move = env.request(resource_type="instance", resource_id=s.id, type="evacuation")
    done = env.wait(move["uuid"])
    assert done["status"] == "failed" and "is up" in done["message"], done
    comp.fail_host("host3")
    try:
        move = env.request(resource_type="instance", resource_id=s.id, type="evacuation", params={"host": "host1"})
        done = env.wait(move["uuid"])
        assert done["status"] == "succeeded", (done, env.events(move["uuid"]))
        assert done["dest_host"] == "host1"
        assert host_of(nova, s.id) == "host1"
        assert "rebuilding" in phases(env, move["uuid"]) or "starting" in phases(env, move["uuid"])
    finally:
        comp.restore_host("host3")


def test_failure_paths(vmove_env, nova, servers, devcloud):  # noqa: F811
    env = vmove_env
    comp = devcloud.component("nova")
    s = servers("host1")

    # a destination Nova does not know: Nova's 400 is the move's message
    move = env.request(
        resource_type="instance", resource_id=s.id, type="live_migration", params={"host": "no-such-host"}
    )
    done = env.wait(move["uuid"])
    assert done["status"] == "failed" and "no-such-host" in done["message"], done

    # already where it should go: ignored with the reason
    move = env.request(resource_type="instance", resource_id=s.id, type="live_migration", params={"host": "host1"})
    done = env.wait(move["uuid"])
    assert done["status"] == "ignored" and "already on host host1" in done["message"], done

    # an instance that does not exist: ignored
    missing = str(uuid.uuid4())
    move = env.request(resource_type="instance", resource_id=missing, type="cold_migration")
    done = env.wait(move["uuid"])
    assert done["status"] == "ignored" and "does not exist" in done["message"], done

    # a member of another project cannot move it (the engine acts as admin; it checks)
    code, body = env.call(
        "POST",
        "/v1/moves",
        {"move": {"resource_type": "instance", "resource_id": s.id, "type": "live_migration"}},
        headers={"X-Project-Id": "someone-else", "X-Roles": "member,reader"},
    )
    assert code == 202, body
    done = env.wait(body["move"]["uuid"])
    assert done["status"] == "failed" and done["message"] == f"Instance {s.id} was not found in project someone-else."
    assert host_of(nova, s.id) == "host1"

    # the hypervisor fails the live migration: failed, Nova's record says so
    comp.inject_failure(None, "live_migration", server=s.id)
    move = env.request(resource_type="instance", resource_id=s.id, type="live_migration", params={"host": "host2"})
    done = env.wait(move["uuid"])
    assert done["status"] == "failed", done
    assert "migration" in done["message"].lower(), done
    assert host_of(nova, s.id) == "host1"


def test_timeout_fails_and_aborts(vmove_env, nova, servers, devcloud, conf):  # noqa: F811
    env = vmove_env
    conf.set_override("live_migration_timeout", 3, group="engine")
    s, move = slow_live_migration(env, servers, devcloud, 30, "host2", "host1")
    done = env.wait(move["uuid"], timeout=60)
    assert done["status"] == "failed" and "Timed out" in done["message"], done
    assert "asked to abort" in done["message"]
