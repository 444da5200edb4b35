"""Who holds a dev cloud port or runs a program of the dev cloud's venvs, and from which state directory.

Several state directories may exist on one machine, but the ports are the
same: ``up`` must not start what another state directory's dev cloud runs,
and ``down`` must not stop it.
"""

from __future__ import annotations

import contextlib
import os
import pathlib

from vmove.devcloud import base
from vmove.devcloud.base import PORTS, DevCloud

#: the ports each component listens on (keystone handles its own port)
COMPONENT_PORTS = {
    "nova": ("nova-api", "placement", "glance-stub", "neutron-stub"),
    "cinder": ("cinder-api",),
    "horizon": ("horizon",),
    "masakari": ("masakari-api",),
}


def venv_processes(cloud: DevCloud) -> list[int]:
    """Pids of processes running a program from the dev cloud's venvs (e.g. privsep daemons)."""
    prefix = str(cloud.root / "venvs") + "/"
    found = []
    for proc in pathlib.Path("/proc").glob("[0-9]*"):
        if int(proc.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            argv = (proc / "cmdline").read_bytes().split(b"\0")[:2]
            if any(a.decode(errors="replace").startswith(prefix) for a in argv):
                found.append(int(proc.name))
    return found


def foreign(cloud: DevCloud, pids: list[int]) -> bool:
    """True if ``pids`` are all programs of another dev cloud's state dir."""
    dirs = {state_dir_of(pid) for pid in pids}
    return bool(pids) and None not in dirs and str(cloud.root) not in dirs


def foreign_ports(cloud: DevCloud, name: str) -> str | None:
    """Why ``name`` cannot start here: its ports are held by processes of another state dir, or None."""
    ours = {cloud.pid(p) for p in cloud.procs()}
    taken = []
    for port_name in COMPONENT_PORTS.get(name, ()):
        port = PORTS[port_name]
        owners = base.port_owners(port) if base.port_open(port) else []
        if owners and not any(pgid(pid) in ours for pid in owners):
            where = {state_dir_of(pid) for pid in owners} - {None}
            taken.append(f"{port} ({port_name}: pids {owners}{', state dir ' + ', '.join(where) if where else ''})")
    if not taken:
        return None
    return (
        f"port(s) {'; '.join(taken)} already in use by another dev cloud or program; "
        f"stop it first (VMOVE_DEVCLOUD_DIR=<its state dir> vmove-devcloud down)"
    )


def state_dir_of(pid: int) -> str | None:
    """The dev cloud state dir a process runs from (a program of ``<state>/venvs/``), if any."""
    with contextlib.suppress(OSError):
        for arg in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:2]:
            text = arg.decode(errors="replace")
            if "/venvs/" in text:
                return text.split("/venvs/", 1)[0]
    return None


def pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return False
