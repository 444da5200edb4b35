"""Named lifecycles: documented states, edges named by the event that takes them.

A host-failure notification, its restore and a plan run each have one
:class:`Lifecycle` (:mod:`vmove.recovery.lifecycle`,
:mod:`vmove.plans.lifecycle`). Code that changes such a status asks the
lifecycle for the target of an event (:meth:`Lifecycle.target`), the one
place that refuses an illegal change, and writes it with a compare-and-swap
on the status it read, so two writers never both win.

A move's phases are a machine per move type with their own rules
(:mod:`vmove.moves.states`).
"""

import dataclasses

from vmove import exception


class IllegalStateChange(exception.Conflict):
    msg_fmt = "%(what)s %(ident)s is %(source)s: it cannot %(event)s."


@dataclasses.dataclass(frozen=True)
class Lifecycle:
    #: what goes through it: "Run", "Notification", "Restore of notification"
    what: str
    #: state -> what it means
    states: dict
    #: (state, event) -> state; the source ``None`` is "not started yet" (see ``initial``)
    edges: dict
    #: the state a new one starts in; None when it starts with the event of an edge from ``None``
    initial: str | None = None

    def __post_init__(self):
        known = set(self.states) | {None}
        for (source, event), target in self.edges.items():
            if source not in known or target not in self.states:
                raise ValueError(f"{self.what}: edge {source!r} -{event}-> {target!r} names an unknown state")

    @property
    def events(self) -> frozenset:
        return frozenset(event for _, event in self.edges)

    def final(self) -> frozenset:
        """States no event leaves."""
        return frozenset(self.states) - {source for source, _ in self.edges}

    def target(self, source, event: str, ident: str = "") -> str:
        """The state ``event`` takes ``source`` to; :class:`IllegalStateChange` (409) when it has no such edge."""
        found = self.edges.get((source, event))
        if found is None:
            raise IllegalStateChange(
                what=self.what, ident=ident, source=source or "not started", event=event.replace("_", " ")
            )
        return found
