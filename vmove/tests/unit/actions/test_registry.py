"""The action registry checks each action's parameter schema once, when it loads the actions."""

import logging

from stevedore import extension

from vmove.actions import base, registry


class _Good(base.Action):
    resource_type = "instance"
    schema = {"type": "object", "properties": {"host": {"type": "string", "minLength": 1}}}


class _Misspelt(base.Action):
    resource_type = "instance"
    schema = {"type": "object", "properties": {"host": {"type": "string", "minlength": 1}}}  # Watcher's typo


class _Invalid(base.Action):
    resource_type = "instance"
    schema = {"type": "no-such-type"}


def _loaded(monkeypatch, plugins):
    exts = [extension.Extension(name, None, cls, None) for name, cls in plugins.items()]
    real = extension.ExtensionManager

    def manager(*args, **kwargs):
        return real.make_test_instance(exts)

    manager.ENTRY_POINT_CACHE = {}
    monkeypatch.setattr(registry.extension, "ExtensionManager", manager)
    registry.reset()
    try:
        return dict(registry.action_classes())
    finally:
        registry.reset()


def test_malformed_schemas_keep_their_action_out_and_say_why(monkeypatch, caplog):
    with caplog.at_level(logging.ERROR, logger=registry.__name__):
        found = _loaded(monkeypatch, {"good": _Good, "misspelt": _Misspelt, "invalid": _Invalid})
    assert found == {"good": _Good}
    text = caplog.text
    assert "Move action misspelt not loaded" in text and "'minlength'" in text
    assert "Move action invalid not loaded" in text


def test_requests_validate_against_the_loaded_schema_without_checking_it_again(monkeypatch):
    from vmove import exception, jsonschemas
    from vmove.moves import service

    _loaded(monkeypatch, {})  # reset in between
    monkeypatch.setattr(registry, "action_class", lambda move_type: _Good)
    monkeypatch.setattr(jsonschemas, "check_schema", lambda schema: (_ for _ in ()).throw(AssertionError("again")))
    assert service.check_request("good", "instance", {"host": "h1"}) == {"host": "h1"}
    try:
        service.check_request("good", "instance", {"host": ""})
    except exception.Invalid as exc:
        assert "'host'" in str(exc)
    else:
        raise AssertionError("an empty host was accepted")
