"""Host recovery: evacuate a failed host's instances, most important first, and move them back when it returns.

- :mod:`~vmove.recovery.lifecycle`: the notification's and the restore's state machines;
- :mod:`~vmove.recovery.service`: what the API asks (report a failure, restore, retry);
- :mod:`~vmove.recovery.extension`: the engines' side (set-up under a claim, roll-up at every poll, limits);
- :mod:`~vmove.recovery.evacuate`, :mod:`~vmove.recovery.room`, :mod:`~vmove.recovery.rollup`,
  :mod:`~vmove.recovery.restore`: the workflows;
- :mod:`~vmove.recovery.queries`: the notifications in the database.
"""
