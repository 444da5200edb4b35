"""The documentation builds with warnings as errors, and its API reference is the API.

- ``doc/source`` and ``releasenotes/source`` build with ``sphinx-build -W``
  (as ``tox -e docs``, ``tox -e releasenotes`` and ``tools/build-docs``).
  Without sphinx (``doc/requirements.txt``, installed by ``tools/bootstrap``)
  the build is skipped, except under ``CI=true`` where that is a failure.
- Every route of the API has exactly one ``vmove-route`` in ``doc/source/api-ref``,
  naming the schemas and the first microversion its handler really has.
- Every sample in ``doc/api_samples`` is shown in the reference and valid
  against the schema of the route it illustrates.
"""

import importlib
import inspect
import json
import os
import pathlib
import re
import subprocess
import sys

import jsonschema
import pytest

from vmove.tests import fixtures as vfixtures

ROOT = pathlib.Path(__file__).resolve().parents[3]
API_REF = ROOT / "doc" / "source" / "api-ref"
SAMPLES = ROOT / "doc" / "api_samples"
BUILD_TIMEOUT = 110  # seconds; a build takes about 15 s on the 2-core machine


# ------------------------------------------------------------------ the build
def _require_sphinx():
    try:
        import openstackdocstheme  # noqa: F401
        import reno  # noqa: F401
        import sphinx  # noqa: F401
    except ImportError as e:
        msg = f"the docs build needs doc/requirements.txt ({e}); tools/bootstrap installs it"
        if vfixtures.CI:
            pytest.fail(f"{msg} (CI=true: the docs build is required, not optional)")
        pytest.skip(msg)


def _sphinx(source: pathlib.Path, tmp_path: pathlib.Path):
    out = tmp_path / "html"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-d", str(tmp_path / "doctrees"), str(source), str(out)]
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env)
    assert result.returncode == 0, f"sphinx-build -W {source.relative_to(ROOT)} failed:\n{result.stderr[-6000:]}"
    return out


def test_docs_build_without_warnings(tmp_path):
    _require_sphinx()
    out = _sphinx(ROOT / "doc" / "source", tmp_path)
    for page in ("index", "api-ref/moves", "configuration/config-reference", "cli/reference"):
        assert (out / f"{page}.html").exists(), page
    # the generated parts are really there
    cli = (out / "cli" / "reference.html").read_text()
    assert "vmove plan create" in cli and "--max-in-flight" in cli
    config = (out / "configuration" / "config-reference.html").read_text()
    assert "max_in_flight" in config and "auth_strategy" in config
    policy = (out / "configuration" / "policy-reference.html").read_text()
    assert "vmove:run:approve" in policy


def test_releasenotes_build_without_warnings(tmp_path):
    _require_sphinx()
    if not (ROOT / ".git").exists():
        pytest.fail("reno reads the notes from git: run the tests from a git clone")
    out = _sphinx(ROOT / "releasenotes" / "source", tmp_path)
    assert "Microversion 1.4" in (out / "unreleased.html").read_text()


# ------------------------------------------------------------------ the reference's routes
ROUTE = re.compile(r"^(\s*)\.\. vmove-route:: (\S+) (\S+)\s*$")
OPTION = re.compile(r"^\s+:([\w_]+):\s*(.*)$")
INCLUDE = re.compile(r"\.\. literalinclude:: (?:\.\./)+api_samples/(\S+)")


def documented_routes() -> dict:
    """(method, path) -> {"options": {...}, "samples": [files shown in the route's text], "page": name}."""
    routes = {}
    for page in sorted(API_REF.glob("*.rst")):
        lines = page.read_text().splitlines()
        i = 0
        while i < len(lines):
            m = ROUTE.match(lines[i])
            if not m:
                i += 1
                continue
            indent, method, path = len(m.group(1)), m.group(2), m.group(3)
            assert (method, path) not in routes, f"{method} {path} documented twice"
            entry = {"options": {}, "samples": [], "page": page.name}
            i += 1
            while i < len(lines) and (OPTION.match(lines[i])):
                key, value = OPTION.match(lines[i]).groups()
                entry["options"][key] = value.strip()
                i += 1
            # the content: lines more indented than the directive, or blank
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                inc = INCLUDE.search(lines[i])
                if inc:
                    entry["samples"].append(inc.group(1))
                i += 1
            routes[(method, path)] = entry
    return routes


_HANDLERS = ("get", "get_all", "get_one", "post", "patch", "put", "delete")
_ITEM = ("get_one", "patch", "put", "delete")
_METHODS = {
    "get": "GET",
    "get_all": "GET",
    "get_one": "GET",
    "post": "POST",
    "patch": "PATCH",
    "put": "PUT",
    "delete": "DELETE",
}


