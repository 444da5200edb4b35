"""Pieces shared by the vmove commands: columns, formatting, options, a call on each of several resources."""

import argparse
import logging

from keystoneauth1 import exceptions as ksa_exc
from osc_lib import exceptions, utils
from osc_lib.cli import format_columns

from vmove.client import exceptions as client_exc

LOG = logging.getLogger(__name__)

#: fields whose values are JSON objects or lists of them, in every resource
FORMATTERS = {
    "params": format_columns.DictColumn,
    "detail": format_columns.DictColumn,
    "counts": format_columns.DictColumn,
    "cancel": format_columns.DictColumn,
    "mapping": format_columns.DictColumn,
    "limits": format_columns.DictColumn,
    "window": format_columns.DictColumn,
    "payload": format_columns.DictColumn,
    "restore": format_columns.DictColumn,
    "vmoves_summary": format_columns.DictColumn,
    "items": format_columns.ListDictColumn,
    "attempts": format_columns.ListDictColumn,
}


def header(field: str) -> str:
    """The column title of an API field: ``source_host`` -> ``Source Host``, ``uuid`` -> ``ID``."""
    special = {"uuid": "ID", "id": "ID", "pid": "PID", "project_id": "Project ID", "resource_id": "Resource ID",
               "item_uuid": "Item ID", "user_id": "User ID"}  # fmt: skip
    return special.get(field, field.replace("_", " ").title())


def listing(items, fields):
    """(column titles, rows) of a Lister."""
    return (
        tuple(header(f) for f in fields),
        (utils.get_dict_properties(item, fields, formatters=FORMATTERS) for item in items),
    )


def showing(item, order, hidden=("links",)):
    """(names, values) of a ShowOne: the fields in ``order`` first, then any newer ones."""
    known = [f for f in order if f in item]
    fields = known + sorted(f for f in item if f not in order and f not in hidden)
    return tuple(fields), utils.get_dict_properties(item, fields, formatters=FORMATTERS)


def sort_option(value: str) -> tuple[str, str | None]:
    """``key[:asc|desc]`` -> (key, direction)."""
    key, _, direction = value.partition(":")
    if direction and direction not in ("asc", "desc"):
        raise argparse.ArgumentTypeError(f"sort direction must be asc or desc, not {direction!r}")
    return key, direction or None


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return number


def split(values):
    """Repeated options that may also be comma lists: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    return [v for value in values or [] for v in value.split(",") if v]


class CommaList(argparse.Action):
    """An option that may be repeated, its values comma lists: ``--status a,b --status c`` -> ['a', 'b', 'c'];
    [] when not given."""

    def __init__(self, option_strings, dest, default=(), **kwargs):
        super().__init__(option_strings, dest, default=list(default), **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, [*getattr(namespace, self.dest), *split([values])])


def add_status_option(parser, only, statuses, repeat="repeat or comma-separate"):
    """``--status``, repeatable or a comma list: "``only`` in this status (<statuses>); ``repeat``"."""
    parser.add_argument(
        "--status",
        metavar="<status>",
        action=CommaList,
        help=f"{only} in this status ({', '.join(statuses)}); {repeat}",
    )


def add_type_option(parser, what, types, repeat):
    """``--type`` (into ``<what>_type``), repeatable or a comma list: "Only ``what``s of this type (<types>); ..."."""
    parser.add_argument(
        "--type",
        metavar="<type>",
        action=CommaList,
        dest=f"{what}_type",
        help=f"Only {what}s of this type ({', '.join(types)}); {repeat}",
    )


def add_list_options(parser, what, sort_keys, sort_default=None):
    """``--sort``, ``--limit`` and ``--marker`` of a list of ``what``s."""
    default = f" (default: {sort_default})" if sort_default else ""
    parser.add_argument(
        "--sort",
        metavar="<key>[:<direction>]",
        type=sort_option,
        help=f"Sort by this key ({', '.join(sort_keys)}), asc or desc{default}",
    )
    parser.add_argument(
        "--limit",
        metavar="<count>",
        type=positive_int,
        help=f"Show at most this many {what}s (default: all, fetched page after page)",
    )
    parser.add_argument("--marker", metavar=f"<{what}>", help=f"Start after this {what} (ID), as the API's pages do")


def resolve_project(client_manager, value: str) -> str:
    """The ID of project ``value`` (a name or an ID).

    The token's own project is known; another name is looked up in
    Keystone when the user may list projects; otherwise the value is taken
    as an ID, as given.
    """
    auth_ref = client_manager.auth_ref
    if auth_ref is None:  # no Keystone (--os-auth-type none): nothing to look names up in
        return value
    if value in (auth_ref.project_id, auth_ref.project_name):
        return auth_ref.project_id
    endpoint_filter = {
        "service_type": "identity",
        "interface": client_manager.interface,
        "region_name": client_manager.region_name,
        "version": (3, 0),
    }
    try:
        response = client_manager.session.get(
            "/projects", params={"name": value}, endpoint_filter=endpoint_filter, raise_exc=False
        )
    except ksa_exc.ClientException as e:
        LOG.debug("cannot look project %s up in Keystone (%s); taking it as an ID", value, e)
        return value
    if response.ok:
        found = response.json().get("projects") or []
        if len(found) > 1:
            raise exceptions.CommandError(f"More than one project is named {value!r}; give its ID.")
        if found:
            return found[0]["id"]
    return value


def add_wait_options(parser, what: str | None) -> None:
    """``--wait`` (unless ``what`` is None: the command always waits), ``--wait-timeout``, ``--poll-interval``."""
    prefix = ""
    if what is not None:
        prefix = "With --wait: "
        parser.add_argument(
            "--wait",
            action="store_true",
            help=(
                f"Wait until {what}, showing progress on stderr; exit with status 1 "
                "unless it ended as asked, saying why"
            ),
        )
    parser.add_argument(
        "--wait-timeout",
        metavar="<seconds>",
        type=positive_int,
        help=f"{prefix}give up after this many seconds (exit status 1); default: no limit",
    )
    parser.add_argument(
        "--poll-interval",
        metavar="<seconds>",
        type=float,
        default=2.0,
        help=f"{prefix}seconds between two polls of the API (default: 2)",
    )


def call_each(call, idents, stderr, failed_to):
    """``call(ident)`` for each of ``idents``; the answers of those the API accepted.

    A refusal is said on ``stderr`` ("Failed to ``failed_to`` <ident>: <the
    API's message>") and the others go on, as 'openstack server delete' does.
    """
    answers = []
    for ident in idents:
        try:
            answers.append(call(ident))
        except client_exc.ApiError as e:
            stderr.write(f"Failed to {failed_to} {ident}: {e}\n")
    return answers


def check_all_done(answers, idents, could_not):
    """CommandError "1 of 2 ``could_not``." unless :func:`call_each` had an answer for each of ``idents``."""
    if len(answers) < len(idents):
        raise exceptions.CommandError(f"{len(idents) - len(answers)} of {len(idents)} {could_not}.")


def reordered(fields, **after) -> tuple:
    """``fields`` with each one named as a keyword moved to just after the one it names."""
    out = [f for f in fields if f not in after]
    for field, before in after.items():
        out.insert(out.index(before) + 1, field)
    return tuple(out)
