"""``openstack vmove event list``: the history of a move."""

from osc_lib.command import command

from vmove.cli import common

FIELDS = ("id", "at", "from_phase", "to_phase", "from_status", "status", "attempt", "message")
LONG_FIELDS = (*FIELDS, "detail")


class ListMoveEvent(command.Lister):
    _description = "List the state changes of a move.\n\nEvery transition of the move, oldest first."

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("move", metavar="<move>", help="Move (ID)")
        parser.add_argument(
            "--long", action="store_true", help="Also show each change's detail (Nova migration ID, bytes, error)"
        )
        return parser

    def take_action(self, parsed_args):
        events = self.app.client_manager.vmove.moves.events(parsed_args.move)
        return common.listing(events, LONG_FIELDS if parsed_args.long else FIELDS)
