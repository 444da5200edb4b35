import pytest

from vmove.tests.unit.actions.fakes import FakeCinder, vol


@pytest.fixture
def cinder():
    """A fake cinderclient holding one volume (``vol()``)."""
    return FakeCinder(vol())
