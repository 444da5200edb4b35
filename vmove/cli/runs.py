"""``openstack vmove run list|show|approve|deny|cancel|wait`` and ``run move list`` (API microversion 1.4).

Also the progress line of ``--wait`` on one run or notification, shared
with :mod:`vmove.cli.plans` and :mod:`vmove.cli.notifications`.
"""

from osc_lib import utils
from osc_lib.cli import format_columns
from osc_lib.command import command

from vmove.cli import common, progress
from vmove.cli import moves as cli_moves
from vmove.client import exceptions as client_exc
from vmove.client import moves as client_moves
from vmove.client import runs as client_runs

FIELDS = (
    "uuid",
    "plan_uuid",
    "plan_name",
    "dry_run",
    "approval",
    "status",
    "progress",
    "counts",
    "message",
    "decided_by",
    "decided_at",
    "project_id",
    "user_id",
    "created_at",
    "updated_at",
    "validated_at",
    "started_at",
    "finished_at",
    "items",
    "cancel",
)
LIST_FIELDS = ("uuid", "plan_name", "dry_run", "status", "progress", "counts", "created_at")
LONG_FIELDS = (
    "uuid",
    "plan_uuid",
    "plan_name",
    "dry_run",
    "approval",
    "status",
    "progress",
    "counts",
    "message",
    "decided_by",
    "project_id",
    "created_at",
    "started_at",
    "finished_at",
)
#: fields whose values are JSON objects or lists of them, in every resource of 1.3 and 1.4
FORMATTERS = {
    **common.FORMATTERS,
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


def listing(items, fields):
    """(column titles, rows) of a Lister, with the formatters of nested fields."""
    return (
        tuple(common.header(f) for f in fields),
        (utils.get_dict_properties(item, fields, formatters=FORMATTERS) for item in items),
    )


def showing(item, order, hidden=("links",)):
    """(names, values) of a ShowOne: the fields in ``order`` first, then any newer ones."""
    known = [f for f in order if f in item]
    fields = known + sorted(f for f in item if f not in order and f not in hidden)
    return tuple(fields), utils.get_dict_properties(item, fields, formatters=FORMATTERS)


def counts_text(counts: dict) -> str:
    """``{"ongoing": 2, "succeeded": 3}`` -> ``2 ongoing, 3 succeeded`` (in the order of a move's statuses)."""
    order = [s for s in client_moves.STATUSES if counts.get(s)] + sorted(
        s for s in counts if s not in client_moves.STATUSES and counts[s]
    )
    return ", ".join(f"{counts[s]} {s}" for s in order) or "no moves yet"


class StateProgress(progress.Progress):
    """The ``--wait`` line of one run or notification: ``render(thing) -> (percent, text)``."""

    def __init__(self, stream, render, **kwargs):
        super().__init__(stream, **kwargs)
        self.render = render

    def __call__(self, thing) -> None:
        pct, text = self.render(thing)
        minutes, seconds = divmod(int(self.clock() - self.started), 60)
        state = f"{progress.bar(pct)} {pct:3d}%  {text}"
        if self.tty:
            full = f"{state}  {minutes}:{seconds:02d}"
            self.stream.write("\r" + full.ljust(self._width))
            self._width = len(full)
        else:
            if state == self._last:
                return
            self._last = state
            self.stream.write(f"{state}  {minutes}:{seconds:02d}\n")
        self.stream.flush()


def render_run(run) -> tuple[int, str]:
    pct = 100 if client_runs.is_terminal(run) else int(run.get("progress") or 0)
    return pct, f"run {run['status']}: {counts_text(run.get('counts') or {})}"


def report_run(client, run, stream) -> int:
    """Write what did not go as asked in ``run`` (refused items, failed moves, the run's message); how many."""
    bad = 0
    for item in run.get("items") or []:
        if item.get("verdict") == "refused":
            bad += 1
            stream.write(
                f"Item {item['resource_type']} {item['resource_id']} ({item['type']}) refused: "
                f"{item.get('code') or '-'}: {item.get('reason') or 'no reason'}\n"
            )
    if (run.get("counts") or {}).get("failed") or run["status"] == "failed":
        try:
            failed = client.runs.moves(run, status=["failed"])
        except client_exc.ClientError:
            failed = []
        bad += progress.report(failed, stream)
    if run["status"] not in client_runs.GOOD_STATUSES:
        bad += 1
        stream.write(f"Run {run['uuid']} {run['status']}: {run.get('message') or 'no message'}\n")
    return bad


def wait_run(client, run, parsed_args, stderr) -> tuple[dict, int]:
    """Wait for ``run`` with a progress line; (final run, how many things did not go as asked)."""
    line = StateProgress(stderr, render_run)
    try:
        final = client.wait_for_run(run, line, interval=parsed_args.poll_interval, timeout=parsed_args.wait_timeout)
    finally:
        line.close()
    return final, report_run(client, final, stderr)


def add_list_options(parser, what, sort_keys):
    parser.add_argument(
        "--sort",
        metavar="<key>[:<direction>]",
        type=common.sort_option,
        help=f"Sort by this key ({', '.join(sort_keys)}), asc or desc",
    )
    parser.add_argument(
        "--limit",
        metavar="<count>",
        type=common.positive_int,
        help=f"Show at most this many {what}s (default: all, fetched page after page)",
    )
    parser.add_argument("--marker", metavar=f"<{what}>", help=f"Start after this {what} (ID), as the API's pages do")


def split(values):
    """Repeated options that may also be comma lists."""
    return [v for value in values or [] for v in value.split(",") if v]


class ListRun(command.Lister):
    _description = "List runs of migration plans.\n\nA user sees the runs of their project, an admin every project's."

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--plan", metavar="<plan>", help="Only runs of this plan (ID)")
        parser.add_argument(
            "--status",
            metavar="<status>",
            action="append",
            help=f"Only runs in this status ({', '.join(client_runs.STATUSES)}); repeat or comma-separate",
        )
        dry = parser.add_mutually_exclusive_group()
        dry.add_argument("--dry-run", action="store_true", default=None, help="Only dry runs")
        dry.add_argument("--no-dry-run", action="store_false", dest="dry_run", help="Only real runs")
        parser.add_argument("--project", metavar="<project>", help="Only runs of this project (name or ID; admin)")
        add_list_options(parser, "run", client_runs.SORT_KEYS)
        parser.add_argument("--long", action="store_true", help="List more fields")
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        sort_key, sort_dir = parsed_args.sort or (None, None)
        project_id = None
        if parsed_args.project:
            project_id = common.resolve_project(self.app.client_manager, parsed_args.project)
        found = client.runs.list(
            plan_id=parsed_args.plan,
            status=split(parsed_args.status),
            dry_run=parsed_args.dry_run,
            project_id=project_id,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=parsed_args.limit,
            marker=parsed_args.marker,
        )
        return listing(found, LONG_FIELDS if parsed_args.long else LIST_FIELDS)


class ShowRun(command.ShowOne):
    _description = "Show one run of a plan: its status, counts per move status, progress and each item's verdict"

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("run", metavar="<run>", help="Run (ID)")
        return parser

    def take_action(self, parsed_args):
        return showing(self.app.client_manager.vmove.runs.get(parsed_args.run), FIELDS)


class _RunAction(common.ExitStatus, command.ShowOne):
    action = None
    waits_for = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("run", metavar="<run>", help="Run (ID)")
        self.add_options(parser)
        if self.waits_for:
            common.add_wait_options(parser, self.waits_for)
        return parser

    def add_options(self, parser):
        pass

    def call(self, client, parsed_args):
        return getattr(client.runs, self.action)(parsed_args.run)

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        run = self.call(client, parsed_args)
        if self.waits_for and parsed_args.wait:
            run, failed = wait_run(client, run, parsed_args, self.app.stderr)
            self.exit_status = 1 if failed else 0
        return showing(run, FIELDS)


class ApproveRun(_RunAction):
    _description = "Approve a run awaiting approval.\n\nThe run starts its moves (a plan whose approval is manual)."
    action = "approve"
    waits_for = "the run has ended"


class DenyRun(_RunAction):
    _description = "Deny a run awaiting approval.\n\nThe run ends as denied and makes no move."
    action = "deny"

    def add_options(self, parser):
        parser.add_argument("--reason", metavar="<reason>", help="Why the run is denied (kept as its message)")

    def call(self, client, parsed_args):
        return client.runs.deny(parsed_args.run, reason=parsed_args.reason)


class CancelRun(_RunAction):
    _description = (
        "Cancel a run.\n\nNo more moves start; moves under way are aborted where they can be. The answer's "
        "cancel field says what was aborted and what runs on."
    )
    action = "cancel"
    waits_for = "the run has ended"


class WaitRun(common.ExitStatus, command.ShowOne):
    _description = (
        "Wait until a run has ended, then show it.\n\nProgress is shown on stderr; the exit status is 1 unless "
        "the run succeeded (a dry run: validated) with every item, and what did not says why."
    )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("run", metavar="<run>", help="Run (ID)")
        common.add_wait_options(parser, None)
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        run, failed = wait_run(client, parsed_args.run, parsed_args, self.app.stderr)
        self.exit_status = 1 if failed else 0
        return showing(run, FIELDS)


class ListRunMove(command.Lister):
    _description = "List the moves a run made.\n\nEach move with its attempt number, oldest first."

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("run", metavar="<run>", help="Run (ID)")
        parser.add_argument(
            "--status",
            metavar="<status>",
            action="append",
            help=f"Only moves in this status ({', '.join(client_moves.STATUSES)}); repeat or comma-separate",
        )
        add_list_options(parser, "move", client_moves.SORT_KEYS)
        parser.add_argument("--long", action="store_true", help="List more fields")
        return parser

    def take_action(self, parsed_args):
        sort_key, sort_dir = parsed_args.sort or (None, None)
        found = self.app.client_manager.vmove.runs.moves(
            parsed_args.run,
            status=split(parsed_args.status),
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=parsed_args.limit,
            marker=parsed_args.marker,
        )
        fields = cli_moves.LONG_FIELDS if parsed_args.long else (*cli_moves.LIST_FIELDS, "attempt", "message")
        return common.listing(found, fields)
