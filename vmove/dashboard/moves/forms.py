"""Ask vmove for one move of an instance or a volume.

The forms check nothing vmove checks itself: what vmove refuses comes back
in vmove's own words, beside the field it is about.
"""

import logging

from django.utils.translation import gettext_lazy as _
from horizon import forms, messages
from openstack_dashboard.api import cinder, nova

from vmove.client import exceptions as vmove_exc
from vmove.dashboard import api, common

LOG = logging.getLogger(__name__)

INSTANCE_MOVE_TYPES = [
    t for t in common.MOVE_TYPE_DISPLAY if t[0] in ("live_migration", "cold_migration", "evacuation")
]
VOLUME_MOVE_TYPES = [t for t in common.MOVE_TYPE_DISPLAY if t[0].startswith("volume_")]
MIGRATION_KINDS = (
    ("", _("Default of the move type")),
    ("migrate", _("migrate: to a pool, keeping the type")),
    ("retype", _("retype: to another volume type")),
    ("swap", _("swap: an attached volume, to another type")),
    ("cold", _("cold: a detached volume without snapshots")),
)

#: form field -> the words vmove's messages use for it (first match wins)
INSTANCE_FIELDS = {"host": ("'host'", "host"), "instance": ("instance",), "move_type": ("move type",)}
VOLUME_FIELDS = {
    "destination_type": ("destination type", "destination_type"),
    "destination_node": ("destination node", "destination_node", "pool"),
    "migration_type": ("migration_type",),
    "volume": ("volume",),
    "move_type": ("move type",),
}


class MoveForm(forms.SelfHandlingForm):
    """What both forms share: the request, the answer, vmove's message beside its field."""

    resource_type = ""
    error_fields: dict = {}
    priority = forms.IntegerField(
        label=_("Priority"),
        required=False,
        help_text=_("Higher moves first when vmove has to choose (default 0)."),
    )

    def params(self, data) -> dict:
        raise NotImplementedError

    def handle(self, request, data):
        try:
            move = api.client(request).moves.create(
                self.resource_type,
                data[self.resource_type],
                data["move_type"],
                params=self.params(data) or None,
                priority=data.get("priority"),
            )
        except (vmove_exc.BadRequest, vmove_exc.Conflict) as e:
            common.attach_api_error(self, e, self.error_fields)
            return False
        except Exception:
            api.fail(request, _("Unable to request the move"))
            return False
        what = dict(self.fields[self.resource_type].choices).get(data[self.resource_type], data[self.resource_type])
        messages.success(request, _("Move of %(what)s requested.") % {"what": what})
        return move


def _destination(label, help_text):
    """A field of an optional destination of the move (a host, a pool), as Nova and Cinder name it."""
    return forms.CharField(label=label, required=False, max_length=255, help_text=help_text)


def _servers(request):
    servers, _more = nova.server_list(request)
    return servers


def _choices(items, label, what):
    choices = [(i.id, label(i)) for i in items]
    return [("", _("Select %s") % what)] + sorted(choices, key=lambda c: str(c[1]).lower())


class MoveInstanceForm(MoveForm):
    resource_type = "instance"
    error_fields = INSTANCE_FIELDS
    instance = forms.ThemableChoiceField(label=_("Instance"))
    move_type = forms.ThemableChoiceField(label=_("Move type"), choices=INSTANCE_MOVE_TYPES)
    host = _destination(_("Destination host"), _("Leave empty to let Nova's scheduler choose."))
    field_order = ("instance", "move_type", "host", "priority")

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        servers = common.openstack_list(request, _("Unable to list your instances."), _servers)
        self.fields["instance"].choices = _choices(servers, lambda s: f"{s.name} ({s.status})", _("an instance"))

    def params(self, data):
        return {"host": data["host"]} if data.get("host") else {}


class MoveVolumeForm(MoveForm):
    resource_type = "volume"
    error_fields = VOLUME_FIELDS
    volume = forms.ThemableChoiceField(label=_("Volume"))
    move_type = forms.ThemableChoiceField(label=_("Move type"), choices=VOLUME_MOVE_TYPES)
    migration_type = forms.ThemableChoiceField(
        label=_("Migration type"),
        required=False,
        choices=MIGRATION_KINDS,
        help_text=_("volume_retype defaults to retype, volume_swap to swap; volume_migration needs one."),
    )
    destination_node = _destination(_("Destination pool"), _("A Cinder pool, host@backend#pool (migrate, cold)."))
    destination_type = forms.ThemableChoiceField(label=_("Destination volume type"), required=False)
    field_order = ("volume", "move_type", "migration_type", "destination_node", "destination_type", "priority")

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        volumes = common.openstack_list(request, _("Unable to list your volumes."), cinder.volume_list)
        self.fields["volume"].choices = _choices(
            volumes, lambda v: f"{v.name or v.id} ({v.status}, {v.volume_type or '-'})", _("a volume")
        )
        types = common.openstack_list(request, _("Unable to list volume types."), cinder.volume_type_list)
        self.fields["destination_type"].choices = [("", _("None"))] + [(t.name, t.name) for t in types]

    def params(self, data):
        keys = ("migration_type", "destination_node", "destination_type")
        return {key: data[key] for key in keys if data.get(key)}
