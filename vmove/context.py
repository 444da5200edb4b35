"""The request context: who asks, plus the enginefacade transaction state."""

import contextlib
import threading

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """A security context carried from the API through RPC to the engine."""

    def to_policy_values(self):
        values = super().to_policy_values()
        values["project_id"] = self.project_id
        return values


def get_admin_context(request=None) -> RequestContext:
    """Context of vmove itself (the engine acting on its own).

    With ``request`` (the context of a request vmove works for, e.g. one an RPC cast carried), the new
    context keeps its request ids: the moves made with it send them to Nova and Cinder.
    """
    ids = {}
    if request is not None:
        ids = {"request_id": request.request_id, "global_request_id": request.global_request_id}
    return RequestContext(is_admin=True, roles=["admin", "member", "reader"], overwrite=False, **ids)


_ACTING = threading.local()
_UNSET = object()


def current_global_id() -> str | None:
    """The global request id this thread's calls to Nova and Cinder send: the request :func:`acting_for`
    names, or else that of this thread's current context (an RPC handler's: its cast's), if any."""
    acting = getattr(_ACTING, "global_id", _UNSET)
    if acting is not _UNSET:
        return acting
    current = context.get_current()
    return current.global_id if current is not None else None


@contextlib.contextmanager
def acting_for(global_request_id: str | None):
    """vmove, as itself, doing the work of the request ``global_request_id`` (a move's, say).

    While the block runs, this thread's calls to Nova and Cinder send the id as their
    ``X-OpenStack-Request-ID`` (:class:`vmove.clients.CountingSession`) and its current context (oslo.context)
    carries it: the log lines written meanwhile show it. ``None``: vmove's own work, no id sent. The
    thread's previous id and context are put back afterwards.
    """
    previous, before = context.get_current(), getattr(_ACTING, "global_id", _UNSET)
    _ACTING.global_id = global_request_id or None
    if global_request_id:
        ctx = RequestContext(is_admin=True, request_id=global_request_id, global_request_id=global_request_id)
    else:
        ctx = None
        _set_current(None)
    try:
        yield ctx
    finally:
        _set_current(previous)
        if before is _UNSET:
            del _ACTING.global_id
        else:
            _ACTING.global_id = before


@contextlib.contextmanager
def kept():
    """This thread's current context as it was before the block (oslo.messaging's notifier makes a
    redacted copy of the context it is given, which becomes the thread's current one)."""
    previous = context.get_current()
    try:
        yield
    finally:
        _set_current(previous)


def _set_current(ctx) -> None:
    if ctx is not None:
        ctx.update_store()
    else:
        # oslo.context has no public way to clear the thread's context
        context._request_store.__dict__.pop("context", None)
