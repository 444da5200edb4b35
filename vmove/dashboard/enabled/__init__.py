"""Horizon's pluggable settings for vmove's panels: copy ``_9*.py`` into
``openstack_dashboard/local/enabled/``."""
