"""The shapes of the vmove commands: a list (page after page), one resource shown, and waiting with --wait.

A command is a subclass that declares what differs (its arguments, columns and
the client call); the parsing, paging, formatting and waiting are here.
"""

from osc_lib.command import command

from vmove.cli import common


def add_arguments(parser, arguments) -> None:
    """The positional arguments ``(name, help)``, each with the metavar ``<name>``."""
    for name, text in arguments:
        parser.add_argument(name, metavar=f"<{name}>", help=text)


class Waits:
    """Mixin of a command that can wait until what it acts on has ended: ``--wait`` and its exit status.

    A subclass declares ``waits_for``, the end ``--wait`` waits for in its
    help ("the run has ended"), or ``always_waits`` for a command that does
    nothing but wait (no ``--wait``); it implements ``wait(client, thing,
    parsed_args) -> (final thing, how many things did not go as asked)`` and
    calls :meth:`add_wait_options` and :meth:`waited`.  The exit status is 1
    when something did not go as asked (cliff returns 0 otherwise).
    """

    waits_for = None
    always_waits = False
    exit_status = 0

    def add_wait_options(self, parser) -> None:
        if self.always_waits:
            common.add_wait_options(parser, None)
        elif self.waits_for:
            common.add_wait_options(parser, self.waits_for)

    def wait(self, client, thing, parsed_args):
        raise NotImplementedError

    def waited(self, client, thing, parsed_args):
        """``thing`` once it has ended if the command waits (and sets the exit status), else ``thing``."""
        if not (self.always_waits or (self.waits_for and parsed_args.wait)):
            return thing
        final, failed = self.wait(client, thing, parsed_args)
        self.exit_status = 1 if failed else 0
        return final

    def run(self, parsed_args):
        return super().run(parsed_args) or self.exit_status


class List(command.Lister):
    """A list of resources, every page unless ``--limit`` says how many, ``--long`` for more columns.

    A subclass declares ``arguments`` (its positional arguments, ``(name,
    help)`` each), ``resource`` (what a row is, in the help of ``--limit``
    and ``--marker``: "move"), ``sort_keys`` (and ``sort_default``, said in
    the help of ``--sort``), ``columns`` and ``long_columns``; it adds its
    filters in ``add_filters(parser)`` and lists with ``fetch(client,
    parsed_args, **page)``, ``page`` being the ``sort_key``, ``sort_dir``,
    ``limit`` and ``marker`` the client's list calls take.
    """

    arguments = ()
    resource = None
    sort_keys = ()
    sort_default = None
    columns = ()
    long_columns = ()

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_arguments(parser, self.arguments)
        self.add_filters(parser)
        common.add_list_options(parser, self.resource, self.sort_keys, self.sort_default)
        parser.add_argument("--long", action="store_true", help="List more fields")
        return parser

    def add_filters(self, parser) -> None:
        pass

    def fetch(self, client, parsed_args, **page):
        raise NotImplementedError

    def take_action(self, parsed_args):
        sort_key, sort_dir = parsed_args.sort or (None, None)
        page = {"sort_key": sort_key, "sort_dir": sort_dir, "limit": parsed_args.limit, "marker": parsed_args.marker}
        found = self.fetch(self.app.client_manager.vmove, parsed_args, **page)
        return common.listing(found, self.long_columns if parsed_args.long else self.columns)

    def add_project_option(self, parser) -> None:
        """``--project`` (admin): only the resources of one project (see :meth:`project_id`)."""
        parser.add_argument(
            "--project", metavar="<project>", help=f"Only {self.resource}s of this project (name or ID; admin)"
        )

    def project_id(self, parsed_args):
        """The ID of the project of ``--project`` (a name or an ID); None without it."""
        if not parsed_args.project:
            return None
        return common.resolve_project(self.app.client_manager, parsed_args.project)


class Show(Waits, command.ShowOne):
    """One resource, after what the command asks of the API (creating it, approving it...), perhaps waited for.

    A subclass declares ``arguments`` (its positional arguments, ``(name,
    help)`` each), ``fields`` (the fields shown first, in this order; newer
    ones follow, sorted) and ``hidden`` (fields never shown); it adds its
    other options in ``add_options(parser)`` and gets the resource with
    ``call``, the client's method given the positional arguments in order
    (``"runs.approve"``), or else ``fetch(client, parsed_args)``.  A command
    that can wait declares what :class:`Waits` says.
    """

    arguments = ()
    fields = ()
    hidden = ("links",)
    call = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_arguments(parser, self.arguments)
        self.add_options(parser)
        self.add_wait_options(parser)
        return parser

    def add_options(self, parser) -> None:
        pass

    def fetch(self, client, parsed_args):
        manager, method = self.call.split(".")
        call = getattr(getattr(client, manager), method)
        return call(*(getattr(parsed_args, name) for name, _ in self.arguments))

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        resource = self.waited(client, self.fetch(client, parsed_args), parsed_args)
        return common.showing(resource, self.fields, hidden=self.hidden)