def api_routes() -> dict:
    """(method, path) -> handler, from the pecan controllers (path parameters named as the handler's arguments)."""
    from pecan import rest

    from vmove.api.controllers import root

    found = {}

    def args(fn):
        params = inspect.signature(inspect.unwrap(fn)).parameters.values()
        return [p.name for p in params if p.kind == p.POSITIONAL_OR_KEYWORD and p.name != "self"]

    def visit(controller, names):
        cls = type(controller)
        customs = getattr(cls, "_custom_actions", {})
        for attr in [*_HANDLERS, *customs]:
            fn = getattr(cls, attr, None)
            if fn is None or (attr in _HANDLERS and not getattr(fn, "exposed", False)):
                continue
            names_args = args(fn)
            resources = names[1:]  # below /v1
            segments = names[:1]
            for n, name in enumerate(resources):
                segments.append(name)
                if n < len(resources) - 1:
                    segments.append(f"{{{names_args[n]}}}")
            if attr in _ITEM or attr in customs:
                segments.append(f"{{{names_args[len(resources) - 1]}}}")
            if attr in customs:
                segments.append(attr)
            method = _METHODS[attr] if attr in _HANDLERS else customs[attr][0]
            found[(method, "/" + "/".join(segments))] = fn
        for name, sub in vars(cls).items():
            if isinstance(sub, rest.RestController):
                visit(sub, [*names, name])

    visit(root.RootController(), [])
    return found


def _schema(ref: str):
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(f"vmove.api.schemas.{module}"), name)


def _schemas(refs: str) -> list:
    """The schemas of a ``:query:``, ``:body:`` or ``:response:`` option (one per range of microversions)."""
    return [_schema(ref.strip()) for ref in refs.split(",") if ref.strip()]


def test_api_ref_documents_every_route_as_the_handlers_are():
    documented = documented_routes()
    real = api_routes()
    assert sorted(set(real) - set(documented)) == [], "routes missing from doc/source/api-ref"
    assert sorted(set(documented) - set(real)) == [], "documented routes the API does not have"
    for key, fn in real.items():
        options = documented[key]["options"]
        where = f"{key[0]} {key[1]} ({documented[key]['page']})"
        assert options.get("min_version", "1.0") == getattr(fn, "min_version", "1.0"), where
        assert options.get("max_version") == getattr(fn, "max_version", None), where
        for option, attr in (
            ("query", "_vmove_query_schemas"),
            ("body", "_vmove_body_schemas"),
            ("response", "_vmove_response_schemas"),
        ):
            attached = {id(schema) for schema, _low, _high in getattr(fn, attr, [])}
            # one schema per range of microversions, comma separated
            named = {id(schema) for schema in _schemas(options.get(option, ""))}
            assert attached == named, (
                f"{where}: :{option}: {options.get(option)} is not the schema the handler validates with"
            )


# ------------------------------------------------------------------ the samples
FAULT = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
        "required": ["code", "message"],
        "additionalProperties": False,
    },
}
VERSION = {
    "type": "object",
    "properties": {
        "id": {"const": "v1"},
        "status": {"type": "string"},
        "min_version": {"type": "string", "pattern": r"^1\.\d+$"},
        "version": {"type": "string", "pattern": r"^1\.\d+$"},
        "links": {"type": "array"},
        "media_types": {"type": "array"},
        "resources": {"type": "object"},
    },
    "required": ["id", "status", "min_version", "version", "links"],
    "additionalProperties": False,
}
VERSION_SAMPLES = {
    "versions/versions-resp.json": {
        "type": "object",
        "properties": {
            "name": {"const": "vmove"},
            "description": {"type": "string"},
            "versions": {"type": "array", "items": VERSION, "minItems": 1},
            "default_version": VERSION,
        },
        "required": ["name", "versions", "default_version"],
        "additionalProperties": False,
    },
    "versions/v1-resp.json": {
        "type": "object",
        "properties": {"version": VERSION},
        "required": ["version"],
        "additionalProperties": False,
    },
}


def _shown_samples() -> dict:
    """sample file -> schema it must match, for every sample the reference shows."""
    wanted = {}
    for (method, path), entry in documented_routes().items():
        options = entry["options"]
        for sample in [options.get("request_sample"), options.get("response_sample"), *entry["samples"]]:
            if not sample:
                continue
            if sample in VERSION_SAMPLES:
                schemas = [VERSION_SAMPLES[sample]]
            elif sample.endswith("-req.json"):
                assert "body" in options, f"{sample}: {method} {path} takes no body"
                schemas = _schemas(options["body"])
            else:
                assert "response" in options, f"{sample}: {method} {path} has no response schema"
                schemas = _schemas(options["response"])
            wanted[sample] = (schemas, f"{method} {path}")
    index = (API_REF / "index.rst").read_text()
    for sample in INCLUDE.findall(index):
        assert sample.startswith("errors/"), sample
        wanted[sample] = ([FAULT], "error")
    return wanted


def test_every_sample_is_shown_and_matches_its_schema():
    wanted = _shown_samples()
    on_disk = sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.json"))
    assert sorted(set(on_disk) - set(wanted)) == [], "samples not shown in doc/source/api-ref"
    assert sorted(set(wanted) - set(on_disk)) == [], "samples shown but missing from doc/api_samples"
    validator = jsonschema.Draft202012Validator
    for sample, (schemas, route) in sorted(wanted.items()):
        data = json.loads((SAMPLES / sample).read_text())
        # a sample of one of the route's microversions
        errors = [list(validator(s, format_checker=validator.FORMAT_CHECKER).iter_errors(data)) for s in schemas]
        assert [] in errors, f"{sample} ({route}) breaks its schema: {errors[0][0].message}"
