"""Pecan hooks: request context, configuration, error rendering."""

import logging

import pecan
from pecan import hooks

from vmove import context as vmove_context
from vmove.api import fault

LOG = logging.getLogger(__name__)


class Request(pecan.Request):
    """pecan's request, whose ``json`` (pecan reads it to route) refuses a body nested too deeply as it
    refuses bad JSON: pecan then routes without it, and the body's schema check answers 400."""

    @property
    def json(self):
        try:
            return super().json
        except RecursionError as e:
            raise ValueError("nested too deeply") from e


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
