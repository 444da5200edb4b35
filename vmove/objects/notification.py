"""Host-failure (and host-recovered) notifications.

Their statuses and the edges between them are in
:mod:`vmove.recovery.lifecycle`.
"""

import uuid

from oslo_utils import versionutils

from vmove.objects import base, fields

#: names the uuid a host gets in Masakari's ``source_host_uuid`` (vmove has no segment hosts)
HOST_UUID_NAMESPACE = uuid.UUID("3b1a5f0e-7c6d-5e2a-9b8f-4d0c2e6a1f97")


def host_uuid(hostname: str) -> str:
    """The stable uuid of compute host ``hostname`` (the same host always gets the same one)."""
    return str(uuid.uuid5(HOST_UUID_NAMESPACE, hostname))


@base.VmoveObjectRegistry.register
class Notification(base.Row, base.Timestamps, base.Owner):
    # Version 1.0: Initial version
    # Version 1.1: engine_id renamed claim_token (the token of one set-up's claim, not an engine's id);
    #              active_key and restore_next_try added
    VERSION = "1.1"
    ADDED = {"1.1": ("active_key", "restore_next_try")}

    fields = {
        "uuid": fields.StringField(),
        "type": fields.StringField(),
        "hostname": fields.StringField(),
        "event": fields.StringField(),
        "generated_time": fields.DateTimeField(),
        "payload": fields.FlexibleDictField(),
        "status": fields.StringField(),
        "progress": fields.IntegerField(),
        "message": fields.StringField(nullable=True),
        "attempt": fields.IntegerField(),
        "run_started_at": fields.DateTimeField(nullable=True),
        "processed_at": fields.DateTimeField(nullable=True),
        "finished_at": fields.DateTimeField(nullable=True),
        "related_uuid": fields.StringField(nullable=True),
        "active_key": fields.StringField(nullable=True),
        "claim_token": fields.StringField(nullable=True),
        "claimed_until": fields.DateTimeField(nullable=True),
        "restore_status": fields.StringField(nullable=True),
        "restore_progress": fields.IntegerField(),
        "restore_message": fields.StringField(nullable=True),
        "restore_attempt": fields.IntegerField(),
        "restore_requested_at": fields.DateTimeField(nullable=True),
        "restore_finished_at": fields.DateTimeField(nullable=True),
        "restore_next_try": fields.DateTimeField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            if "claim_token" in primitive:
                primitive["engine_id"] = primitive.pop("claim_token")

    @property
    def source_host_uuid(self) -> str:
        """Masakari's field: the uuid of the failed host (:func:`host_uuid` of its name)."""
        return host_uuid(self.hostname)

    @property
    def evacuation_origin(self) -> str:
        return f"notification:{self.uuid}"

    @property
    def restore_origin(self) -> str:
        return f"restore:{self.uuid}"

    def vmove_origins(self) -> tuple:
        """The origins of the moves shown as this notification's vmoves.

        A host-failure notification: its evacuations and its moves back. A
        host-recovered (STARTED) notification: the moves back it asked for.
        """
        if self.event == "STARTED":
            return (f"restore:{self.related_uuid}",) if self.related_uuid else ()
        return (self.evacuation_origin, self.restore_origin)


NotificationList = base.list_of(Notification)
