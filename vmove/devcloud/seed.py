"""Put a workload on the dev cloud: flavors, servers spread over the hosts, volumes.

Everything goes through keystoneauth1 password auth and the service catalog,
with python-novaclient and python-cinderclient, the way vmove itself talks to
Nova and Cinder.  Idempotent: servers are ``seed-NNN`` and volumes
``seed-vol-NNN``; what exists already is kept.

Servers carry the metadata vmove reads: ``vmove:priority`` (an integer, 1 is
the most important) and ``HA_Enabled`` (``True``/``False``).  Volumes
alternate between the types ``A`` and ``B``; every other one is attached to a
server (Nova's os-volume_attachments, which makes Cinder attachments).
"""

from __future__ import annotations

import importlib
import time

from vmove.devcloud import keystone
from vmove.devcloud.base import DevCloudError, say

NOVA_MICROVERSION = "2.96"  # 2.74+: servers.create(host=...)
CINDER_MICROVERSION = "3.71"
#: used when vmove.devcloud.nova does not say: (name, ram MiB, vcpus, disk GiB, id)
DEFAULT_FLAVORS = (
    ("m1.tiny", 512, 1, 1, "1"),
    ("m1.small", 2048, 1, 20, "2"),
    ("m1.medium", 4096, 2, 40, "3"),
    ("m1.large", 8192, 4, 80, "4"),
)
VOLUME_TYPES = ("A", "B")


def _nova_module():
    try:
        return importlib.import_module("vmove.devcloud.nova")
    except ModuleNotFoundError as e:
        if e.name != "vmove.devcloud.nova":
            raise
        return None


def clients(user: str = "admin"):
    """(novaclient, cinderclient) for ``user``, endpoints from the service catalog."""
    from cinderclient import client as cinder_client
    from novaclient import client as nova_client

    sess = keystone.session(user)
    nova = nova_client.Client(NOVA_MICROVERSION, session=sess, region_name=keystone.REGION)
    cinder = cinder_client.Client(CINDER_MICROVERSION, session=sess, region_name=keystone.REGION)
    return nova, cinder


def image_id() -> str:
    module = _nova_module()
    if module is None or not getattr(module, "IMAGE_ID", None):
        raise DevCloudError("no image to boot from: vmove.devcloud.nova.IMAGE_ID is not there")
    return module.IMAGE_ID


def ensure_flavors(nova) -> dict[str, object]:
    """The m1.* flavors (created if missing); name -> flavor."""
    module = _nova_module()
    wanted = getattr(module, "FLAVORS", DEFAULT_FLAVORS)
    have = {f.name: f for f in nova.flavors.list(is_public=None)}
    for name, ram, vcpus, disk, flavor_id in wanted:
        if name not in have:
            have[name] = nova.flavors.create(name, ram, vcpus, disk, flavorid=flavor_id)
    return have


def compute_hosts(nova) -> list[str]:
    """Hosts whose nova-compute is up, enabled and not forced down."""
    return sorted(
        s.host
        for s in nova.services.list(binary="nova-compute")
        if s.state == "up" and s.status == "enabled" and not getattr(s, "forced_down", False)
    )


def wait_for(what: str, check, timeout: float = 300, every: float = 1.0):
    """Poll ``check()`` until it returns something true; say progress every 15 s."""
    t0 = time.monotonic()
    last_said = t0
    while True:
        result = check()
        if result:
            return result
        now = time.monotonic()
        if now - t0 > timeout:
            raise DevCloudError(f"{what}: not done after {timeout:.0f}s")
        if now - last_said > 15:
            say(f"seed: still waiting for {what} ({now - t0:.0f}s)")
            last_said = now
        time.sleep(every)


