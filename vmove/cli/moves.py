"""``openstack vmove list|show|create|cancel|wait``."""

from osc_lib import exceptions
from osc_lib.command import command

from vmove import vocabulary
from vmove.cli import base, common, progress
from vmove.client import moves as client_moves

#: every field of a move, in the order ``show`` gives them: the API's, with the progress by the phase and the
#: origin by the message, then the times
FIELDS = common.reordered(vocabulary.MOVE_FIELDS, progress="phase", origin="message") + vocabulary.MOVE_TIMES
LIST_FIELDS = ("uuid", "type", "resource_id", "status", "phase", "progress", "source_host", "dest_host")
#: ``--long``: show's fields but the parameters, the user and the last update; the type first, the
#: priority and attempt by the progress, the message last
LONG_FIELDS = common.reordered(
    tuple(f for f in FIELDS if f not in ("params", "user_id", "updated_at")),
    type="uuid",
    priority="progress",
    attempt="priority",
    message="created_at",
)
WAIT_FIELDS = ("uuid", "type", "resource_id", "status", "phase", "progress", "message")

BLOCK_MIGRATION = {"auto": "auto", "true": True, "false": False}
#: (option, parsed argument) of the params of each kind of resource
INSTANCE_OPTIONS = (("--host", "host"), ("--block-migration", "block_migration"), ("--flavor", "flavor"))
VOLUME_OPTIONS = (
    ("--migration-type", "migration_type"),
    ("--destination-node", "destination_node"),
    ("--destination-type", "destination_type"),
)
#: the volume move type a --migration-type implies when --type is not given
VOLUME_TYPE_OF = {"swap": "volume_swap", "retype": "volume_retype"}


class ListMove(base.List):
    _description = "List moves.\n\nA user sees the moves of their project, an admin every project's; oldest first."
    rows = base.Rows("move", client_moves.SORT_KEYS, LIST_FIELDS, LONG_FIELDS)
    sort_default = "created_at:asc"
    call = "moves.list"

    def add_filters(self, parser):
        common.add_status_option(
            parser, "Only moves", client_moves.STATUSES, "repeat or comma-separate for any of several"
        )
        common.add_type_option(parser, "move", client_moves.TYPES, "repeat or comma-separate for several")
        parser.add_argument(
            "--resource", metavar="<resource-id>", dest="resource_id", help="Only moves of this instance or volume (ID)"
        )
        parser.add_argument(
            "--resource-type", choices=client_moves.RESOURCE_TYPES, help="Only moves of instances, or of volumes"
        )
        parser.add_argument("--host", metavar="<host>", help="Only moves from or to this host")
        parser.add_argument(
            "--origin", metavar="<origin>", help="Only moves of this origin (the request, notification or plan run)"
        )
        self.add_project_option(parser)
        parser.add_argument(
            "--changes-since",
            metavar="<time>",
            help="Only moves changed since this ISO 8601 time (e.g. 2026-11-24T10:00:00Z)",
        )


class ShowMove(base.Show):
    _description = "Show one move"
    arguments = (("move", "Move (ID)"),)
    call = "moves.get"
    fields = FIELDS


class WaitsForMoves(base.Waits):
    """:class:`~vmove.cli.base.Waits` for moves: each one that did not end in ``expected`` says why."""

    expected = ("succeeded",)

    def wait(self, client, moves, parsed_args):
        final = progress.follow(client.wait_for_moves, moves, parsed_args, progress.Progress(self.app.stderr))
        return final, progress.report(final, self.app.stderr, self.expected)


