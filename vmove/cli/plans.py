"""``openstack vmove plan create|list|show|set|delete|item add|item remove|run`` (API microversion 1.4).

A plan is made from options, from a JSON or YAML file holding the plan's
fields (``items``, ``mapping``, ``limits``, ``window``, ``description``,
``approval``, ``drains``, ``cold_fallback``, as in the API's body), or both:
the options are applied on top of the file (items and drains added, mapping
entries and limits replaced one by one). Drains, the cold fallback, the flavor
mapping (resize items) and recurring windows need API version 1.5.
"""

from osc_lib import exceptions
from osc_lib.command import command
import yaml

from vmove.cli import base, common, plan_options, runs
from vmove.client import plans as client_plans

FIELDS = (
    "uuid",
    "name",
    "description",
    "approval",
    "item_count",
    "mapping",
    "limits",
    "window",
    "drains",
    "cold_fallback",
    "project_id",
    "user_id",
    "created_at",
    "updated_at",
    "items",
)
LIST_FIELDS = ("uuid", "name", "approval", "item_count", "created_at")
LONG_FIELDS = ("uuid", "name", "description", "approval", "item_count", "mapping", "limits", "window", "project_id",
               "created_at", "updated_at")  # fmt: skip
ITEM_FIELDS = ("uuid", "resource_type", "resource_id", "type", "priority", "migration_status", "migration_message")
#: the fields of an item the API takes back
ITEM_IN = ("resource_type", "resource_id", "type", "priority")
DEFAULT_TYPE = {"instance": "live_migration", "volume": "volume_migration"}
#: (resource type, the end of the help of its item option)
ITEM_TYPES = (
    ("instance", "live_migration (default), cold_migration, resize); repeat for several"),
    ("volume", "volume_migration (default), volume_retype, volume_swap); repeatable"),
)
#: (option, mapping key)
MAP_OPTIONS = (
    ("host_map", "hosts"),
    ("volume_type_map", "volume_types"),
    ("backend_map", "backends"),
    ("flavor_map", "flavors"),
)
PLAN = (("plan", "Plan (ID)"),)


def item_option(resource_type):
    """``<id>[:<type>[:<priority>]]`` -> an item."""

    def parse(value):
        resource_id, _, rest = value.partition(":")
        move_type, _, priority = rest.partition(":")
        if not resource_id:
            raise ValueError(value)
        return client_plans.item(
            resource_type, resource_id, move_type or DEFAULT_TYPE[resource_type], int(priority) if priority else None
        )

    parse.__name__ = f"{resource_type} item"
    return parse


def pair_option(value):
    """``<from>=<to>`` -> (from, to)."""
    source, sep, dest = value.partition("=")
    if not sep or not source or not dest:
        raise ValueError(value)
    return source, dest


