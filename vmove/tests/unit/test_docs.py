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


def api_routes() -> dict:
    """(method, path) -> handler, from the pecan controllers (the walk the OpenAPI document uses too)."""
    from vmove.api import routes

    return routes.api_routes()


def _schema(ref: str):
    """The schema ``module:NAME``; of several (comma-separated, oldest first), the latest."""
    return _schemas(ref)[-1]


def _schemas(ref: str) -> list:
    """The schemas of a ``:query:``, ``:body:`` or ``:response:`` option (one per range of microversions)."""
    found = []
    for one in (r.strip() for r in ref.split(",") if r.strip()):
        module, _, name = one.partition(":")
        found.append(getattr(importlib.import_module(f"vmove.api.schemas.{module}"), name))
    return found


def test_api_ref_documents_every_route_as_the_handlers_are():
    from vmove.api import routes

    documented = documented_routes()
    real = api_routes()
    assert sorted(set(real) - set(documented)) == [], "routes missing from doc/source/api-ref"
    assert sorted(set(documented) - set(real)) == [], "documented routes the API does not have"
    for key, fn in real.items():
        options = documented[key]["options"]
        where = f"{key[0]} {key[1]} ({documented[key]['page']})"
        assert options.get("min_version", "1.0") == getattr(fn, "min_version", "1.0"), where
        assert options.get("max_version") == getattr(fn, "max_version", None), where
        for option in ("query", "body", "response"):
            attached = {id(schema) for schema, _low, _high in routes.schemas(fn, option)}
            named = [id(s) for s in _schemas(options[option])] if option in options else []
            assert len(attached) == len(named) and attached == set(named), (
                f"{where}: :{option}: {options.get(option)} are not the schemas the handler validates with"
            )


# ------------------------------------------------------------------ the samples
from vmove.api.openapi import FAULT  # noqa: E402 - the fault format, as the OpenAPI document has it

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
                schema = [VERSION_SAMPLES[sample]]
            elif sample.endswith("-req.json"):
                assert "body" in options, f"{sample}: {method} {path} takes no body"
                schema = _schemas(options["body"])
            else:
                assert "response" in options, f"{sample}: {method} {path} has no response schema"
                schema = _schemas(options["response"])
            wanted[sample] = (schema, f"{method} {path}")
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
        # a sample illustrates one microversion: it matches one of the route's schemas
        found = [
            list(validator(schema, format_checker=validator.FORMAT_CHECKER).iter_errors(data))
            for schema in (schemas if isinstance(schemas, list) else [schemas])
        ]
        assert any(errors == [] for errors in found), f"{sample} ({route}) breaks its schemas: {found[-1][0].message}"
