"""pytest fixtures for tests against the dev cloud.

Import them in a conftest.py::

    from vmove.devcloud.fixtures import devcloud, devcloud_keystone  # noqa: F401

``devcloud_keystone`` (session scope) brings up Keystone only (about 10 s
with its venv present); ``devcloud`` (session scope) Nova and Cinder too;
``devcloud_horizon`` (session scope) also Horizon with this checkout's
dashboard plugin.  Both
return a :class:`CloudInfo`.  What a test session starts it stops at the end,
when no other test session (pytest-xdist workers included) still uses it;
what was already running is left alone.  ``VMOVE_DEVCLOUD_KEEP=1`` keeps
everything running for the next run.

Under ``CI=true`` a peer that cannot be brought up fails the tests that need
it; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import pathlib
import signal
import threading

import pytest

from vmove.devcloud import base, cli, keystone
from vmove.devcloud.base import USERS


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(msg: str):
    """Fail under CI, skip elsewhere."""
    if in_ci():
        pytest.fail(f"dev cloud: {msg}", pytrace=False)
    pytest.skip(f"dev cloud: {msg}")


@dataclasses.dataclass
class CloudInfo:
    """What a test needs to reach the dev cloud the way vmove does."""

    cloud: base.DevCloud
    components: dict[str, base.Component] = dataclasses.field(default_factory=dict)
    problems: dict[str, str] = dataclasses.field(default_factory=dict)
    auth_url: str = keystone.AUTH_URL
    region: str = keystone.REGION
    #: name -> (password, project, roles), as in base.USERS
    users: dict = dataclasses.field(default_factory=lambda: dict(USERS))
    _sessions: dict = dataclasses.field(default_factory=dict, repr=False)

    def password(self, user: str) -> str:
        return self.users[user][0]

    def credentials(self, user: str = "admin") -> dict[str, str]:
        """keystoneauth1 password options of ``user``."""
        return keystone.credentials(user)

    def session(self, user: str = "admin"):
        """A keystoneauth1 Session of ``user`` (password auth, project scope), one per user."""
        if user not in self._sessions:
            self._sessions[user] = keystone.session(user)
        return self._sessions[user]

    def token(self, user: str = "admin") -> str:
        return self.session(user).get_token()

    def nova(self, user: str = "admin", version: str = "2.96"):
        """python-novaclient on ``user``'s session; endpoint from the catalog."""
        from novaclient import client

        return client.Client(version, session=self.session(user), region_name=self.region)

    def cinder(self, user: str = "admin", version: str = "3.71"):
        """python-cinderclient on ``user``'s session; endpoint from the catalog (volumev3)."""
        from cinderclient import client

        return client.Client(version, session=self.session(user), region_name=self.region)

    def require(self, *names: str) -> None:
        """Fail (CI) or skip the calling test unless the components ``names`` are up."""
        for name in names:
            if name not in self.components:
                unavailable(f"{name} is not up: {self.problems.get(name, 'not requested')}")

    def component(self, name: str) -> base.Component:
        self.require(name)
        return self.components[name]


class Leases:
    """Which processes (test sessions) use which component, and what test sessions started.

    ``<state>/leases/<component>.<pid>`` says process pid uses the component;
    ``<state>/leases/started-<component>`` says a test session started it, so
    the last user stops it.  All changes happen under an exclusive lock on
    ``<state>/leases.lock``, which is also held while a component comes up,
    so that parallel workers do not start the same thing twice.
    """

    def __init__(self, cloud: base.DevCloud):
        self.dir = cloud.root / "leases"
        self.dir.mkdir(exist_ok=True)
        self.lockfile = cloud.root / "leases.lock"

    @contextlib.contextmanager
    def locked(self):
        with open(self.lockfile, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def join(self, names, started) -> None:
        for name in names:
            (self.dir / f"{name}.{os.getpid()}").touch()
        for name in started:
            (self.dir / f"started-{name}").touch()

    def leave(self, names) -> list[str]:
        """Drop this process's leases; return the components to stop now."""
        to_stop = []
        for name in names:
            (self.dir / f"{name}.{os.getpid()}").unlink(missing_ok=True)
            users = [p for p in self.dir.glob(f"{name}.*") if _alive(p)]
            marker = self.dir / f"started-{name}"
            if not users and marker.exists():
                marker.unlink()
                to_stop.append(name)
        return to_stop

    def disown(self, names) -> None:
        for name in names:
            (self.dir / f"started-{name}").unlink(missing_ok=True)


def _alive(lease: pathlib.Path) -> bool:
    try:
        os.kill(int(lease.suffix[1:]), 0)
    except (ValueError, ProcessLookupError):
        lease.unlink(missing_ok=True)  # its test session is gone
        return False
    except PermissionError:
        return True
    return True


def _up(comp: base.Component) -> bool:
    st = comp.status()
    return bool(st) and all(st.values())


def _sigterm_tears_down() -> None:
    """Make SIGTERM (``timeout pytest ...``) a KeyboardInterrupt, so that pytest still runs the
    session teardown and stops what it started, instead of leaving the cloud behind."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) in (
        signal.SIG_DFL,
        None,
    ):
        signal.signal(signal.SIGTERM, interrupt)


def provide(names: tuple[str, ...], info: CloudInfo | None = None):
    """Generator behind the fixtures: bring ``names`` up, yield a CloudInfo, then stop what it started."""
    cloud = info.cloud if info else base.DevCloud()
    info = info if info is not None else CloudInfo(cloud)
    leases = Leases(cloud)
    _sigterm_tears_down()
    with leases.locked():
        comps, missing = cli.load_all(cloud, names)
        before = {n for n, c in comps.items() if _up(c)}
        try:
            up, problems = cli.bring_up(cloud, names)
        except Exception as e:  # DevCloudError, or a bug in a peer: the tests report it
            up, problems = {}, {n: f"{type(e).__name__}: {e}" for n in names}
        problems.update({n: why for n, why in missing.items() if n not in problems})
        started = [n for n in comps if n not in before]
        leases.join(names, started)
    info.components.update(up)
    info.problems.update(problems)
    if started:
        # a token carries the catalog of when it was issued: a peer that just registered its endpoints
        # (Masakari's region) is found only with new ones
        info._sessions.clear()
    try:
        yield info
    finally:
        with leases.locked():
            to_stop = leases.leave(names)
            if os.environ.get("VMOVE_DEVCLOUD_KEEP") == "1":
                leases.disown(names)  # kept for the user: no later test session stops it
                to_stop = []
            for name in reversed(to_stop):
                comps[name].stop()


@pytest.fixture(scope="session")
def devcloud_keystone():
    """Keystone of the dev cloud only (fast): a CloudInfo whose ``components`` has ``keystone``."""
    gen = provide(("keystone",))
    info = next(gen)
    if "keystone" not in info.components:
        with contextlib.suppress(StopIteration):
            next(gen)
        unavailable(f"keystone did not come up: {info.problems.get('keystone')}")
    yield info
    with contextlib.suppress(StopIteration):
        next(gen)


@pytest.fixture(scope="session")
def devcloud(devcloud_keystone):
    """The whole dev cloud; tests call ``devcloud.require('nova')`` etc. for what they need."""
    gen = provide(("nova", "cinder"), devcloud_keystone)
    yield next(gen)
    with contextlib.suppress(StopIteration):
        next(gen)


@pytest.fixture(scope="session")
def devcloud_horizon(devcloud):
    """The dev cloud and its Horizon (this checkout's plugin); tests ``require('horizon')``."""
    gen = provide(("horizon",), devcloud)
    yield next(gen)
    with contextlib.suppress(StopIteration):
        next(gen)
