"""vmove's Horizon plugin: moves, migration plans and runs, host recovery, engines.

Never imported by the vmove service. It talks to vmove only through
:mod:`vmove.client`, with the Horizon user's token and the catalog's
``vmove`` endpoint (:mod:`vmove.dashboard.api`), and checks vmove's own
policy rules (``conf/``) to show only the buttons a user may press.
Enable it by copying ``enabled/_9*.py`` into Horizon's
``openstack_dashboard/local/enabled/`` and ``local_settings.d/_90_vmove.py``
into ``openstack_dashboard/local/local_settings.d/`` (see
``doc/source/dashboard.rst``).
"""
