"""A move in ``starting`` taken over from an engine that died: send it to the backend again, or not.

The dead engine committed its intent (``starting``, step ``execute``) and then
asked the backend; it may have died before the request left, while it was on
its way, or after the backend took it. The backend's own marks tell the last
case (:meth:`vmove.actions.base.Action.busy`: Nova's instance action and task
state, Cinder's volume status). The middle case leaves no mark yet: a request
sent just before the kill may still wait in the backend's API queue when the
lease runs out (three seconds in the tests, under a burst of thirty moves).
So a move is sent again only once its latest intent is :data:`RESEND_AFTER`
seconds old and the backend still shows nothing: sending it twice would start
two migrations of one instance, one of which fails while the other moves it.
A resend commits an intent of its own first, so an engine that dies while
resending is covered the same way.
"""

import logging

from oslo_utils import timeutils

from vmove.moves import queries

LOG = logging.getLogger(__name__)

#: how long a request sent by an engine that died may take to leave a mark in the backend
RESEND_AFTER = 60.0


def should_resend(ctx, action, move) -> bool:
    """Whether a taken-over move in ``starting`` with no backend record yet is to be sent again now.

    The age of the latest intent is looked at before the backend is asked: while it is young the answer
    is no whatever the backend says, and asking it for every taken-over move at every poll (two Nova calls
    each) loaded the very API queue the dead engine's request may be waiting in.
    """
    events = queries.events(ctx, move.uuid, attempt=move.attempt)
    if any((e.detail or {}).get("executed") for e in events):
        return False  # the backend took it: its record will come
    intents = [e.at for e in events if (e.detail or {}).get("step") == "execute"]
    age = (timeutils.utcnow(with_timezone=True) - intents[-1]).total_seconds() if intents else RESEND_AFTER
    if age < RESEND_AFTER:
        LOG.debug("Move %s: the request of the engine that died may still be on its way (%.0f s ago)", move.uuid, age)
        return False
    if action.busy(move):
        LOG.info("Move %s: the backend is at work on %s; waiting for its record", move.uuid, move.resource_id)
        return False
    LOG.info("Move %s never reached the backend; starting it", move.uuid)
    return True
