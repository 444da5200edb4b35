"""Create or edit a migration plan: details, instances and volumes picked from tables,
mappings, limits and window.

What vmove refuses comes back in its words beside the field it names
(``'plan.limits.max_in_flight'`` -> the max in flight field); the form only
checks its own syntax (one ``source = destination`` per line).
"""

import re

from django.utils.translation import gettext_lazy as _
from horizon import forms, workflows
from openstack_dashboard.api import cinder, nova

from vmove.client import exceptions as vmove_exc
from vmove.dashboard import api, common

LIMIT_FIELDS = ("max_in_flight", "per_source_host", "per_dest_host", "per_backend")
MAPPING_FIELDS = ("hosts", "volume_types", "backends")
FIELD_RE = re.compile(r"'plan\.([a-z_]+)(?:\.([a-z_0-9]+))?")


def parse_mapping(text):
    """``{source: destination}`` from lines ``source = destination``; ValidationError naming the line."""
    pairs = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        source, sep, dest = line.partition("=")
        if not sep or not source.strip() or not dest.strip():
            raise forms.ValidationError(_("Line %(n)d: write 'source = destination'.") % {"n": n})
        pairs[source.strip()] = dest.strip()
    return pairs


def format_mapping(pairs):
    return "\n".join(f"{src} = {dst}" for src, dst in sorted((pairs or {}).items()))


def error_field(message, items):
    """The form field a vmove message about ``'plan.<path>'`` is about, or None."""
    match = FIELD_RE.search(message)
    if not match:
        return None
    top, sub = match.groups()
    if top in ("mapping", "limits", "window"):
        return sub
    if top == "items":
        index = int(sub) if sub and sub.isdigit() else 0
        kind = items[index]["resource_type"] if index < len(items) else "instance"
        return "instances" if kind == "instance" else "volumes"
    return top


class DetailsAction(workflows.Action):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    approval = forms.ThemableChoiceField(
        label=_("Approval"),
        choices=(("manual", _("Manual: each run waits for approval")), ("auto", _("Automatic"))),
    )

    class Meta:
        name = _("Plan")
        help_text = _("A plan says what to move and where. Each run of it validates every item first.")


class DetailsStep(workflows.Step):
    action_class = DetailsAction
    contributes = ("name", "description", "approval")


class PickAction(workflows.Action):
    """Resources picked from a table (checkboxes), and the move type for all of them."""

    field = ""
    resource_type = ""

    def resources(self, request):
        raise NotImplementedError

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        self.rows = common.openstack_list(request, _("Unable to list your %s.") % self.field, self.resources)
        known = {row["id"] for row in self.rows}
        # items of the plan whose resource is not listed stay (and say so)
        for rid in context.get(self.field) or []:
            if rid not in known:
                self.rows.append({"id": rid, "name": _("(not found)"), "columns": []})
        self.fields[self.field].choices = [(row["id"], row["name"]) for row in self.rows]

    def selected(self):
        value = self[self.field].value() or []
        return set(value)


class InstancesAction(PickAction):
    field = "instances"
    instances = forms.MultipleChoiceField(label=_("Instances"), required=False)
    instance_type = forms.ThemableChoiceField(
        label=_("Move type"),
        choices=[t for t in common.MOVE_TYPE_DISPLAY if t[0] in ("live_migration", "cold_migration")],
    )
    columns = (_("Status"), _("ID"))

    def resources(self, request):
        servers, _more = nova.server_list(request)
        return [{"id": s.id, "name": s.name, "columns": [s.status, s.id]} for s in servers]

    class Meta:
        name = _("Instances")
        help_text = _("The instances to move, and how.")


class InstancesStep(workflows.Step):
    action_class = InstancesAction
    contributes = ("instances", "instance_type")
    template_name = "vmove_dashboard/plans/_pick_step.html"


class VolumesAction(PickAction):
    field = "volumes"
    volumes = forms.MultipleChoiceField(label=_("Volumes"), required=False)
    volume_type = forms.ThemableChoiceField(
        label=_("Move type"), choices=[t for t in common.MOVE_TYPE_DISPLAY if t[0].startswith("volume_")]
    )
    columns = (_("Status"), _("Type"), _("Size"), _("ID"))

    def resources(self, request):
        return [
            {"id": v.id, "name": v.name or v.id, "columns": [v.status, v.volume_type or "-", f"{v.size} GiB", v.id]}
            for v in cinder.volume_list(request)
        ]

    class Meta:
        name = _("Volumes")
        help_text = _("The volumes to move: a migration keeps the type, a retype or a swap changes it.")


