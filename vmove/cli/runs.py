"""``openstack vmove run list|show|approve|deny|cancel|wait``, ``run move list`` (API microversion 1.4) and
``run event list`` (1.5; ``approve``/``deny`` of chosen items too).

Also the commands that show a run and wait for it (:class:`RunShow`),
shared with ``vmove plan run``.
"""

from osc_lib.command import command

from vmove.cli import base, common, progress
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
    "estimate",
    "items",
    "cancel",
)
LIST_FIELDS = ("uuid", "plan_name", "dry_run", "status", "progress", "counts", "created_at")
#: the fields of ``show`` but the details
LONG_FIELDS = tuple(
    f for f in FIELDS if f not in ("decided_at", "user_id", "updated_at", "validated_at", "estimate", "items", "cancel")
)
RUN = (("run", "Run (ID)"),)
EVENT_FIELDS = ("at", "event", "item_uuid", "user_id", "message")


def render_run(run) -> tuple[int, str]:
    pct = 100 if client_runs.is_terminal(run) else int(run.get("progress") or 0)
    return pct, f"run {run['status']}: {progress.counts_text(run.get('counts') or {})}"


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


class ListRun(base.List):
    _description = "List runs of migration plans.\n\nA user sees the runs of their project, an admin every project's."
    rows = base.Rows("run", client_runs.SORT_KEYS, LIST_FIELDS, LONG_FIELDS)
    call = "runs.list"

    def add_filters(self, parser):
        parser.add_argument("--plan", metavar="<plan>", dest="plan_id", help="Only runs of this plan (ID)")
        common.add_status_option(parser, "Only runs", client_runs.STATUSES)
        dry = parser.add_mutually_exclusive_group()
        dry.add_argument("--dry-run", action="store_true", default=None, help="Only dry runs")
        dry.add_argument("--no-dry-run", action="store_false", dest="dry_run", help="Only real runs")
        self.add_project_option(parser)


class RunShow(base.Show):
    """:class:`~vmove.cli.base.Show` of a run: --wait shows its progress, then what did not go as asked."""

    fields = FIELDS

    def wait(self, client, run, parsed_args):
        final = progress.follow(client.wait_for_run, run, parsed_args, progress.Progress(self.app.stderr, render_run))
        return final, report_run(client, final, self.app.stderr)


class ShowRun(RunShow):
    _description = "Show one run of a plan: its status, counts per move status, progress and each item's verdict"
    arguments = RUN
    call = "runs.get"


def add_item_option(parser, verb):
    parser.add_argument(
        "--item",
        metavar="<item>",
        action="append",
        dest="items",
        help=f"{verb} only this item (its item ID or its instance or volume ID; repeatable); "
        f"default: every item not decided yet",
    )


class ApproveRun(RunShow):
    _description = (
        "Approve a run awaiting approval, or some of its items.\n\n"
        "Once no item is left undecided, the run makes the moves of the approved items."
    )
    arguments = RUN
    waits_for = "the run has ended"

    def add_options(self, parser):
        add_item_option(parser, "Approve")

    def fetch(self, client, parsed_args):
        return client.runs.approve(parsed_args.run, items=parsed_args.items)


class DenyRun(RunShow):
    _description = (
        "Deny a run awaiting approval, or some of its items.\n\n"
        "A denied item is not moved; when every item is denied the run ends as denied and makes no move."
    )
    arguments = RUN

    def add_options(self, parser):
        parser.add_argument("--reason", metavar="<reason>", help="Why (kept in the items' history and the run)")
        add_item_option(parser, "Deny")

    def fetch(self, client, parsed_args):
        return client.runs.deny(parsed_args.run, reason=parsed_args.reason, items=parsed_args.items)


class CancelRun(RunShow):
    _description = (
        "Cancel a run.\n\nNo more moves start; moves under way are aborted where they can be. The answer's "
        "cancel field says what was aborted and what runs on."
    )
    arguments = RUN
    call = "runs.cancel"
    waits_for = "the run has ended"


class WaitRun(RunShow):
    _description = (
        "Wait until a run has ended, then show it.\n\nProgress is shown on stderr; the exit status is 1 unless "
        "the run succeeded (a dry run: validated) with every item, and what did not says why."
    )
    arguments = RUN
    always_waits = True

    def fetch(self, client, parsed_args):
        return parsed_args.run


class ListRunMove(base.List):
    _description = "List the moves a run made.\n\nEach move with its attempt number, oldest first."
    arguments = RUN
    rows = base.Rows(
        "move", client_moves.SORT_KEYS, (*cli_moves.LIST_FIELDS, "attempt", "message"), cli_moves.LONG_FIELDS
    )
    call = "runs.moves"

    def add_filters(self, parser):
        common.add_status_option(parser, "Only moves", client_moves.STATUSES)


class ListRunEvent(command.Lister):
    _description = (
        "List what happened to a run: drains resolved, items validated, approved or denied (by whom, when), "
        "hosts disabled, pauses and resumes of its window, oldest first"
    )

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        base.add_arguments(parser, RUN)
        parser.add_argument("--item", metavar="<item>", help="Only this item's history (item, instance or volume ID)")
        return parser

    def take_action(self, parsed_args):
        found = self.app.client_manager.vmove.runs.events(parsed_args.run, item=parsed_args.item)
        return common.listing(found, EVENT_FIELDS)
