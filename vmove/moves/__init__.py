"""The move: one move of one resource, its state machine, and how it is asked for, scheduled and recorded.

- :mod:`~vmove.moves.states`: the state machine of each move type (the bottom of the feature);
- :mod:`~vmove.moves.transitions`: every state change (CAS + event + notification);
- :mod:`~vmove.moves.service`: asking for a move, cancelling it;
- :mod:`~vmove.moves.scheduler`: which pending moves start now, under every limit;
- :mod:`~vmove.moves.queries` and :mod:`~vmove.moves.leases`: the database;
- :mod:`~vmove.moves.notify`: the versioned notifications.
"""
