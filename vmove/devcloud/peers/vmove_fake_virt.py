"""Fake virt driver for the dev cloud's real nova-compute processes.

Loaded into nova-compute by ``nova_launch.py``, which registers this module as
``nova.virt.vmove_fake_virt`` (Nova only loads ``nova.virt.<compute_driver>``);
nova.conf then says ``compute_driver = vmove_fake_virt.FakeVirtDriver``.
It runs inside Nova's own venv and must not import vmove.
Its run-time controls are read by ``nova_fake_controls.py`` and its guests kept
by ``nova_fake_guests.py``, imported from this same directory.

What it fixes in ``nova.virt.fake``:

* ``FakeDriver`` finishes a live migration but leaves the guest on the source
  "hypervisor": a later move back fails with ``InstanceExists``.  Here
  ``post_live_migration`` destroys the source copy.
* ``FakeLiveMigrateDriver`` always takes ~5 s and keeps one abort flag for the
  whole host.  Here the duration is tunable (0 = instant) and the flags are
  per instance.
* ``FakeDriver`` invents a random node UUID in every process, so a restarted
  nova-compute refuses to start.  Here the node identity is the stable one of
  ``FakeDriverWithoutFakeNodes`` (``$state_path/compute_id``).
* the guest list lived in memory only; here it is kept in
  ``$state_path/fake_guests.json`` so that a restarted nova-compute finds its
  guests running, as with a real hypervisor whose agent restarted.
* ``get_host_uptime`` is implemented and reported in the node stats, so
  ``GET /os-hypervisors/detail`` never makes an RPC to a dead compute.

While a live migration runs, the migration record gets ``memory_total_bytes``
/ ``memory_processed_bytes`` / ``memory_remaining_bytes`` (and the instance
``progress``) updated about twice a second, as the libvirt driver does.

Run-time controls, read from the directory ``$VMOVE_FAKE_VIRT_CONTROL``
(plain files, written by ``vmove.devcloud.nova.Nova``; nothing needs a restart):

* ``live_migration_seconds``, ``<host>/live_migration_seconds`` or
  ``servers/<uuid>/live_migration_seconds`` (the most specific wins): how long
  a live migration of that server, or leaving that host, stays ``running``
  (float, default ``$FAKE_LIVE_MIGRATION_SECONDS`` or 0).  During that time
  abort and force-complete work.
* ``<host>/fail_<op>`` or ``servers/<uuid>/fail_<op>``: make the next ``<op>``
  on ``<host>``, or of that server wherever it runs, fail.  The file holds how many times
  (default 1; ``always`` = until removed):

  - ``fail_live_migration`` (source): the transfer fails after its duration,
    migration ``failed``, server stays ACTIVE on the source;
  - ``fail_live_migration_precheck`` (destination): the destination check
    fails (``MigrationPreCheckError``), migration ``error``;
  - ``fail_cold_migration`` (source): ``migrate_disk_and_power_off`` fails,
    migration ``error``, server stays ACTIVE on the source;
  - ``fail_spawn`` (destination): building a guest (boot, evacuate, rebuild)
    fails.
"""

from __future__ import annotations

import os
import threading
import time

from nova import exception
from nova.compute import power_state
import nova.conf
from nova.virt import fake
from nova_fake_controls import live_migration_seconds, take_fault
from nova_fake_guests import GuestTable
from oslo_log import log as logging

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

GUESTS_FILE = "fake_guests.json"
PROGRESS_INTERVAL = 0.5
POLL = 0.05
BOOT_TIME = time.time()


def _device_path(connection_info) -> str | None:
    data = (connection_info or {}).get("data") or {}
    return data.get("device_path")


def _sparse_copy(src: str, dst: str, chunk: int = 1 << 20) -> None:
    """Copy the data of ``src`` into ``dst`` (a new, zeroed volume at least as large), skipping holes."""
    with open(src, "rb") as fin, open(dst, "r+b") as fout:
        for start, end in _data_extents(fin.fileno(), os.path.getsize(src)):
            fin.seek(start)
            fout.seek(start)
            left = end - start
            while left > 0:
                block = fin.read(min(chunk, left))
                if not block:
                    break
                fout.write(block)
                left -= len(block)


