"""File-backed Cinder volume driver for the vmove dev cloud (no LVM, no iSCSI).

This module runs *inside* the Cinder processes (it is put on their
``PYTHONPATH``); vmove itself never imports it.

Each volume is a sparse file ``<file_volume_dir>/volume-<name_id>``.
``initialize_connection`` returns a ``local`` connection (os-brick's
LocalConnector, ``data.device_path`` = the file), so Cinder's generic,
host-assisted migration attaches both volumes on the cinder-volume host and
copies them with ``dd``.  ``migrate_volume`` and ``retype`` stay at the base
class's "not supported": every migrate/retype takes the generic path that
multi-vendor clouds hit (scheduler -> create on the destination backend ->
copy -> ``migrate_volume_completion`` -> swap of the DB records).

Fault injection: the JSON file named by ``file_faults_path`` maps a backend
(``volume_backend_name`` section, e.g. ``a2``) to faults::

    {"a2": {"fail-create": true, "delay-create": 3.0, "fail-connect": true}}

It is read on every operation, so faults take effect without a restart.
"""

import json
import os
import shutil
import time

from cinder.volume import configuration, driver
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

file_opts = [
    cfg.StrOpt("file_volume_dir", help="Directory holding this backend's volume files."),
    cfg.IntOpt("file_capacity_gb", default=1000, help="Reported total capacity in GiB."),
    cfg.StrOpt("file_faults_path", help="JSON file with the injected faults (see module doc)."),
]
cfg.CONF.register_opts(file_opts, group=configuration.SHARED_CONF_GROUP)

GIB = 1 << 30


class InjectedFault(RuntimeError):
    pass


class FileVolumeDriver(driver.VolumeDriver):
    VERSION = "1.0.0"
    CI_WIKI_NAME = "none"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(file_opts)
        self._dir = self.configuration.file_volume_dir
        self.backend_name = self.configuration.safe_get("volume_backend_name") or "file"
        # the [section] of cinder.conf this driver serves: a1, a2, b ...
        self._section = self.configuration.config_group or self.backend_name

    # --- setup ----------------------------------------------------------
    def do_setup(self, context):
        os.makedirs(self._dir, exist_ok=True)

    def check_for_setup_error(self):
        if not os.path.isdir(self._dir):
            raise RuntimeError(f"missing volume directory {self._dir}")

    def _path(self, name):
        return os.path.join(self._dir, name)

    # --- fault injection ------------------------------------------------
    def _fault(self, op):
        path = self.configuration.safe_get("file_faults_path")
        if not path:
            return
        try:
            with open(path) as f:
                faults = json.load(f).get(self._section) or {}
        except (OSError, ValueError):
            return
        delay = faults.get(f"delay-{op}")
        if delay:
            LOG.warning("file driver %s: injected delay of %ss in %s", self._section, delay, op)
            time.sleep(float(delay))
        if faults.get(f"fail-{op}"):
            LOG.warning("file driver %s: injected failure in %s", self._section, op)
            raise InjectedFault(f"injected failure: {op} on backend {self._section}")

    # --- stats ----------------------------------------------------------
    def _update_volume_stats(self):
        total = self.configuration.file_capacity_gb
        used = 0
        with os.scandir(self._dir) as entries:
            for e in entries:
                if e.is_file():
                    used += e.stat().st_size
        self._stats = {
            "volume_backend_name": self.backend_name,
            "vendor_name": "vmove-devcloud",
            "driver_version": self.VERSION,
            "storage_protocol": "local",
            "total_capacity_gb": total,
            "free_capacity_gb": max(total - used // GIB, 0),
            "reserved_percentage": 0,
            "QoS_support": False,
            "thin_provisioning_support": True,
            "thick_provisioning_support": False,
            "max_over_subscription_ratio": 20.0,
            "multiattach": False,
            # dd conv=sparse on migration: destination files stay sparse
            "sparse_copy_volume": True,
        }

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats

    # --- volumes and snapshots -----------------------------------------
    def create_volume(self, volume):
        self._fault("create")
        with open(self._path(volume.name), "wb") as f:
            f.truncate(volume.size * GIB)
        LOG.info("file driver %s: created %s", self._section, volume.name)

    def delete_volume(self, volume):
        self._fault("delete")
        try:
            os.unlink(self._path(volume.name))
        except FileNotFoundError:
            pass

    def extend_volume(self, volume, new_size):
        with open(self._path(volume.name), "r+b") as f:
            f.truncate(new_size * GIB)

    def _copy(self, src, volume, size):
        self._fault("create")
        shutil.copyfile(src, self._path(volume.name))
        if volume.size > size:
            self.extend_volume(volume, volume.size)

    def create_cloned_volume(self, volume, src_vref):
        self._copy(self._path(src_vref.name), volume, src_vref.size)

    def create_snapshot(self, snapshot):
        shutil.copyfile(self._path(snapshot.volume.name), self._path(snapshot.name))

    def delete_snapshot(self, snapshot):
        try:
            os.unlink(self._path(snapshot.name))
        except FileNotFoundError:
            pass

    def create_volume_from_snapshot(self, volume, snapshot):
        self._copy(self._path(snapshot.name), volume, snapshot.volume_size)

    # --- export / connection -------------------------------------------
    def ensure_export(self, context, volume):
        pass

    def create_export(self, context, volume, connector):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        self._fault("connect")
        return {
            "driver_volume_type": "local",
            "data": {"device_path": self._path(volume.name), "access_mode": "rw"},
        }

    def terminate_connection(self, volume, connector, **kwargs):
        pass
