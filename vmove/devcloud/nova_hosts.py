"""Host failures and fake driver controls of the dev cloud's Nova (see nova.py): a mixin of :class:`nova.Nova`.

``fail_host`` / ``restore_host`` kill and bring back a host's nova-compute; the controls are files the
fake virt driver (``peers/vmove_fake_virt.py``) reads at each operation.
"""

from __future__ import annotations

import pathlib
import signal
import time

from vmove.devcloud.base import DevCloudError, say

#: What ``inject_failure`` can break (see peers/vmove_fake_virt.py).
FAULT_OPS = ("live_migration", "live_migration_precheck", "cold_migration", "spawn")


class NovaHosts:
    """Failing and restoring compute hosts; live migration durations and injected failures."""

    # --- host failure ----------------------------------------------------
    def fail_host(self, host: str, lose_guests: bool = False) -> None:
        """Kill ``host``'s nova-compute (SIGKILL) and force its service down, so Nova allows evacuation.

        ``lose_guests``: the fake hypervisor forgets its guests too (a crashed
        hypervisor); by default they are still there when the host comes back.
        """
        self._check_host(host)
        self.cloud.stop(self.compute_proc(host), grace=0, sig=signal.SIGKILL)
        if lose_guests:
            (self.layout.state(host) / "fake_guests.json").unlink(missing_ok=True)
        service = self.compute_service(host)
        self.api("PUT", f"/os-services/{service['id']}", {"forced_down": True}, microversion="2.53")
        say(f"nova: {host} failed (nova-compute killed, service forced down)")

    def restore_host(self, host: str, timeout: float = 120) -> float:
        """Restart ``host``'s nova-compute and unset forced_down once Nova allows it.

        Nova refuses while 'done' evacuation records of the host remain: the
        restarted compute cleans the evacuated guests and completes them.
        Returns the seconds it took.
        """
        self._check_host(host)
        t0 = time.monotonic()
        proc = self.compute_proc(host)
        self._wait_ready(self._spawn([proc]), timeout=timeout)
        deadline = t0 + timeout
        service_id = self.compute_service(host)["id"]
        while True:
            if not self.cloud.running(proc):
                raise DevCloudError(f"nova-compute of {host} exited; end of its log:\n{self._log_tail(proc)}")
            try:
                self.api("PUT", f"/os-services/{service_id}", {"forced_down": False}, microversion="2.53")
                if self.compute_service(host)["state"] == "up":
                    break
            except DevCloudError as exc:
                if "HTTP 400" not in str(exc) or time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise DevCloudError(f"{host} did not come back up within {timeout:.0f}s")
            time.sleep(0.5)
        took = time.monotonic() - t0
        say(f"nova: {host} restored ({took:.1f}s)")
        return took

    def restore_and_enable(self, host: str, timeout: float = 120) -> float:
        """:meth:`restore_host`, then enable its nova-compute if a recovery (vmove's, Masakari's) left it
        disabled, whatever happened to the restore."""
        try:
            return self.restore_host(host, timeout=timeout)
        finally:
            service = self.compute_service(host)
            if service["status"] == "disabled":
                self.api("PUT", f"/os-services/{service['id']}", {"status": "enabled"}, microversion="2.53")

    def compute_service(self, host: str) -> dict:
        """The ``os-services`` record of ``host``'s nova-compute (microversion 2.53: uuid ids)."""
        found = self.api("GET", f"/os-services?binary=nova-compute&host={host}", microversion="2.53")["services"]
        if not found:
            raise DevCloudError(f"no nova-compute service for {host}")
        return found[0]

    def _check_host(self, host: str) -> None:
        if host not in self.hosts:
            raise DevCloudError(f"unknown host {host!r}; this Nova has {', '.join(self.hosts)}")

    # --- fake driver controls -------------------------------------------
    # Plain files under data/nova/control, read by the fake driver at each
    # operation: no restart needed.  A server-scoped control does not disturb
    # other test sessions sharing the dev cloud; a host-scoped one does.
    def _control(self, name: str, host: str | None, server: str | None) -> pathlib.Path:
        if host and server:
            raise ValueError("give a host or a server, not both")
        if host:
            self._check_host(host)
            return self.layout.control / host / name
        if server:
            return self.layout.control / "servers" / server / name
        return self.layout.control / name

    def set_live_migration_seconds(
        self, seconds: float | None, host: str | None = None, server: str | None = None
    ) -> None:
        """How long a live migration of ``server``, or leaving ``host``, or any, stays 'running'.

        The most specific setting wins.  ``seconds=None`` removes the setting
        (with neither host nor server: every setting); the default is 0.
        """
        path = self._control("live_migration_seconds", host, server)
        if seconds is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{float(seconds)}\n")
        elif host or server:
            path.unlink(missing_ok=True)
        else:
            for found in self.layout.control.rglob("live_migration_seconds"):
                found.unlink(missing_ok=True)

    def inject_failure(self, host: str | None, op: str, times: int | None = 1, server: str | None = None) -> None:
        """Make the next ``times`` ``op`` (one of FAULT_OPS) on ``host``, or of ``server``, fail.

        ``times=None``: until cleared.  See peers/vmove_fake_virt.py for what
        each failure looks like from the API.
        """
        if op not in FAULT_OPS:
            raise ValueError(f"unknown fault {op!r}; known: {', '.join(FAULT_OPS)}")
        if not (host or server):
            raise ValueError("inject_failure needs a host or a server")
        path = self._control(f"fail_{op}", host, server)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("always" if times is None else str(int(times)))

    def clear_failures(self, host: str | None = None, server: str | None = None) -> None:
        """Remove injected failures: of ``host``, of ``server``, or (neither) all of them."""
        pattern = f"{host}/fail_*" if host else f"servers/{server}/fail_*" if server else "**/fail_*"
        for path in self.layout.control.glob(pattern):
            path.unlink(missing_ok=True)
