"""The guests of the dev cloud's fake virt driver (vmove_fake_virt.py), kept in a JSON file so that a
restarted nova-compute finds them.

Runs inside Nova's own venv beside vmove_fake_virt.py (imported from this directory) and must not
import vmove.  Its name starts with ``nova_``: nova.py restarts Nova's processes when it changes.
"""

from __future__ import annotations

import json
import os
import threading

from oslo_log import log as logging

# the driver's logger: its log lines read as before the driver was split
LOG = logging.getLogger("vmove_fake_virt")


class GuestTable(dict):
    """The fake hypervisor's guests ({uuid: FakeInstance}), saved on change."""

    def __init__(self, path: str | None):
        super().__init__()
        self.path = path
        self.sizes: dict[str, tuple[int, int, int]] = {}
        self.lock = threading.RLock()

    def load(self) -> dict:
        if not self.path or not os.path.exists(self.path):
            return {}
        try:
            with open(self.path) as f:
                return json.load(f)
        except (OSError, ValueError):
            LOG.warning("vmove_fake_virt: unreadable %s, starting empty", self.path)
            return {}

    def save(self) -> None:
        if not self.path:
            return
        with self.lock:
            data = {
                uuid: {"name": g.name, "state": g.state, "size": self.sizes.get(uuid, (0, 0, 0))}
                for uuid, g in self.items()
            }
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(data, f)
            os.replace(tmp, self.path)

    def __setitem__(self, key, value):
        with self.lock:
            super().__setitem__(key, value)
            self.save()

    def __delitem__(self, key):
        with self.lock:
            super().__delitem__(key)
            self.sizes.pop(key, None)
            self.save()

    def pop(self, key, *default):
        with self.lock:
            value = super().pop(key, *default)
            self.sizes.pop(key, None)
            self.save()
            return value
