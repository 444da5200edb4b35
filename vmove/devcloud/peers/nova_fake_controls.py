"""Run-time controls of the dev cloud's fake virt driver (vmove_fake_virt.py): live migration durations
and injected failures, read from the files under ``$VMOVE_FAKE_VIRT_CONTROL`` (see vmove_fake_virt.py).

Runs inside Nova's own venv beside vmove_fake_virt.py (imported from this directory) and must not
import vmove.  Its name starts with ``nova_``: nova.py restarts Nova's processes when it changes.
"""

from __future__ import annotations

import contextlib
import os
import threading

from oslo_log import log as logging

# the driver's logger: its log lines read as before the driver was split
LOG = logging.getLogger("vmove_fake_virt")

CONTROL_ENV = "VMOVE_FAKE_VIRT_CONTROL"


def _control_dir() -> str | None:
    return os.environ.get(CONTROL_ENV) or None


def _control_files(name: str, host: str, server: str | None) -> list[str]:
    """Where a control ``name`` may be set, most specific first: server, host, everywhere."""
    base = _control_dir()
    if not base:
        return []
    paths = [os.path.join(base, "servers", server, name)] if server else []
    return [*paths, os.path.join(base, host, name), os.path.join(base, name)]


def live_migration_seconds(host: str, server: str | None = None) -> float:
    """Duration of a live migration of ``server`` leaving ``host``."""
    for path in _control_files("live_migration_seconds", host, server):
        try:
            with open(path) as f:
                return max(0.0, float(f.read().strip() or 0))
        except (OSError, ValueError):
            continue
    try:
        return max(0.0, float(os.environ.get("FAKE_LIVE_MIGRATION_SECONDS", "0")))
    except ValueError:
        return 0.0


_fault_lock = threading.Lock()


def take_fault(host: str, op: str, server: str | None = None) -> bool:
    """True if a failure of ``op`` was injected for ``server`` or ``host`` (and use it up)."""
    for path in _control_files("fail_" + op, host, server)[:-1]:  # no machine-wide failures
        with _fault_lock:
            try:
                with open(path) as f:
                    content = f.read().strip()
            except OSError:
                continue
            if content != "always":
                try:
                    left = int(content or 1) - 1
                except ValueError:
                    left = 0
                with contextlib.suppress(OSError):
                    if left > 0:
                        with open(path, "w") as f:
                            f.write(str(left))
                    else:
                        os.unlink(path)
        LOG.warning("vmove_fake_virt: injected failure of %s on %s (server %s)", op, host, server)
        return True
    return False
