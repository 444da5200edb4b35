"""The dev cloud, end to end, driven exactly as vmove drives a cloud.

keystoneauth1 password auth, endpoints from the service catalog,
python-novaclient and python-cinderclient: boot servers, live-migrate,
cold-migrate (+ confirm), evacuate from a host killed with ``fail-host`` and
restore the host, migrate a volume, retype a volume, swap an attached one.

The Keystone part (tokens, roles, catalog, the ``env`` snippets working with
keystonemiddleware and keystoneauth1) only needs ``devcloud_keystone``.

Run: ``.venv/bin/python -m pytest vmove/tests/functional/devcloud/test_devcloud.py``
(``CI=true`` turns a peer that does not come up into failures instead of skips;
``VMOVE_DEVCLOUD_KEEP=1`` leaves the cloud running afterwards).
"""

from __future__ import annotations

import configparser
import time

import pytest

from vmove.devcloud import cli, keystone
from vmove.devcloud.base import USERS

TIMEOUT = 180
#: roles implied by the bootstrap roles (admin > manager > member > reader)
IMPLIED = {"admin": {"manager", "member", "reader"}, "manager": {"member", "reader"}, "member": {"reader"}}


def wait(what: str, check, timeout: float = TIMEOUT, every: float = 0.5):
    """Poll ``check()`` -> (done, what it saw) until done; fail saying the last thing seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        ok, last = check()
        if ok:
            return last
        time.sleep(every)
    pytest.fail(f"{what}: not done after {timeout:.0f}s; last seen: {last}")


# --- Keystone ------------------------------------------------------------------
@pytest.mark.keystone
@pytest.mark.parametrize("user", sorted(USERS))
def test_token_roles_and_project(devcloud_keystone, user):
    password, project, roles = USERS[user]
    sess = devcloud_keystone.session(user)
    access = sess.auth.get_access(sess)
    assert access.project_name == project
    expected = set(roles).union(*(IMPLIED.get(r, set()) for r in roles))
    assert expected <= set(access.role_names)
    # only the admin project is the cloud's admin project
    assert access.is_admin_project is (project == "admin")
    # and the token validates
    check = devcloud_keystone.session("admin").get(
        f"{keystone.AUTH_URL}/auth/tokens",
        headers={"X-Subject-Token": devcloud_keystone.token(user)},
        raise_exc=False,
    )
    assert check.status_code == 200, check.text


@pytest.mark.keystone
def test_wrong_password_is_refused(devcloud_keystone):
    from keystoneauth1 import exceptions, session
    from keystoneauth1.identity import v3

    creds = devcloud_keystone.credentials("demo") | {"password": "wrong"}
    with pytest.raises(exceptions.Unauthorized):
        session.Session(auth=v3.Password(**creds)).get_token()


@pytest.mark.keystone
def test_catalog(devcloud_keystone):
    sess = devcloud_keystone.session("demo")
    for stype, (_name, url) in keystone.CATALOG.items():
        for interface in keystone.INTERFACES:
            got = sess.get_endpoint(service_type=stype, interface=interface, region_name=keystone.REGION)
            # Masakari's URL form (instance-ha): Keystone puts the token's project in
            assert got == url.replace("$(project_id)s", sess.get_project_id()), (stype, interface)


@pytest.mark.keystone
def test_vmove_conf_snippet_works_with_keystonemiddleware(devcloud_keystone, tmp_path):
    """`env --format vmove-conf`: [keystone_authtoken] protects an app, [service_auth] gets a session."""
    from keystoneauth1 import loading
    from keystonemiddleware import auth_token
    from oslo_config import cfg
    import webob

    conf_file = tmp_path / "vmove.conf"
    conf_file.write_text(cli.render_env(None, "vmove-conf"))
    parsed = configparser.ConfigParser()
    parsed.read(conf_file)
    assert {"keystone_authtoken", "service_auth"} <= set(parsed.sections())

    conf = cfg.ConfigOpts()
    conf(["--config-file", str(conf_file)], project="vmove-devcloud-test")
    loading.register_auth_conf_options(conf, "service_auth")
    loading.register_session_conf_options(conf, "service_auth")
    auth = loading.load_auth_from_conf_options(conf, "service_auth")
    sess = loading.load_session_from_conf_options(conf, "service_auth", auth=auth)
    assert sess.get_token()
    assert sess.get_endpoint(service_type="compute", interface="public") == keystone.CATALOG["compute"][1]

    @webob.dec.wsgify
    def app(req):
        return webob.Response(json_body={"roles": req.headers.get("X-Roles"), "project": req.headers["X-Project-Id"]})

    protected = auth_token.AuthProtocol(app, {"oslo_config_config": conf})
    ok = webob.Request.blank("/", headers={"X-Auth-Token": devcloud_keystone.token("demo")}).get_response(protected)
    assert ok.status_int == 200, ok.text
    assert set(ok.json["roles"].split(",")) == {"member", "reader"}
    bad = webob.Request.blank("/", headers={"X-Auth-Token": "not-a-token"}).get_response(protected)
    assert bad.status_int == 401


def test_env_formats():
    openrc = cli.render_env("demo", "openrc")
    assert f"export OS_AUTH_URL={keystone.AUTH_URL}\n" in openrc
    assert "export OS_USERNAME=demo\n" in openrc and "export OS_PROJECT_NAME=demo\n" in openrc
    import yaml

    clouds = yaml.safe_load(cli.render_env(None, "clouds-yaml"))["clouds"]
    assert set(clouds) == {f"devcloud-{u}" for u in USERS}
    assert clouds["devcloud-alt"]["auth"]["password"] == USERS["alt"][0]
    conf = configparser.ConfigParser()
    conf.read_string(cli.render_env(None, "vmove-conf"))
    for key in ("auth_type", "auth_url", "username", "password", "project_name", "user_domain_name"):
        assert conf["service_auth"][key] and conf["keystone_authtoken"][key]
    assert conf["service_auth"]["username"] == "vmove"
    assert conf["service_auth"]["region_name"] == keystone.REGION


# --- Nova ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nova(devcloud):
    devcloud.require("nova")
    return devcloud.nova("admin")


@pytest.fixture(scope="module")
def cinder(devcloud):
    devcloud.require("cinder")
    return devcloud.cinder("admin")


@pytest.fixture(scope="module")
def made(devcloud):
    """What the tests of this module create; deleted at the end (best effort)."""
    things = {"servers": [], "volumes": []}
    yield things
    if things["servers"]:
        nova = devcloud.nova("admin")
        for server_id in things["servers"]:
            try:
                nova.servers.delete(server_id)
            except Exception:  # noqa: S112 - gone already
                continue
    if things["volumes"]:
        cinder = devcloud.cinder("admin")
        deadline = time.monotonic() + 60
        pending = list(things["volumes"])
        while pending and time.monotonic() < deadline:
            for vol_id in list(pending):
                try:
                    vol = cinder.volumes.get(vol_id)
                    if vol.status in ("available", "error"):
                        cinder.volumes.delete(vol_id)
                        pending.remove(vol_id)
                except Exception:
                    pending.remove(vol_id)
            time.sleep(1)


def host_of(server) -> str:
    return getattr(server, "OS-EXT-SRV-ATTR:host")


def compute_hosts(nova) -> list[str]:
    return sorted(
        s.host for s in nova.services.list(binary="nova-compute") if s.state == "up" and s.status == "enabled"
    )


def boot(nova, made, names_hosts: list[tuple[str, str]]):
    """Boot one server per (name, host), all at once; return them ACTIVE."""
    from vmove.devcloud import seed

    flavor = seed.ensure_flavors(nova)["m1.tiny"]
    meta = {"vmove:priority": "1", "HA_Enabled": "True"}
    ids = []
    for name, host in names_hosts:
        server = nova.servers.create(name, seed.image_id(), flavor, nics="none", host=host, meta=meta)
        made["servers"].append(server.id)
        ids.append(server.id)
    return [wait_server(nova, server_id, "ACTIVE", what=f"boot {server_id}") for server_id in ids]


def wait_server(nova, server_id: str, status: str, host_not: str | None = None, what: str = ""):
    def check():
        s = nova.servers.get(server_id)
        if s.status == "ERROR":
            pytest.fail(f"{what}: server went to ERROR: {getattr(s, 'fault', None)}")
        task = getattr(s, "OS-EXT-STS:task_state")
        done = s.status == status and task is None and (host_not is None or host_of(s) != host_not)
        return done, (s.status, task, host_of(s))

    wait(what or f"server {server_id} {status}", check)
    return nova.servers.get(server_id)


def wait_migration(nova, server_id: str, migration_type: str, statuses: set[str]):
    """/os-migrations is what tells a move is over: the server's host changes before."""

    def check():
        found = [m for m in nova.migrations.list(instance_uuid=server_id) if m.migration_type == migration_type]
        latest = max(found, key=lambda m: m.created_at) if found else None
        return (latest is not None and latest.status in statuses), latest and latest.status

    return wait(f"{migration_type} of {server_id}", check)


