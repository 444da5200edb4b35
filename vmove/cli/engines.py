"""``openstack vmove engine list`` (API microversion 1.1, admin)."""

from osc_lib.command import command

from vmove.cli import common

FIELDS = ("id", "host", "topic", "pid", "version", "state", "started_at", "last_heartbeat", "stopped_at")


class ListEngine(command.Lister):
    _description = "List the vmove engines.\n\nEach engine's state (up, down, stopped) and last heartbeat (admin)."

    def take_action(self, parsed_args):
        return common.listing(self.app.client_manager.vmove.engines.list(), FIELDS)
