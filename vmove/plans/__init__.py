"""Migration plans and their runs: what to move where, under which limits and window, approved how.

- :mod:`~vmove.plans.lifecycle`: the run's state machine and an item's migration status;
- :mod:`~vmove.plans.service`: what the API asks (write plans, order, approve, deny, cancel);
- :mod:`~vmove.plans.extension`: the engines' side (validate under a lease, make the moves, roll up, limits);
- :mod:`~vmove.plans.validation` (with :mod:`~vmove.plans.volume_checks`): every item's verdict;
- :mod:`~vmove.plans.dispatch`: the moves of a run, made and followed;
- :mod:`~vmove.plans.queries`: plans, runs and their items in the database.
"""