@pytest.fixture(scope="module")
def servers(devcloud, nova, made):
    hosts = compute_hosts(nova)
    assert len(hosts) >= 2, f"the dev cloud needs 2+ compute hosts, has {hosts}"
    return boot(nova, made, [(f"devcloud-test-{i}", hosts[i]) for i in range(2)])


@pytest.mark.devcloud
def test_boot_spreads_over_hosts(servers):
    assert len({host_of(s) for s in servers}) == 2
    assert all(s.metadata["vmove:priority"] == "1" for s in servers)


@pytest.mark.devcloud
def test_live_migration(nova, servers):
    server = servers[0]
    source = host_of(nova.servers.get(server.id))
    nova.servers.live_migrate(server.id, host=None, block_migration="auto")
    moved = wait_server(nova, server.id, "ACTIVE", host_not=source, what="live migration")
    wait_migration(nova, server.id, "live-migration", {"completed"})
    assert host_of(moved) != source


@pytest.mark.devcloud
def test_cold_migration_and_confirm(nova, servers):
    server = servers[1]
    source = host_of(nova.servers.get(server.id))
    nova.servers.migrate(server.id)
    wait_server(nova, server.id, "VERIFY_RESIZE", what="cold migration")
    nova.servers.confirm_resize(server.id)
    moved = wait_server(nova, server.id, "ACTIVE", host_not=source, what="confirm resize")
    wait_migration(nova, server.id, "migration", {"confirmed"})
    assert host_of(moved) != source


