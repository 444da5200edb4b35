"""Test fixtures: configuration, databases, API apps, services."""

import contextlib
import os
import socket
import urllib.parse
import uuid

import fixtures
from oslo_config import fixture as config_fixture
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from vmove import conf as vmove_conf
from vmove import context as vmove_context
from vmove import objects, policy
from vmove.db import api as db_api
from vmove.db import migration
from vmove.moves import leases
from vmove.moves import queries as move_queries

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

MARIADB_URL = os.environ.get("VMOVE_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")
POSTGRES_URL = os.environ.get("VMOVE_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
RABBIT_URL = os.environ.get("VMOVE_TEST_RABBIT", "rabbit://guest:guest@127.0.0.1:5672/")


def require_service(name: str, host: str, port: int) -> None:
    """A test needing a service on this machine: missing is a skip locally, a FAILURE under CI."""
    with socket.socket() as s:
        s.settimeout(2)
        if s.connect_ex((host, port)) == 0:
            return
    msg = f"{name} is not reachable on {host}:{port}"
    if CI:
        pytest.fail(f"{msg} (CI=true: services are required, not optional)")
    pytest.skip(msg)


def require_url(url: str) -> None:
    parsed = urllib.parse.urlparse(url.replace("+pymysql", "").replace("+psycopg2", ""))
    name = {"mysql": "MariaDB", "postgresql": "PostgreSQL", "rabbit": "RabbitMQ"}.get(parsed.scheme, parsed.scheme)
    require_service(name, parsed.hostname or "127.0.0.1", parsed.port)


class Config(fixtures.Fixture):
    """vmove's configuration, reset after each test."""

    def _setUp(self):
        self.conf = self.useFixture(config_fixture.Config(vmove_conf.CONF)).conf
        self.conf([], project="vmove", default_config_files=[])
        self.conf.set_default("connection", "sqlite://", group="database")
        self.conf.set_override("response_validation", "error", group="api")
        self.conf.set_override("transport_url", "fake://")
        self.conf.set_override("notifications", False, group="engine")
        objects.register_all()
        policy.reset()
        self.addCleanup(policy.reset)
        self.addCleanup(drop_auth_plugin_opts, self.conf)


def drop_auth_plugin_opts(conf):
    """keystonemiddleware and keystoneauth register their auth plugin's options
    (some required) on the configuration when they load: remove them, so the
    next test starts from the declared options only."""
    from keystoneauth1 import loading as ks_loading

    conf.clear()
    group = conf._groups.get("keystone_authtoken")
    for info in list(group._opts.values()) if group else []:
        conf.unregister_opt(info["opt"], group="keystone_authtoken")
    declared = {o.name for o in ks_loading.get_auth_common_conf_options() + ks_loading.get_session_conf_options()}
    group = conf._groups.get("service_auth")
    for info in list(group._opts.values()) if group else []:
        if info["opt"].name not in declared:
            conf.unregister_opt(info["opt"], group="service_auth")


def register_password_opts(conf, group="service_auth"):
    from keystoneauth1 import loading as ks_loading

    for opt in ks_loading.get_auth_plugin_conf_options("password"):
        if opt.dest not in conf[group]:
            conf.register_opt(opt, group=group)


class Database(fixtures.Fixture):
    """A fresh, migrated database behind vmove.db.api.

    ``url`` names a server database; a throw-away database is created in it
    and dropped at the end. The default is a SQLite file under ``tmpdir``.
    """

    def __init__(self, tmpdir=None, url=None):
        super().__init__()
        self.tmpdir = tmpdir
        self.url = url

    def _setUp(self):
        if self.url is None:
            self.url = f"sqlite:///{self.tmpdir}/vmove-{uuid.uuid4().hex[:8]}.sqlite"
        else:
            self.url = self.useFixture(ServerDatabase(self.url)).url
        vmove_conf.CONF.set_override("connection", self.url, group="database")
        factory = enginefacade._TransactionFactory()
        factory._facade_cfg["on_engine_create"].extend(
            db_api.main_context_manager._factory._facade_cfg["on_engine_create"]
        )
        reset = db_api.main_context_manager.patch_factory(factory)
        self.addCleanup(reset)
        self.addCleanup(factory.dispose_pool)
        migration.upgrade()
        self.engine = db_api.get_engine()


class ServerDatabase(fixtures.Fixture):
    """A throw-away database on a MariaDB or PostgreSQL server."""

    def __init__(self, admin_url):
        super().__init__()
        self.admin_url = admin_url

    def _setUp(self):
        require_url(self.admin_url)
        name = f"vmove_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f"CREATE DATABASE {name}"))

        def drop():
            with admin.connect() as c:
                if admin.dialect.name == "postgresql":
                    c.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :d AND pid <> pg_backend_pid()"
                        ),
                        {"d": name},
                    )
                c.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            admin.dispose()

        self.addCleanup(drop)
        self.url = str(sa.engine.make_url(self.admin_url).set(database=name).render_as_string(hide_password=False))


def make_move(ctx=None, **values):
    """Insert a move (and its first event) straight into the database."""
    ctx = ctx or vmove_context.get_admin_context()
    now = timeutils.utcnow()
    row = {
        "uuid": str(uuid.uuid4()),
        "resource_type": "instance",
        "resource_id": str(uuid.uuid4()),
        "resource_name": "vm",
        "type": "live_migration",
        "status": "pending",
        "phase": "queued",
        "source_host": "host1",
        "priority": 0,
        "attempt": 1,
        "progress": 0,
        "project_id": "p1",
        "user_id": "u1",
        "origin": "request:" + str(uuid.uuid4()),
        "created_at": now,
        "updated_at": now,
    }
    row.update(values)
    return move_queries.create(ctx, row, event={"message": "requested"})


def claim_pending(ctx, engine_id, n, lease_until, now):
    """Claim the first ``n`` free pending moves (most important first) as an engine's dispatch does."""
    return leases.dispatch(ctx, engine_id, lease_until, now, lambda pending, in_flight: pending[:n])


@contextlib.contextmanager
def noop():
    yield