class VolumesStep(InstancesStep):
    action_class = VolumesAction
    contributes = ("volumes", "volume_type")


class MappingAction(workflows.Action):
    hosts = forms.CharField(
        label=_("Hosts"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One 'source host = destination host' per line; 'any' lets Nova's scheduler choose."),
    )  # fmt: skip
    volume_types = forms.CharField(
        label=_("Volume types"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("'type = new type' for retypes and swaps."),
    )  # fmt: skip
    backends = forms.CharField(
        label=_("Backends"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("'host@backend = host@backend#pool' for volume migrations."),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        for field in MAPPING_FIELDS:
            try:
                data[field] = parse_mapping(data.get(field))
            except forms.ValidationError as e:
                self.add_error(field, e)
        return data

    class Meta:
        name = _("Mapping")
        help_text = _("Where each source goes.")


class MappingStep(workflows.Step):
    action_class = MappingAction
    contributes = MAPPING_FIELDS

    def prepare_action_context(self, request, context):
        return {**context, **{f: format_mapping(context.get(f)) if isinstance(context.get(f), dict) else
                              context.get(f) for f in MAPPING_FIELDS}}  # fmt: skip


class LimitsAction(workflows.Action):
    max_in_flight = forms.IntegerField(label=_("Moves in flight at most"), required=False)
    per_source_host = forms.IntegerField(label=_("Per source host"), required=False)
    per_dest_host = forms.IntegerField(label=_("Per destination host"), required=False)
    per_backend = forms.IntegerField(label=_("Per storage backend"), required=False)
    not_before = forms.CharField(label=_("Not before"), required=False, help_text=_("ISO 8601, e.g. 2026-12-01T22:00Z"))
    not_after = forms.CharField(label=_("Not after"), required=False)

    class Meta:
        name = _("Limits and Window")
        help_text = _("vmove never exceeds a limit, and starts no move outside the window.")


class LimitsStep(workflows.Step):
    action_class = LimitsAction
    contributes = LIMIT_FIELDS + ("not_before", "not_after")


class PlanWorkflow(workflows.Workflow):
    slug = "vmove_plan"
    finalize_button_name = _("Save")
    success_url = "horizon:project:vmove_plans:index"
    default_steps = (DetailsStep, InstancesStep, VolumesStep, MappingStep, LimitsStep)
    #: the plan being edited (None: a new one)
    plan = None

    def fields(self, context) -> dict:
        kinds = {item["resource_id"]: item for item in (self.plan or {}).get("items") or []}

        def item(resource_type, rid, move_type):
            kept = kinds.get(rid) or {}
            return {"resource_type": resource_type, "resource_id": rid, "type": move_type,
                    "priority": kept.get("priority", 0)}  # fmt: skip

        items = [item("instance", rid, context["instance_type"]) for rid in context.get("instances") or []]
        items += [item("volume", rid, context["volume_type"]) for rid in context.get("volumes") or []]
        window = {k: context[k] for k in ("not_before", "not_after") if context.get(k)}
        return {
            "description": context.get("description") or None,
            "approval": context["approval"],
            "items": items,
            "mapping": {k: context.get(k) or {} for k in MAPPING_FIELDS},
            "limits": {k: context.get(k) for k in LIMIT_FIELDS},
            "window": window or None,
        }

    def save(self, client, name, fields):
        return client.plans.create(name, **fields)

    def handle(self, request, context):
        fields = self.fields(context)
        try:
            self.object = self.save(api.client(request), context["name"], fields)
        except (vmove_exc.BadRequest, vmove_exc.Conflict) as e:
            field = error_field(e.message, fields["items"])
            for step in self.steps:
                if field in step.action.fields:
                    step.action.add_error(field, e.message)
                    raise forms.ValidationError(e.message) from e
            self.failure_message = e.message
            return False
        return True

    def get_success_url(self):
        return common.detail_url("plans", self.object["uuid"])


class CreatePlan(PlanWorkflow):
    name = _("Create Plan")
    success_message = _('Created plan "%s".')
    failure_message = _('Unable to create plan "%s".')

    def format_status_message(self, message):
        return message % self.context.get("name", "") if "%s" in message else message


class UpdatePlan(CreatePlan):
    name = _("Edit Plan")
    success_message = _('Saved plan "%s".')
    failure_message = _('Unable to save plan "%s".')

    def save(self, client, name, fields):
        return client.plans.update(self.plan["uuid"], name=name, **fields)