def seed(servers: int = 6, volumes: int = 4, user: str = "admin") -> dict[str, list[dict]]:
    """Create what is missing of ``servers`` servers and ``volumes`` volumes; return what there is."""
    t0 = time.monotonic()
    nova, cinder = clients(user)
    flavors = ensure_flavors(nova)
    hosts = compute_hosts(nova)
    if servers and not hosts:
        raise DevCloudError("no nova-compute host is up: run `vmove-devcloud up` first")
    image = image_id() if servers else None

    existing = {s.name: s for s in nova.servers.list(search_opts={"all_tenants": True})}
    for i in range(servers):
        name = f"seed-{i:03d}"
        if name in existing:
            continue
        meta = {"vmove:priority": str(i % 5 + 1), "HA_Enabled": "True" if i % 2 == 0 else "False"}
        flavor = flavors["m1.tiny" if i % 3 else "m1.small"]
        existing[name] = nova.servers.create(name, image, flavor, meta=meta, nics="none", host=hosts[i % len(hosts)])
        say(f"seed: server {name} on {hosts[i % len(hosts)]} {meta}")
    names = [f"seed-{i:03d}" for i in range(servers)]

    def all_active():
        found = {s.name: s for s in nova.servers.list(search_opts={"all_tenants": True})}
        broken = [n for n in names if n in found and found[n].status == "ERROR"]
        if broken:
            raise DevCloudError(f"servers in ERROR: {', '.join(broken)}")
        mine = [found[n] for n in names if n in found]
        return mine if len(mine) == len(names) and all(s.status == "ACTIVE" for s in mine) else None

    server_list = wait_for(f"{servers} servers ACTIVE", all_active) if servers else []

    types = {t.name: t for t in cinder.volume_types.list()}
    missing_types = [t for t in VOLUME_TYPES if t not in types]
    if volumes and missing_types:
        raise DevCloudError(f"volume types {missing_types} missing: is the dev cloud's Cinder up?")
    vols = {v.name: v for v in cinder.volumes.list(search_opts={"all_tenants": True})}
    for i in range(volumes):
        name = f"seed-vol-{i:03d}"
        if name not in vols:
            vtype = VOLUME_TYPES[i % len(VOLUME_TYPES)]
            vols[name] = cinder.volumes.create(1, name=name, volume_type=vtype)
            say(f"seed: volume {name} (type {vtype})")
    vol_names = [f"seed-vol-{i:03d}" for i in range(volumes)]

    def volumes_settled():
        found = {v.name: v for v in cinder.volumes.list(search_opts={"all_tenants": True})}
        mine = [found[n] for n in vol_names if n in found]
        broken = [v.name for v in mine if v.status.startswith("error")]
        if broken:
            raise DevCloudError(f"volumes in error: {', '.join(broken)}")
        return mine if all(v.status in ("available", "in-use") for v in mine) else None

    vol_list = wait_for(f"{volumes} volumes available", volumes_settled) if volumes else []
    # every other volume goes to a server (one volume per server at most)
    attach = [v for i, v in enumerate(vol_list) if i % 2 == 0 and v.status == "available"]
    free_servers = [s for s in server_list if not getattr(s, "os-extended-volumes:volumes_attached", [])]
    attached = []
    for vol, server in zip(attach, free_servers, strict=False):
        nova.volumes.create_server_volume(server.id, vol.id)
        attached.append(vol.name)
        say(f"seed: volume {vol.name} attached to {server.name}")
    if attached:
        vol_list = wait_for("attachments in-use", _attached(cinder, vol_names, attached))

    final = sorted(
        (s for s in nova.servers.list(search_opts={"all_tenants": True}) if s.name in names),
        key=lambda s: s.name,
    )
    server_names = {s.id: s.name for s in final}
    report = {
        "servers": [
            {
                "name": s.name,
                "id": s.id,
                "host": getattr(s, "OS-EXT-SRV-ATTR:host", None),
                "priority": s.metadata.get("vmove:priority"),
                "ha": s.metadata.get("HA_Enabled"),
            }
            for s in final
        ],
        "volumes": [
            {
                "name": v.name,
                "id": v.id,
                "type": v.volume_type,
                "host": getattr(v, "os-vol-host-attr:host", None),
                "attached_to": [a["server_id"] for a in v.attachments],
            }
            for v in vol_list
        ],
    }
    for s in report["servers"]:
        say(f"seed:   {s['name']:10} {s['host']:8} priority={s['priority']} HA_Enabled={s['ha']}")
    for v in report["volumes"]:
        where = ",".join(server_names.get(a, a) for a in v["attached_to"]) or "-"
        say(f"seed:   {v['name']:14} type {v['type']} {v['host']} attached to {where}")
    took = time.monotonic() - t0
    say(f"seed: {len(report['servers'])} servers, {len(report['volumes'])} volumes ({took:.1f}s)")
    return report


def clean(user: str = "admin") -> None:
    """Delete every ``seed-*`` server and ``seed-vol-*`` volume (volumes once detached)."""
    nova, cinder = clients(user)
    servers = [s for s in nova.servers.list(search_opts={"all_tenants": True}) if s.name.startswith("seed-")]
    for server in servers:
        nova.servers.delete(server.id)
        say(f"seed: deleting server {server.name}")

    def gone():
        left = [s for s in nova.servers.list(search_opts={"all_tenants": True}) if s.name.startswith("seed-")]
        return not left

    if servers:
        wait_for("seed servers deleted", gone, timeout=120)
    vols = [v for v in cinder.volumes.list(search_opts={"all_tenants": True}) if v.name.startswith("seed-vol-")]
    for vol in vols:
        wait_for(f"{vol.name} detached", lambda v=vol: cinder.volumes.get(v.id).status != "in-use", timeout=120)
        cinder.volumes.delete(vol.id)
        say(f"seed: deleting volume {vol.name}")


def _attached(cinder, names: list[str], attached: list[str]):
    """A check for :func:`wait_for`: the volumes ``attached`` are in-use."""

    def check():
        found = {v.name: v for v in cinder.volumes.list(search_opts={"all_tenants": True})}
        mine = [found[n] for n in names if n in found]
        if any(v.status.startswith("error") for v in mine):
            raise DevCloudError("a volume went to error while attaching")
        return mine if all(found[n].status == "in-use" for n in attached) else None

    return check
