"""Django for the dashboard's unit tests (Horizon's test helpers are Django test cases).

Horizon is a test dependency of vmove (tools/bootstrap installs it into .venv
from the dev cloud's lock file): missing, these tests are a failure under
CI=true and are left out elsewhere.
"""

import os

import pytest

from vmove.tests import fixtures as vfixtures

try:
    import horizon  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the machine
    if vfixtures.CI:
        raise RuntimeError(f"Horizon is not installed (CI=true: it is required): {e}; run tools/bootstrap") from e
    collect_ignore_glob = ["test_*.py"]
else:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vmove.tests.unit.dashboard.settings")
    import django

    django.setup()
    # configured: programs the other tests start (keystone, the openstack CLI...) need not inherit it
    if os.environ.get("DJANGO_SETTINGS_MODULE") == "vmove.tests.unit.dashboard.settings":
        del os.environ["DJANGO_SETTINGS_MODULE"]

    @pytest.fixture(scope="session", autouse=True)
    def _django_test_environment():
        from django.test import utils

        utils.setup_test_environment()
        databases = utils.setup_databases(verbosity=0, interactive=False)
        yield
        utils.teardown_databases(databases, verbosity=0)
        utils.teardown_test_environment()
