"""The dev cloud fixtures (``devcloud_keystone``, ``devcloud``) for the tests of this directory."""

from vmove.devcloud.fixtures import devcloud, devcloud_keystone  # noqa: F401
