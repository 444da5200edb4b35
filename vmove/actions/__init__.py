"""Move actions, loaded with stevedore from the ``vmove.actions`` entry points."""
