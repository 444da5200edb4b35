"""``vmove-devcloud``: bring the dev cloud (real Keystone, Nova, Cinder) up and down.

Sub-commands: ``up``, ``down``, ``status``, ``env``, ``fail-host``,
``restore-host``, ``seed``.  Runs in vmove's own venv; every peer runs in its
own venv under the state directory (``$VMOVE_DEVCLOUD_DIR``, by default
``~/.local/state/vmove/devcloud``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import concurrent.futures
import contextlib
import importlib
import json
import os
import pathlib
import signal
import sys
import time

from vmove.devcloud import base, envfmt, infra, keystone, owners
from vmove.devcloud.base import PORTS, USERS, DevCloud, DevCloudError, say
from vmove.devcloud.envfmt import render_env  # noqa: F401 - part of this module's interface

COMPONENTS = ("keystone", "nova", "cinder", "horizon")
#: peers started only when asked for (``up --with masakari``, ``--only masakari``), after the others
OPTIONAL = ("masakari",)
DEFAULT_HOSTS = 3
#: ports that are not the dev cloud's own (vmove runs its API there itself)
NOT_OURS = ("vmove-api",)


# --- components --------------------------------------------------------------
def state_file(cloud: DevCloud) -> pathlib.Path:
    return cloud.root / "devcloud.json"


def read_state(cloud: DevCloud) -> dict:
    try:
        return json.loads(state_file(cloud).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def write_state(cloud: DevCloud, **changes) -> None:
    state = read_state(cloud) | changes
    state_file(cloud).write_text(json.dumps(state, indent=1, sort_keys=True))


def load(name: str, cloud: DevCloud, hosts: int | None = None) -> base.Component | str:
    """The component ``name``, or a string saying why it cannot be had (module not written yet)."""
    if name == "keystone":
        return keystone.Keystone(cloud)
    module_name = f"vmove.devcloud.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        return f"vmove/devcloud/{name}.py is not there yet"
    if name == "nova":
        return module.Nova(cloud, hosts=hosts or read_state(cloud).get("hosts", DEFAULT_HOSTS))
    return getattr(module, name.capitalize())(cloud)


def load_all(cloud: DevCloud, names=COMPONENTS, hosts: int | None = None):
    comps: dict[str, base.Component] = {}
    missing: dict[str, str] = {}
    for name in names:
        comp = load(name, cloud, hosts)
        if isinstance(comp, str):
            missing[name] = comp
        else:
            comps[name] = comp
    return comps, missing


def parallel(label: str, jobs: dict[str, Callable[[], object]], every: float = 20.0) -> dict[str, BaseException]:
    """Run ``jobs`` in threads, saying every ``every`` s which are still running; return the failures."""
    if not jobs:
        return {}
    failures: dict[str, BaseException] = {}
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        futures = {pool.submit(fn): name for name, fn in jobs.items()}
        pending = set(futures)
        while pending:
            done, pending = concurrent.futures.wait(pending, timeout=every)
            for fut in done:
                if fut.exception() is not None:
                    failures[futures[fut]] = fut.exception()
            if pending:
                names = ", ".join(sorted(futures[f] for f in pending))
                say(f"{label}: still working on {names} ({time.monotonic() - t0:.0f}s)")
    return failures


# --- up ------------------------------------------------------------------------
def bring_up(
    cloud: DevCloud, names=COMPONENTS, hosts: int | None = None, fresh: bool = False
) -> tuple[dict[str, base.Component], dict[str, str]]:
    """Install and start ``names``; return (components up, {name: problem}).

    Keystone comes first (the others authenticate against it); Nova and
    Cinder then start side by side.  Raises DevCloudError if Keystone or the
    machine services fail; a failing Nova or Cinder is reported in the result.
    """
    t0 = time.monotonic()
    hosts = hosts or read_state(cloud).get("hosts", DEFAULT_HOSTS)
    comps, problems = load_all(cloud, names, hosts)
    for name, why in problems.items():
        say(f"up: {name} skipped: {why}")
    say(
        f"up: {', '.join(comps) or 'nothing'} in {cloud.root}"
        + (f" ({hosts} compute hosts)" if "nova" in comps else "")
    )
    jobs = {n: c.install for n, c in comps.items()}
    if set(comps) & {"nova", "cinder"}:
        say("infra: checking RabbitMQ and PostgreSQL")
        jobs["infra"] = infra.ensure  # may apt-get install: side by side with the venvs
    failures = parallel("install", jobs)
    for name in ("infra", "keystone"):
        if name in failures:
            raise DevCloudError(f"{name}: {failures[name]}")
    if fresh:  # after the install: a component may need its venv to forget its state
        for name in reversed(list(comps)):
            if name not in failures:
                say(f"up: --fresh: removing the state of {name}")
                comps[name].reset()
    if "keystone" in comps:
        comps["keystone"].start()
    elif not base.port_open(PORTS["keystone"]):
        raise DevCloudError("keystone is not running and not selected: run `vmove-devcloud up --only keystone`")
    write_state(cloud, hosts=hosts)
    for name in [n for n in comps if n in owners.COMPONENT_PORTS and n not in failures]:
        taken = owners.foreign_ports(cloud, name)
        if taken:
            failures[name] = DevCloudError(taken)
    others = {n: c.start for n, c in comps.items() if n not in ("keystone", *OPTIONAL) and n not in failures}
    failures |= parallel("start", others)
    # the optional peers use the others (Masakari: Nova's hosts for its segment)
    failures |= parallel("start", {n: c.start for n, c in comps.items() if n in OPTIONAL and n not in failures})
    for name, exc in failures.items():
        problems[name] = f"{type(exc).__name__}: {exc}"
        comps.pop(name, None)
        say(f"up: {name} FAILED: {exc}")
    say(f"up: {', '.join(comps) or 'nothing'} up in {time.monotonic() - t0:.1f}s")
    return comps, problems


def cmd_up(args) -> int:
    t0 = time.monotonic()
    cloud = DevCloud()
    names = _names(args.only, args.with_)
    comps, problems = bring_up(cloud, names, args.hosts, args.fresh)
    print()
    print(f"dev cloud in {cloud.root}; total {time.monotonic() - t0:.1f}s")
    print(f"  keystone: {keystone.AUTH_URL} (users: {', '.join(USERS)})")
    print("  credentials: eval $(vmove-devcloud env --user admin)")
    if "horizon" in comps:
        print("  " + envfmt.horizon_logins().rstrip().replace("\n", "\n  "))
    for name, why in problems.items():
        print(f"  NOT UP: {name}: {why}")
    return 1 if problems else 0


def _names(only: str | None, with_: str | None = None) -> tuple[str, ...]:
    names = tuple(n.strip() for n in (only or ",".join(COMPONENTS)).split(",") if n.strip())
    names += tuple(n.strip() for n in (with_ or "").split(",") if n.strip())
    unknown = [n for n in names if n not in COMPONENTS + OPTIONAL]
    if unknown:
        choices = ", ".join(COMPONENTS + OPTIONAL)
        raise DevCloudError(f"unknown component(s) {', '.join(unknown)}; choose from {choices}")
    return tuple(n for n in COMPONENTS + OPTIONAL if n in names)  # always in dependency order


# --- down ----------------------------------------------------------------------
def listening(include_not_ours: bool = False) -> dict[str, list[int]]:
    """Dev cloud ports that something listens on -> pids holding them."""
    return {
        name: base.port_owners(port)
        for name, port in PORTS.items()
        if (include_not_ours or name not in NOT_OURS) and base.port_open(port)
    }


def bring_down(cloud: DevCloud, names=COMPONENTS + OPTIONAL) -> dict[str, list[int]]:
    """Stop ``names`` by pid (Nova and Cinder first); return the ports still listening."""
    comps, _ = load_all(cloud, names)
    for name in reversed(list(comps)):
        if comps[name].status():
            say(f"down: stopping {name}")
        comps[name].stop()
    if tuple(names) == COMPONENTS + OPTIONAL:
        for proc in cloud.procs():
            say(f"down: stopping {proc} (not claimed by a component)")
            cloud.stop(proc)
        strays = owners.venv_processes(cloud)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in strays:
                say(f"down: {signal.Signals(sig).name} to pid {pid} (a program of the dev cloud's venvs)")
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 3
            while strays and time.monotonic() < deadline:
                time.sleep(0.1)
                strays = [p for p in strays if pathlib.Path(f"/proc/{p}").exists() and not owners.zombie(p)]
    deadline = time.monotonic() + 5
    left = listening()
    while any(not owners.foreign(cloud, pids) for pids in left.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
        left = listening()
    return left


def cmd_down(args) -> int:
    t0 = time.monotonic()
    cloud = DevCloud()
    left = bring_down(cloud)
    failed = False
    for name, pids in left.items():
        if owners.foreign(cloud, pids):
            owner = ", ".join(sorted({str(owners.state_dir_of(pid)) for pid in pids}))
            print(f"note: {name} port {PORTS[name]} belongs to the dev cloud of {owner}: left alone")
        else:
            print(f"STILL LISTENING: {name} port {PORTS[name]} (pids {pids or '?'})")
            failed = True
    if failed:
        return 1
    checked = ", ".join(str(PORTS[n]) for n in PORTS if n not in NOT_OURS)
    print(f"dev cloud of {cloud.root} down in {time.monotonic() - t0:.1f}s (ports checked: {checked})")
    extra = {n: pids for n, pids in listening(include_not_ours=True).items() if n in NOT_OURS}
    for name in extra:
        print(f"note: {name} port {PORTS[name]} is in use; it is not the dev cloud's (pids {extra[name]})")
    print("RabbitMQ and PostgreSQL are machine services: left running")
    return 0


# --- status ----------------------------------------------------------------------
def cmd_status(args) -> int:
    cloud = DevCloud()
    comps, missing = load_all(cloud, COMPONENTS + OPTIONAL)
    print(f"state dir: {cloud.root}")
    running = dead = 0
    for name in COMPONENTS + OPTIONAL:
        if name in missing:
            print(f"{name:10} -- {missing[name]}")
            continue
        st = comps[name].status()
        if not st:
            print(f"{name:10} stopped")
        for proc, ok in st.items():
            pid = cloud.pid(proc)
            print(f"{name:10} {proc:28} {'running' if ok else 'DEAD':8} {f'pid {pid}' if pid else ''}")
            running += ok
            dead += not ok
    ours = {cloud.pid(p) for p in cloud.procs()}
    for name, port in PORTS.items():
        state = "free"
        if base.port_open(port):
            holders = base.port_owners(port)
            state = f"listening (pids {', '.join(map(str, holders)) or '?'})"
            if holders and not any(owners.pgid(pid) in ours for pid in holders):
                state += ", not this state dir's"
        print(f"port {port:5} {name:14} {state}")
    for name, state in infra.status().items():
        print(f"{name:10} {state}")
    if comps.get("horizon") and any(comps["horizon"].status().values()):
        print(envfmt.horizon_logins().rstrip())
    if dead:
        return 1
    return 0 if running else 3


# --- env ---------------------------------------------------------------------------
def cmd_env(args) -> int:
    sys.stdout.write(envfmt.render_env(args.user, args.format))
    return 0


# --- hosts, seed ---------------------------------------------------------------------
def _nova(cloud: DevCloud):
    comp = load("nova", cloud)
    if isinstance(comp, str):
        raise DevCloudError(f"nova: {comp}")
    return comp


def cmd_fail_host(args) -> int:
    _nova(DevCloud()).fail_host(args.host)
    say(f"{args.host}: failed (its nova-compute is dead; evacuate its servers, then restore-host)")
    return 0


def cmd_restore_host(args) -> int:
    _nova(DevCloud()).restore_host(args.host)
    say(f"{args.host}: restored")
    return 0


def cmd_seed(args) -> int:
    from vmove.devcloud import seed

    if args.clean:
        seed.clean()
    else:
        seed.seed(servers=args.servers, volumes=args.volumes)
    return 0


# --- main ------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vmove-devcloud", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="install (first time) and start the dev cloud; idempotent")
    up.add_argument("--hosts", type=int, default=None, help=f"fake compute hosts (default {DEFAULT_HOSTS})")
    up.add_argument("--only", help="comma separated subset of " + ",".join(COMPONENTS + OPTIONAL))
    up.add_argument(
        "--with", dest="with_", help="optional peers to start too: " + ",".join(OPTIONAL) + " (the real Masakari)"
    )
    up.add_argument("--fresh", action="store_true", help="forget databases, volumes and keys first")
    up.set_defaults(fn=cmd_up)
    sub.add_parser("down", help="stop every process of the dev cloud, by pid").set_defaults(fn=cmd_down)
    sub.add_parser("status", help="what runs, what listens").set_defaults(fn=cmd_status)
    env = sub.add_parser("env", help="credentials: openrc, clouds.yaml, a vmove.conf snippet; Horizon's logins")
    env.add_argument("--user", choices=sorted(USERS), help="default: admin (vmove for vmove-conf, all for clouds-yaml)")
    env.add_argument("--format", choices=envfmt.FORMATS, default="openrc")
    env.set_defaults(fn=cmd_env)
    fail = sub.add_parser("fail-host", help="kill a fake compute host (for evacuations)")
    fail.add_argument("host")
    fail.set_defaults(fn=cmd_fail_host)
    restore = sub.add_parser("restore-host", help="bring a failed compute host back")
    restore.add_argument("host")
    restore.set_defaults(fn=cmd_restore_host)
    seed = sub.add_parser("seed", help="flavors, servers with metadata, volumes (some attached)")
    seed.add_argument("--servers", type=int, default=6)
    seed.add_argument("--volumes", type=int, default=4)
    seed.add_argument("--clean", action="store_true", help="delete the seed-* servers and volumes instead")
    seed.set_defaults(fn=cmd_seed)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.fn(args)
    except DevCloudError as e:
        print(f"vmove-devcloud {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"vmove-devcloud {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