def _data_extents(fd: int, size: int):
    """(start, end) of the regions of the file that hold data."""
    if not hasattr(os, "SEEK_DATA"):
        yield 0, size
        return
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError:  # ENXIO: nothing but a hole after offset
            return
        end = os.lseek(fd, start, os.SEEK_HOLE)
        yield start, end
        offset = end


class _LiveMigration:
    """Per-instance state of a running live migration."""

    def __init__(self):
        self.done = threading.Event()
        self.aborted = False


class FakeVirtDriver(fake.FakeDriverWithoutFakeNodes):
    """A stable, restartable fake hypervisor with tunable live migrations."""

    def __init__(self, virtapi, read_only=False):
        super().__init__(virtapi, read_only)
        self._lm: dict[str, _LiveMigration] = {}
        self._lm_lock = threading.Lock()
        path = os.path.join(CONF.state_path, GUESTS_FILE) if CONF.state_path else None
        self.instances = GuestTable(path)

    # --- identity and host info --------------------------------------
    def init_host(self, host):
        super().init_host(host)
        table = self.instances
        for uuid, saved in table.load().items():
            vcpus, mem, disk = saved.get("size", (0, 0, 0))
            self.resources.claim(vcpus=vcpus, mem=mem, disk=disk)
            table.sizes[uuid] = (vcpus, mem, disk)
            dict.__setitem__(table, uuid, fake.FakeInstance(saved["name"], saved["state"], uuid))
        if table:
            LOG.info("vmove_fake_virt: %d guest(s) still on %s", len(table), host)

    def get_host_uptime(self):
        up = int(time.time() - BOOT_TIME)
        return f" {time.strftime('%H:%M:%S')} up {up // 60} min,  0 users,  load average: 0.00, 0.00, 0.00"

    def get_available_resource(self, nodename):
        resources = super().get_available_resource(nodename)
        resources["stats"] = {"uptime": self.get_host_uptime()}
        return resources

    # --- guests ---------------------------------------------------------
    def spawn(
        self,
        context,
        instance,
        image_meta,
        injected_files,
        admin_password,
        allocations,
        network_info=None,
        block_device_info=None,
        power_on=True,
        accel_info=None,
    ):
        if take_fault(self._host, "spawn", instance.uuid):
            raise exception.InstanceDeployFailure(reason=f"vmove_fake_virt: injected spawn failure on {self._host}")
        self._place(context, instance, network_info, block_device_info, power_on)

    def _place(self, context, instance, network_info=None, block_device_info=None, power_on=True):
        """Put the guest on this fake hypervisor (no injected failure)."""
        flavor = instance.flavor
        self.instances.sizes[instance.uuid] = (flavor.vcpus, flavor.memory_mb, flavor.root_gb)
        super().spawn(
            context,
            instance,
            None,
            None,
            None,
            None,
            network_info=network_info,
            block_device_info=block_device_info,
            power_on=power_on,
        )

    def post_live_migration_at_destination(
        self, context, instance, network_info, block_migration=False, block_device_info=None
    ):
        self._place(context, instance)

    def finish_migration(
        self,
        context,
        migration,
        instance,
        disk_info,
        network_info,
        image_meta,
        resize_instance,
        allocations,
        block_device_info=None,
        power_on=True,
        share_info=None,
    ):
        self._place(context, instance, block_device_info=block_device_info, power_on=power_on)

    def _set_state(self, instance, state):
        guest = self.instances.get(instance.uuid)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        guest.state = state
        self.instances.save()

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._set_state(instance, power_state.SHUTDOWN)

    def power_on(self, context, instance, network_info, block_device_info=None, accel_info=None, share_info=None):
        super().power_on(context, instance, network_info, block_device_info, accel_info, share_info)
        self.instances.save()

    def unrescue(self, context, instance):
        self._set_state(instance, power_state.RUNNING)

    # --- volumes --------------------------------------------------------
    def swap_volume(self, context, old_connection_info, new_connection_info, instance, mountpoint, resize_to):
        """Copy the data as a hypervisor would, when both volumes are local files (dev cloud Cinder)."""
        old, new = _device_path(old_connection_info), _device_path(new_connection_info)
        if old and new and os.path.isfile(old) and os.path.isfile(new):
            _sparse_copy(old, new)
            LOG.info("vmove_fake_virt: swap_volume copied %s to %s", old, new, instance=instance)
        super().swap_volume(context, old_connection_info, new_connection_info, instance, mountpoint, resize_to)

    # --- cold migration -------------------------------------------------
    def migrate_disk_and_power_off(
        self,
        context,
        instance,
        dest,
        flavor,
        network_info,
        block_device_info=None,
        timeout=0,
        retry_interval=0,
    ):
        if take_fault(self._host, "cold_migration", instance.uuid):
            raise exception.InstanceFaultRollback(
                inner_exception=exception.MigrationError(
                    reason=f"vmove_fake_virt: injected cold migration failure on {self._host}"
                )
            )
        return super().migrate_disk_and_power_off(
            context, instance, dest, flavor, network_info, block_device_info, timeout, retry_interval
        )

    # --- live migration -------------------------------------------------
    def check_can_live_migrate_destination(
        self,
        context,
        instance,
        src_compute_info,
        dst_compute_info,
        block_migration=False,
        disk_over_commit=False,
    ):
        if take_fault(self._host, "live_migration_precheck", instance.uuid):
            raise exception.MigrationPreCheckError(
                reason=f"vmove_fake_virt: injected pre-check failure on {self._host}"
            )
        return super().check_can_live_migrate_destination(
            context, instance, src_compute_info, dst_compute_info, block_migration, disk_over_commit
        )

    def live_migration(
        self, context, instance, dest, post_method, recover_method, block_migration=False, migrate_data=None
    ):
        state = _LiveMigration()
        with self._lm_lock:
            self._lm[instance.uuid] = state
        try:
            self._transfer(instance, migrate_data, state)
        finally:
            with self._lm_lock:
                self._lm.pop(instance.uuid, None)
        if state.aborted:
            LOG.info("vmove_fake_virt: live migration aborted", instance=instance)
            recover_method(context, instance, dest, migrate_data, migration_status="cancelled")
        elif take_fault(self._host, "live_migration", instance.uuid):
            recover_method(context, instance, dest, migrate_data)
        else:
            post_method(context, instance, dest, block_migration, migrate_data)

    def _transfer(self, instance, migrate_data, state):
        """Wait for the configured duration, reporting progress."""
        seconds = live_migration_seconds(self._host, instance.uuid)
        if seconds <= 0:
            return
        migration = getattr(migrate_data, "migration", None)
        total = int(instance.flavor.memory_mb) * 1024 * 1024
        start = time.monotonic()
        next_report = start
        while not state.done.wait(POLL):
            now = time.monotonic()
            if now - start >= seconds:
                break
            if migration is not None and now >= next_report:
                next_report = now + PROGRESS_INTERVAL
                self._report(instance, migration, total, (now - start) / seconds)

    @staticmethod
    def _report(instance, migration, total, fraction):
        # Nova's API schema wants these >= 1 (or null): disk stays null (shared storage)
        processed = max(1, int(total * min(fraction, 1.0)))
        try:
            migration.memory_total = total
            migration.memory_processed = processed
            migration.memory_remaining = max(1, total - processed)
            migration.save()
            instance.progress = int(100 * processed / total) if total else 0
            instance.save()
        except Exception:  # progress is best effort, never fail the move
            LOG.debug("vmove_fake_virt: could not save progress", exc_info=True)

    def live_migration_force_complete(self, instance):
        state = self._lm.get(instance.uuid)
        if state:
            state.done.set()

    def live_migration_abort(self, instance):
        state = self._lm.get(instance.uuid)
        if state:
            state.aborted = True
            state.done.set()

    def post_live_migration(self, context, instance, block_device_info, migrate_data=None):
        # Runs on the source once the guest lives on the destination.
        self.destroy(context, instance, network_info=None, block_device_info=block_device_info)