def load_file(path) -> dict:
    """A plan's fields from a JSON or YAML file (``{"plan": {...}}`` or the fields themselves)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as e:
        raise exceptions.CommandError(f"Cannot read {path}: {e.strerror}.") from None
    except yaml.YAMLError as e:
        raise exceptions.CommandError(f"{path} is neither JSON nor YAML: {e}") from None
    if isinstance(data, dict) and set(data) == {"plan"}:
        data = data["plan"]
    if isinstance(data, list):  # a list of items only
        data = {"items": data}
    if not isinstance(data, dict):
        raise exceptions.CommandError(f"{path} must hold a plan's fields (an object) or a list of items.")
    unknown = sorted(set(data) - set(client_plans.FIELDS))
    if unknown:
        raise exceptions.CommandError(
            f"{path}: not a field of a plan: {', '.join(unknown)} (known: {', '.join(client_plans.FIELDS)})."
        )
    return data


def add_item_options(parser, move):
    """``--instance`` and ``--volume``, each an item; ``move`` begins their help ("Move")."""
    for resource_type, types in ITEM_TYPES:
        parser.add_argument(
            f"--{resource_type}",
            metavar="<id>[:<type>[:<priority>]]",
            type=item_option(resource_type),
            action="append",
            dest="items",
            help=f"{move} this {resource_type} (type: {types}",
        )


def add_plan_options(parser, creating):
    verb = "Add" if creating else "Set"
    parser.add_argument("--description", metavar="<description>", help="Description of the plan")
    parser.add_argument(
        "--file",
        metavar="<file>",
        help=(
            "JSON or YAML file with the plan's fields (items, mapping, limits, window, description, approval, "
            "as in the API's body) or a list of items; options given too are applied on top"
        ),
    )
    if creating:
        add_item_options(parser, "Item: move")
    parser.add_argument(
        "--host-map",
        metavar="<source>=<dest>",
        type=pair_option,
        action="append",
        help=f'{verb} a host mapping: source compute host to destination host, or "any" (repeatable)',
    )
    parser.add_argument(
        "--volume-type-map",
        metavar="<type>=<type>",
        type=pair_option,
        action="append",
        help=f"{verb} a volume type mapping (volume_retype, volume_swap; repeatable)",
    )
    parser.add_argument(
        "--backend-map",
        metavar="<host@backend#pool>=<host@backend#pool>",
        type=pair_option,
        action="append",
        help=f"{verb} a Cinder backend mapping (volume_migration; repeatable)",
    )
    parser.add_argument(
        "--flavor-map",
        metavar="<flavor>=<flavor>",
        type=pair_option,
        action="append",
        help=f"{verb} a flavor mapping: the new flavor of resize items (repeatable)",
    )
    for key in client_plans.LIMIT_KEYS:
        parser.add_argument(
            "--" + key.replace("_", "-"),
            metavar="<count>",
            type=common.positive_int,
            help=f"Limit: most moves at once {key.replace('_', ' ').replace('max in flight', 'in all')}",
        )
    parser.add_argument("--not-before", metavar="<time>", help="Window: no move starts before (ISO 8601, UTC)")
    parser.add_argument("--not-after", metavar="<time>", help="Window: no move starts after (ISO 8601, UTC)")
    parser.add_argument(
        "--window-period",
        metavar="<start>-<end>",
        type=plan_options.period_option,
        action="append",
        help="Recurring window: moves start only between these times of day (HH:MM[:SS]; an end before the start "
        "runs over midnight; repeatable)",
    )
    parser.add_argument(
        "--window-days",
        metavar="<day>[,<day>...]",
        help=f"Recurring window: on these days only ({', '.join(client_plans.DAYS)}; default: every day)",
    )
    parser.add_argument(
        "--window-timezone", metavar="<zone>", help="Recurring window: the time zone of its times (default: UTC)"
    )
    parser.add_argument(
        "--approval",
        choices=client_plans.APPROVALS,
        help="auto: a run starts its moves once validated; manual: it waits for 'vmove run approve'",
    )


def plan_fields(parsed_args, current=None) -> dict:
    """The plan's fields from --file and the options, merged into ``current`` (a plan) for an update."""
    a = parsed_args
    fields = load_file(a.file) if a.file else {}
    current = current or {}
    if a.description is not None:
        fields["description"] = a.description
    if a.approval:
        fields["approval"] = a.approval
    if getattr(a, "items", None):
        fields["items"] = list(fields.get("items") or []) + a.items
    if any(getattr(a, opt) for opt, _ in MAP_OPTIONS):
        mapping = fields.get("mapping") or current.get("mapping") or {}
        mapping = {k: dict(mapping.get(k) or {}) for k in client_plans.MAPPING_KEYS}
        for opt, key in MAP_OPTIONS:
            mapping[key].update(getattr(a, opt) or [])
        if not mapping["flavors"]:
            del mapping["flavors"]  # an API before 1.5 has no flavor mapping
        fields["mapping"] = mapping
    limits = {k: getattr(a, k) for k in client_plans.LIMIT_KEYS if getattr(a, k) is not None}
    if limits:
        fields["limits"] = {**(fields.get("limits") or current.get("limits") or {}), **limits}
    window = {k: getattr(a, k) for k in ("not_before", "not_after") if getattr(a, k) is not None}
    recurring = plan_options.recurring_of(a)
    if recurring:
        window["recurring"] = recurring
    if window:
        fields["window"] = {**(fields.get("window") or current.get("window") or {}), **window}
    drains = plan_options.drains_of(a, fields, current)
    if drains is not None:
        fields["drains"] = drains
    if a.cold_fallback is not None:
        fields["cold_fallback"] = a.cold_fallback
    return fields


def items_in(plan) -> list:
    """A plan's items as the API takes them back."""
    return [{k: i[k] for k in ITEM_IN if i.get(k) is not None} for i in plan.get("items") or []]


def set_items(client, plan, items):
    """Replace the items of ``plan``; (columns, rows) of its items as they then stand."""
    plan = client.plans.update(plan, items=items)
    return common.listing(client.plans.get(plan)["items"], ITEM_FIELDS)


