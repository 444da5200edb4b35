"""Functional tests: real HTTP, real databases, real RPC, real peers."""

import pytest

from vmove.devcloud.fixtures import devcloud, devcloud_keystone  # noqa: F401


@pytest.fixture(scope="module")
def cinder_peer(devcloud):  # noqa: F811 - the fixture imported above
    """The running :class:`vmove.devcloud.cinder.Cinder` (its files, its fault injection)."""
    return devcloud.component("cinder")


@pytest.fixture(scope="module")
def cc(devcloud, cinder_peer):  # noqa: F811
    """python-cinderclient as the dev cloud admin; endpoint from the catalog (volumev3)."""
    return devcloud.cinder("admin")


@pytest.fixture
def faults(cinder_peer):
    """The Cinder peer's fault injection, cleared after the test."""
    yield cinder_peer
    cinder_peer.clear_faults()


@pytest.fixture
def keystone_api(conf, db, devcloud_keystone, tmp_path):  # noqa: F811
    """vmove's API behind keystonemiddleware and the dev cloud's Keystone: ``(APIServer, Keystone)``."""
    from vmove.tests.functional import keystone_api as ks_api

    with ks_api.keystone_api(conf, db, devcloud_keystone, tmp_path) as srv:
        yield srv, devcloud_keystone
