"""Pieces shared by the vmove commands: columns, formatting, option parsing."""

import argparse
import logging

from keystoneauth1 import exceptions as ksa_exc
from osc_lib import exceptions, utils
from osc_lib.cli import format_columns

from vmove.cli import progress

LOG = logging.getLogger(__name__)

#: fields whose values are JSON objects
FORMATTERS = {"params": format_columns.DictColumn, "detail": format_columns.DictColumn}


def header(field: str) -> str:
    """The column title of an API field: ``source_host`` -> ``Source Host``, ``uuid`` -> ``ID``."""
    special = {"uuid": "ID", "id": "ID", "pid": "PID", "project_id": "Project ID", "resource_id": "Resource ID"}
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


def wait(client, moves, parsed_args, stderr, expected=("succeeded",)):
    """Wait for ``moves`` with a progress line; (final moves, how many did not end as ``expected``)."""
    line = progress.Progress(stderr)
    try:
        final = client.wait_for_moves(moves, line, interval=parsed_args.poll_interval, timeout=parsed_args.wait_timeout)
    finally:
        line.close()
    return final, progress.report(final, stderr, expected)


class ExitStatus:
    """Mixin of commands whose exit status says how a wait ended (cliff returns 0 otherwise)."""

    exit_status = 0

    def run(self, parsed_args):
        return super().run(parsed_args) or self.exit_status
