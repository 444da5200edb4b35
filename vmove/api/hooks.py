"""Pecan hooks: request context, configuration, error rendering."""

import logging

from pecan import hooks

from vmove import context as vmove_context
from vmove.api import fault

LOG = logging.getLogger(__name__)


class ConfigHook(hooks.PecanHook):
    """Make the service's configuration reachable from handlers."""

    def __init__(self, conf):
        self.conf = conf

    def before(self, state):
        state.request.context["conf"] = self.conf


class ContextHook(hooks.PecanHook):
    """Build the RequestContext from the identity headers.

    keystonemiddleware (or the noauth middleware) has set them by now.
    """

    def before(self, state):
        state.request.context["context"] = vmove_context.RequestContext.from_environ(state.request.environ)


class FaultHook(hooks.PecanHook):
    """Render vmove's exceptions as OpenStack faults."""

    def on_error(self, state, exc):
        return fault.from_exception(exc)