class CreatePlan(base.Show):
    _description = (
        "Create a migration plan.\n\n"
        "What to move (items), where (mappings), how many at once (limits) and when (window), from options "
        "and/or a JSON or YAML file. Run it with 'vmove plan run'."
    )
    arguments = (("name", "Name of the plan"),)
    fields = FIELDS

    def add_options(self, parser):
        add_plan_options(parser, creating=True)
        plan_options.add_drain_options(parser)

    def fetch(self, client, parsed_args):
        fields = plan_fields(parsed_args)
        fields.pop("name", None)
        return client.plans.create(parsed_args.name, **fields)


class ListPlan(base.List):
    _description = "List migration plans.\n\nA user sees the plans of their project, an admin every project's."
    rows = base.Rows("plan", client_plans.SORT_KEYS, LIST_FIELDS, LONG_FIELDS)
    call = "plans.list"

    def add_filters(self, parser):
        parser.add_argument("--name", metavar="<name>", help="Only plans of this name")
        self.add_project_option(parser)


class ShowPlan(base.Show):
    _description = "Show one migration plan, with its items and how each one's migration stands"
    arguments = PLAN
    call = "plans.get"
    fields = FIELDS


class SetPlan(base.Show):
    _description = (
        "Change a migration plan.\n\n"
        "Mapping entries, limits and window bounds given are changed one by one, the others kept; "
        "fields of --file replace the plan's. Items are changed with 'vmove plan item add|remove'."
    )
    arguments = PLAN
    fields = FIELDS

    def add_options(self, parser):
        parser.add_argument("--name", metavar="<name>", help="New name")
        add_plan_options(parser, creating=False)
        plan_options.add_drain_options(parser)

    def fetch(self, client, parsed_args):
        needs_current = any(getattr(parsed_args, opt) for opt, _ in MAP_OPTIONS) or any(
            getattr(parsed_args, k) is not None
            for k in (*client_plans.LIMIT_KEYS, "not_before", "not_after", "drain_host", "drain_backend")
        )
        current = client.plans.get(parsed_args.plan) if needs_current else None
        fields = plan_fields(parsed_args, current)
        if parsed_args.name:
            fields["name"] = parsed_args.name
        if not fields:
            raise exceptions.CommandError("Nothing to change: give at least one option.")
        return client.plans.update(parsed_args.plan, **fields)


class DeletePlan(command.Command):
    _description = (
        "Delete migration plans.\n\nA plan with a run in progress cannot be deleted (the API says which run)."
    )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("plans", metavar="<plan>", nargs="+", help="Plan(s) to delete (ID)")
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        deleted = common.call_each(client.plans.delete, parsed_args.plans, self.app.stderr, "delete plan")
        common.check_all_done(deleted, parsed_args.plans, "plans could not be deleted")


class AddPlanItem(command.Lister):
    _description = "Add items to a migration plan, then list its items.\n\nNot while a run of the plan is in progress."

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        base.add_arguments(parser, PLAN)
        add_item_options(parser, "Move")
        parser.add_argument(
            "--file", metavar="<file>", help="JSON or YAML file with a list of items (or a plan with 'items')"
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        new = list(load_file(parsed_args.file).get("items") or []) if parsed_args.file else []
        new += parsed_args.items or []
        if not new:
            raise exceptions.CommandError("Give items to add: --instance, --volume or --file.")
        plan = client.plans.get(parsed_args.plan)
        return set_items(client, plan, items_in(plan) + new)


class RemovePlanItem(command.Lister):
    _description = "Remove items from a migration plan, then list its items.\n\nNot while a run is in progress."

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        base.add_arguments(parser, PLAN)
        parser.add_argument(
            "items", metavar="<item>", nargs="+", help="Item(s) to remove: the instance or volume ID, or the item's ID"
        )
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        plan = client.plans.get(parsed_args.plan)
        wanted = set(parsed_args.items)
        found = {i["uuid"] for i in plan["items"]} | {i["resource_id"] for i in plan["items"]}
        missing = sorted(wanted - found)
        if missing:
            raise exceptions.CommandError(f"Plan {plan['uuid']} has no item {', '.join(missing)}.")
        kept = [i for i in plan["items"] if not {i["uuid"], i["resource_id"]} & wanted]
        return set_items(client, plan, items_in({"items": kept}))


class RunPlan(runs.RunShow):
    _description = (
        "Run a migration plan.\n\n"
        "The run validates every item (a dry run stops there: status validated), then, once approved (at once "
        "if the plan's approval is auto), makes the moves. With --wait, shows its progress until it ends."
    )
    arguments = PLAN
    waits_for = "the run has ended"

    def add_options(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only validate the plan's items; make no move")

    def fetch(self, client, parsed_args):
        return client.plans.run(parsed_args.plan, dry_run=parsed_args.dry_run)