@pytest.mark.devcloud
def test_evacuate_from_failed_host_then_restore(devcloud, nova, servers):
    nova_peer = devcloud.component("nova")
    server = servers[0]
    failed = host_of(nova.servers.get(server.id))
    nova_peer.fail_host(failed)
    try:

        def forced_down():
            service = nova.services.list(host=failed, binary="nova-compute")[0]
            return service.forced_down, (service.state, service.forced_down)

        wait(f"{failed} forced down", forced_down)
        nova.servers.evacuate(server.id)
        # microversion >= 2.95: an evacuated server stays SHUTOFF on its new host
        moved = wait_server(nova, server.id, "SHUTOFF", host_not=failed, what="evacuation")
        wait_migration(nova, server.id, "evacuation", {"done", "completed"})
        assert host_of(moved) != failed
    finally:
        nova_peer.restore_host(failed)
    service = nova.services.list(host=failed, binary="nova-compute")[0]
    assert service.state == "up" and not service.forced_down
    wait_migration(nova, server.id, "evacuation", {"completed"})
    nova.servers.start(server.id)
    wait_server(nova, server.id, "ACTIVE", what="start after evacuation")


# --- Cinder ------------------------------------------------------------------------
def create_volume(cinder, made, name: str, vtype: str):
    vol = cinder.volumes.create(1, name=name, volume_type=vtype)
    made["volumes"].append(vol.id)
    return wait_volume(cinder, vol.id, lambda v: v.status == "available", f"create {name}")


def wait_volume(cinder, vol_id: str, done, what: str):
    def check():
        v = cinder.volumes.get(vol_id)
        if v.status.startswith("error") or v.migration_status == "error":
            pytest.fail(f"{what}: volume {vol_id} status={v.status} migration_status={v.migration_status}")
        state = (v.status, v.migration_status, v.volume_type, getattr(v, "os-vol-host-attr:host"))
        return done(v), state

    wait(what, check)
    return cinder.volumes.get(vol_id)


def other_pool(cinder, vol) -> str:
    """Another pool with the volume's backend name (a1 <-> a2 for type A)."""
    here = getattr(vol, "os-vol-host-attr:host")
    backend_name = here.rsplit("#", 1)[1]
    pools = [p.name for p in cinder.pools.list() if p.name.rsplit("#", 1)[1] == backend_name and p.name != here]
    assert pools, f"no other pool than {here} for {backend_name}"
    return pools[0]


def retype_to_b(cinder, vol, status: str, what: str):
    """Retype the volume to B (on demand); return it once it is of type B, ``status`` and migrated."""
    cinder.volumes.retype(vol.id, "B", "on-demand")
    # a stale migration_status "success" or None is not "done": the type and the status are
    return wait_volume(
        cinder,
        vol.id,
        lambda v: v.volume_type == "B" and v.status == status and v.migration_status == "success",
        what,
    )


@pytest.mark.devcloud
def test_volume_migration(cinder, made):
    vol = create_volume(cinder, made, "devcloud-test-migrate", "A")
    dest = other_pool(cinder, vol)
    cinder.volumes.migrate_volume(vol.id, dest, force_host_copy=False, lock_volume=False)
    moved = wait_volume(
        cinder,
        vol.id,
        lambda v: v.migration_status == "success" and getattr(v, "os-vol-host-attr:host") == dest,
        "volume migration",
    )
    assert moved.status == "available"


@pytest.mark.devcloud
def test_volume_retype(cinder, made):
    vol = create_volume(cinder, made, "devcloud-test-retype", "A")
    retyped = retype_to_b(cinder, vol, "available", "volume retype")
    assert getattr(retyped, "os-vol-host-attr:host").endswith("#fileB")


@pytest.mark.devcloud
def test_swap_attached_volume(devcloud, nova, cinder, servers, made):
    """An attached volume is retyped: Cinder copies it and has Nova swap it under the server."""
    devcloud.require("nova", "cinder")
    server = servers[1]
    vol = create_volume(cinder, made, "devcloud-test-swap", "A")
    nova.volumes.create_server_volume(server.id, vol.id)
    wait_volume(cinder, vol.id, lambda v: v.status == "in-use", "attach")
    swapped = retype_to_b(cinder, vol, "in-use", "retype of an attached volume (swap)")
    assert [a["server_id"] for a in swapped.attachments] == [server.id]
    assert vol.id in [a.volumeId for a in nova.volumes.get_server_volumes(server.id)]
    nova.volumes.delete_server_volume(server.id, vol.id)
    wait_volume(cinder, vol.id, lambda v: v.status == "available", "detach")