class CreateMove(WaitsForMoves, base.Show):
    _description = (
        "Ask for one move of an instance or a volume.\n\n"
        "The move is queued (status pending) and run by the engine; follow it with --wait or "
        "'openstack vmove show'."
    )
    fields = FIELDS
    waits_for = "the move has ended"

    def add_options(self, parser):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--instance", metavar="<instance>", help="Move this instance (ID)")
        what.add_argument("--volume", metavar="<volume>", help="Move this volume (ID)")
        parser.add_argument(
            "--type",
            metavar="<type>",
            dest="move_type",
            help=(
                "Move type: live_migration (default for an instance), cold_migration, resize (with --flavor) or "
                "evacuation; "
                "volume_migration (default for a volume), volume_retype or volume_swap"
            ),
        )
        parser.add_argument(
            "--host", metavar="<host>", help="Instance: destination host (default: the scheduler picks)"
        )
        parser.add_argument(
            "--block-migration",
            choices=sorted(BLOCK_MIGRATION),
            help="Live migration: block migration (default: auto)",
        )
        parser.add_argument(
            "--flavor", metavar="<flavor>", help="Resize: the new flavor (name or ID; Nova's scheduler picks the host)"
        )
        parser.add_argument(
            "--migration-type",
            choices=("swap", "cold", "retype", "migrate"),
            help="Volume: how Cinder moves it (retype implies --type volume_retype, swap --type volume_swap)",
        )
        parser.add_argument(
            "--destination-node", metavar="<host@backend#pool>", help="Volume: destination Cinder backend"
        )
        parser.add_argument("--destination-type", metavar="<volume-type>", help="Volume: new volume type")
        parser.add_argument(
            "--priority", metavar="<priority>", type=int, help="Priority; higher moves start first (default: 0)"
        )

    def _request(self, parsed_args):
        """(resource type, resource ID, move type, params) from the options; CommandError if they clash."""
        a = parsed_args
        if a.instance:
            resource_type, resource_id, allowed = "instance", a.instance, client_moves.INSTANCE_TYPES
            move_type = a.move_type or "live_migration"
            own, other = INSTANCE_OPTIONS, VOLUME_OPTIONS
        else:
            resource_type, resource_id, allowed = "volume", a.volume, client_moves.VOLUME_TYPES
            move_type = a.move_type or VOLUME_TYPE_OF.get(a.migration_type, "volume_migration")
            own, other = VOLUME_OPTIONS, INSTANCE_OPTIONS
        if move_type not in allowed:
            raise exceptions.CommandError(
                f"A move of {resource_type} is one of {', '.join(allowed)}, not {move_type!r}."
            )
        wrong = [flag for flag, dest in other if getattr(a, dest) is not None]
        if a.block_migration and move_type != "live_migration":
            wrong.append("--block-migration")
        if (a.flavor is not None) != (move_type == "resize"):
            if move_type == "resize":
                raise exceptions.CommandError("A resize needs --flavor (the new flavor).")
            wrong.append("--flavor")
        if wrong:
            raise exceptions.CommandError(f"{', '.join(wrong)} cannot be used with a {move_type} of {resource_type}.")
        params = {dest: getattr(a, dest) for _, dest in own if getattr(a, dest) is not None}
        if "block_migration" in params:
            params["block_migration"] = BLOCK_MIGRATION[params["block_migration"]]
        return resource_type, resource_id, move_type, params

    def fetch(self, client, parsed_args):
        resource_type, resource_id, move_type, params = self._request(parsed_args)
        return client.moves.create(resource_type, resource_id, move_type, params=params, priority=parsed_args.priority)

    def wait(self, client, move, parsed_args):
        (final,), failed = super().wait(client, [move], parsed_args)
        return final, failed


class MovesCommand(WaitsForMoves):
    """A command on the moves given as its arguments, which it can wait for: declares ``moves_help`` (the help of
    its ``<move>`` arguments) and what :class:`~vmove.cli.base.Waits` says."""

    moves_help = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("moves", metavar="<move>", nargs="+", help=self.moves_help)
        self.add_wait_options(parser)
        return parser


class CancelMove(MovesCommand, command.Command):
    _description = (
        "Cancel moves.\n\n"
        "A move not started yet never starts; a live migration under way is aborted. A move that "
        "cannot be cancelled (it has ended, or cannot be aborted) says why."
    )
    moves_help = "Move(s) to cancel (ID)"
    waits_for = "the moves have ended (as cancelled)"
    expected = ("cancelled",)

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        accepted = common.call_each(client.moves.cancel, parsed_args.moves, self.app.stderr, "cancel move")
        if accepted:
            self.waited(client, accepted, parsed_args)
        common.check_all_done(accepted, parsed_args.moves, "moves could not be cancelled")


class WaitMove(MovesCommand, command.Lister):
    _description = (
        "Wait until moves have ended, then list them.\n\n"
        "Progress is shown on stderr; the exit status is 1 unless every move succeeded, and each "
        "move that did not says why."
    )
    moves_help = "Move(s) to wait for (ID)"
    always_waits = True

    def take_action(self, parsed_args):
        final = self.waited(self.app.client_manager.vmove, parsed_args.moves, parsed_args)
        return common.listing(final, WAIT_FIELDS)
