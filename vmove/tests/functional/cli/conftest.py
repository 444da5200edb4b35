"""The vmove API behind real Keystone auth, and the ``openstack`` command to drive it.

``vmove_api`` serves vmove's API over real HTTP on a free port, validating
tokens of the dev cloud's Keystone (as vmove/tests/functional/test_rbac.py
does); ``openstack`` runs the ``openstack`` binary of this venv as a user of
the dev cloud would, pointed at that API with ``--os-vmove-endpoint-override``
(the catalog's vmove endpoint is the dev cloud's port 9393).
"""

import dataclasses
import json
import os
import pathlib
import subprocess
import sys

import pytest

from vmove.tests.functional import keystone_api

OPENSTACK = str(pathlib.Path(sys.executable).parent / "openstack")


@pytest.fixture
def vmove_api(conf, db, devcloud_keystone, tmp_path):
    """A running vmove API with ``[api] auth_strategy = keystone``; yields the APIServer."""
    with keystone_api.keystone_api(conf, db, devcloud_keystone, tmp_path, ("max_limit = 50",)) as srv:
        yield srv


@dataclasses.dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout)


@dataclasses.dataclass
class OpenStackCLI:
    """``openstack ...`` as a user of the dev cloud, against one vmove API."""

    api_url: str
    keystone: object

    def env(self, user: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        creds = self.keystone.credentials(user)
        env.update(
            OS_AUTH_TYPE="password",
            OS_AUTH_URL=creds["auth_url"],
            OS_USERNAME=creds["username"],
            OS_PASSWORD=creds["password"],
            OS_PROJECT_NAME=creds["project_name"],
            OS_USER_DOMAIN_NAME=creds["user_domain_name"],
            OS_PROJECT_DOMAIN_NAME=creds["project_domain_name"],
            OS_REGION_NAME=self.keystone.region,
            OS_IDENTITY_API_VERSION="3",
        )
        if self.api_url:
            env["OS_VMOVE_ENDPOINT_OVERRIDE"] = self.api_url
        return env

    def command(self, args) -> list[str]:
        return [OPENSTACK, *args]

    def __call__(self, *args, user: str = "admin", timeout: float = 120) -> Result:
        done = subprocess.run(
            self.command(args), env=self.env(user), capture_output=True, text=True, timeout=timeout, check=False
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def json(self, *args, user: str = "admin"):
        return self(*args, "-f", "json", user=user).json()

    def start(self, *args, user: str = "admin") -> subprocess.Popen:
        """Start a command that runs for a while (--wait); the caller waits for it."""
        return subprocess.Popen(
            self.command(args), env=self.env(user), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


@pytest.fixture
def openstack(vmove_api, devcloud_keystone):
    return OpenStackCLI(vmove_api.url, devcloud_keystone)


@pytest.fixture
def projects(devcloud_keystone):
    """Project ID of each dev cloud user."""
    return {user: devcloud_keystone.session(user).get_project_id() for user in ("admin", "demo", "alt")}
