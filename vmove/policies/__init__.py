"""Policy defaults in code, one module per resource."""

import itertools

from vmove.policies import base, engines, moves, notifications, plans


def list_rules():
    return list(
        itertools.chain(
            base.list_rules(), moves.list_rules(), engines.list_rules(), plans.list_rules(), notifications.list_rules()
        )
    )
