"""The ``openstack vmove ...`` commands (an osc-lib plugin); see :mod:`vmove.cli.plugin`."""
