"""The shapes of the vmove commands: a list (page after page), one resource shown, and waiting with --wait.

A command is a subclass that declares what differs (its arguments, columns and
the client call); the parsing, paging, formatting and waiting are here.
"""

import dataclasses

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


class Recorder:
    """A parser, or a group of its arguments, that records the ``dest`` of each argument added to it.

    Each argument is added to the real parser (or group), whose ``add_argument``
    returns the argparse Action made; a group made through the recorder records
    into the same ``dests``. Anything else is the real parser's.
    """

    def __init__(self, container, dests=None):
        self._container = container
        self.dests = [] if dests is None else dests

    def add_argument(self, *args, **kwargs):
        action = self._container.add_argument(*args, **kwargs)
        self.dests.append(action.dest)
        return action

    def add_argument_group(self, *args, **kwargs):
        return Recorder(self._container.add_argument_group(*args, **kwargs), self.dests)

    def add_mutually_exclusive_group(self, *args, **kwargs):
        return Recorder(self._container.add_mutually_exclusive_group(*args, **kwargs), self.dests)

    def __getattr__(self, name):
        return getattr(self._container, name)


@dataclasses.dataclass(frozen=True)
class Rows:
    """The rows of a list of one kind of resource.

    ``resource`` is what a row is, in the help of ``--limit``, ``--marker``
    and ``--project`` ("move"); ``sort_keys`` are the keys of ``--sort``;
    ``columns`` and ``long_columns`` the columns without and with ``--long``.
    """

    resource: str
    sort_keys: tuple
    columns: tuple
    long_columns: tuple


class Calls:
    """Mixin of a command that gets what it shows from one client call.

    A subclass declares ``arguments``, its positional arguments (``(name,
    help)`` each), and ``call``, the client's method given them in order
    (``"runs.approve"``).
    """

    arguments = ()
    call = None

    def called(self, client, parsed_args, **kwargs):
        """The answer of ``call`` given the positional arguments, then ``kwargs``."""
        manager, method = self.call.split(".")
        positional = (getattr(parsed_args, name) for name, _ in self.arguments)
        return getattr(getattr(client, manager), method)(*positional, **kwargs)


class List(Calls, command.Lister):
    """A list of resources, every page unless ``--limit`` says how many, ``--long`` for more columns.

    A subclass declares ``rows`` (a :class:`Rows`), ``sort_default`` (said in
    the help of ``--sort``, if any) and what :class:`Calls` says: ``call``
    lists, given the positional arguments, the filters and the page (the
    ``sort_key``, ``sort_dir``, ``limit`` and ``marker`` the client's list
    calls take). The filters are the options it adds in
    ``add_filters(parser)`` (the parser, through a :class:`Recorder`), each
    given to ``call`` under its dest; that of :meth:`add_project_option` as
    the project's ID. A command whose filters are not so simple lists in
    ``fetch(client, parsed_args, **page)``.
    """

    rows = None
    sort_default = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_arguments(parser, self.arguments)
        filters = Recorder(parser)
        self.add_filters(filters)
        #: the dests of the options add_filters added: the filters given to ``call``
        self.filter_names = tuple(dict.fromkeys(filters.dests))
        common.add_list_options(parser, self.rows.resource, self.rows.sort_keys, self.sort_default)
        parser.add_argument("--long", action="store_true", help="List more fields")
        return parser

    def add_filters(self, parser) -> None:
        pass

    def fetch(self, client, parsed_args, **page):
        """``call``, given the positional arguments, the filters and ``page``."""
        filters = {name: getattr(parsed_args, name) for name in self.filter_names}
        if "project_id" in filters:
            filters["project_id"] = self.project_id(parsed_args)
        return self.called(client, parsed_args, **filters, **page)

    def take_action(self, parsed_args):
        sort_key, sort_dir = parsed_args.sort or (None, None)
        page = {"sort_key": sort_key, "sort_dir": sort_dir, "limit": parsed_args.limit, "marker": parsed_args.marker}
        found = self.fetch(self.app.client_manager.vmove, parsed_args, **page)
        return common.listing(found, self.rows.long_columns if parsed_args.long else self.rows.columns)

    def add_project_option(self, parser) -> None:
        """``--project`` (admin): only the resources of one project (see :meth:`project_id`)."""
        parser.add_argument(
            "--project",
            metavar="<project>",
            dest="project_id",
            help=f"Only {self.rows.resource}s of this project (name or ID; admin)",
        )

    def project_id(self, parsed_args):
        """The ID of the project of ``--project`` (a name or an ID); None without it."""
        if not parsed_args.project_id:
            return None
        return common.resolve_project(self.app.client_manager, parsed_args.project_id)


class Show(Waits, Calls, command.ShowOne):
    """One resource, after what the command asks of the API (creating it, approving it...), perhaps waited for.

    A subclass declares ``fields`` (the fields shown first, in this order;
    newer ones follow, sorted) and ``hidden`` (fields never shown); it adds
    its other options in ``add_options(parser)`` and gets the resource with
    the ``call`` of its positional ``arguments`` (see :class:`Calls`), or
    else ``fetch(client, parsed_args)``.  A command that can wait declares
    what :class:`Waits` says.
    """

    fields = ()
    hidden = ("links",)

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_arguments(parser, self.arguments)
        self.add_options(parser)
        self.add_wait_options(parser)
        return parser

    def add_options(self, parser) -> None:
        pass

    def fetch(self, client, parsed_args):
        return self.called(client, parsed_args)

    def take_action(self, parsed_args):
        client = self.app.client_manager.vmove
        resource = self.waited(client, self.fetch(client, parsed_args), parsed_args)
        return common.showing(resource, self.fields, hidden=self.hidden)
