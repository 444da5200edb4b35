"""vmove's API reference, generated from the API's own JSON schemas.

Two directives:

``.. vmove-microversions::``
    The table of microversions, from ``vmove.api.microversion.VERSIONS`` and
    the one-line comment beside each version.

``.. vmove-route:: METHOD /v1/path/{param}``
    One route: its microversion range, the prose given as content, then the
    request (path parameters, query parameters and body, each a table built
    from the handler's schema), the response (status, table, sample) and the
    error codes.  Options::

        :min_version: 1.2            first microversion with the route (default 1.0)
        :max_version: 1.9            last one (default: still there)
        :query: moves:LIST_QUERY_1_0        schema in vmove.api.schemas.<module>
        :body: moves:CREATE_BODY_1_2
        :response: moves:SHOW_RESPONSE_1_0
        :status: 202                 normal response code(s)
        :errors: 400, 403, 404       error response codes
        :group: run-moves, moves     sections of parameters.yaml for descriptions
        :request_sample: moves/move-create-req.json    under doc/api_samples
        :response_sample: moves/move-create-resp.json

Only ``vmove.api.schemas.*`` and ``vmove.api.microversion`` are imported:
the API layer's module paths are stable; the services behind them move.

Types, required fields, enums, bounds, formats and patterns come from the
schemas; the human description of every field comes from
``doc/source/api-ref/parameters.yaml`` (by group, then ``common``).  A field
without a description, a schema or sample that does not exist, or a
microversion the API does not have is a warning, so a build with ``-W``
fails until the reference catches up with the code.
"""

import importlib
import io
import json
import os
import tokenize

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
import yaml

LOG = logging.getLogger(__name__)

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES_DIR = os.path.normpath(os.path.join(HERE, "..", "api_samples"))

#: what each HTTP code means in vmove's API (the fault name in the body is vmove.api.fault's)
CODES = {
    200: "OK",
    201: "Created",
    202: "Accepted: written, the engines do the rest",
    204: "No Content",
    400: "badRequest: a query parameter or body field breaks the schema or a rule (the message names it)",
    401: "unauthorized: no valid token (keystone auth strategy)",
    403: "forbidden: policy does not allow the action",
    404: "itemNotFound: no such resource in the caller's view, or the route needs a later microversion",
    406: "notAcceptable: the OpenStack-API-Version header asks for a version the API does not have",
    409: "conflict: the resource's state does not allow it (the message says why)",
    415: "badMediaType: the body is not application/json",
}


# ------------------------------------------------------------------ helpers
def load_schema(ref: str) -> dict:
    """``moves:LIST_QUERY_1_0`` -> vmove.api.schemas.moves.LIST_QUERY_1_0."""
    module, _, name = ref.partition(":")
    mod = importlib.import_module(f"vmove.api.schemas.{module}")
    return getattr(mod, name)


def versions() -> list[tuple[str, str]]:
    """(version, comment) of every microversion, in order."""
    from vmove.api import microversion

    source = open(microversion.__file__, encoding="utf-8").read()
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    found = []
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        for v in microversion.VERSIONS:
            if text.startswith(f'"{v}"'):
                found.append((v, comments.get(number, "")))
    return found


def _types(schema: dict) -> list[str]:
    kind = schema.get("type")
    if kind is None:
        if "enum" in schema:
            kinds = []
            for v in schema["enum"]:
                name = {bool: "boolean", str: "string", int: "integer", type(None): "null"}.get(type(v), "any")
                if name not in kinds:
                    kinds.append(name)
            return kinds
        return ["any"]
    return kind if isinstance(kind, list) else [kind]


def type_of(schema: dict) -> str:
    names = []
    for kind in _types(schema):
        if kind == "array":
            item = schema.get("items", {})
            inner = " or ".join(_types(item)) if item else "any"
            names.append(f"array of {inner}")
        elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            inner = " or ".join(_types(schema["additionalProperties"]))
            names.append(f"object ({inner} values)")
        else:
            names.append(kind)
    return " or ".join(names)


def constraints(schema: dict) -> list[str]:
    """What the schema allows, in words."""
    out = []
    items = schema.get("items") if "array" in _types(schema) else None
    target = items if items else schema
    if "enum" in target:
        values = ", ".join("``null``" if v is None else f"``{json.dumps(v).strip(chr(34))}``" for v in target["enum"])
        out.append(f"One of: {values}.")
    if "const" in target:
        out.append(f"Always ``{json.dumps(target['const'])}``.")
    if target.get("format") == "uuid":
        out.append("A UUID.")
    elif target.get("format") == "date-time":
        out.append("An ISO 8601 time.")
    if "pattern" in target:
        out.append(f"Matches ``{target['pattern']}``.")
    for key, words in (("minimum", "At least"), ("maximum", "At most")):
        if key in target:
            out.append(f"{words} {target[key]}.")
    for key, words in (("minLength", "at least"), ("maxLength", "at most")):
        if key in target:
            out.append(f"Length {words} {target[key]}.")
    if "maxItems" in schema:
        out.append(f"At most {schema['maxItems']} entries.")
    if "default" in schema:
        out.append(f"Default ``{json.dumps(schema['default'])}``.")
    return out


def walk(schema: dict, prefix: str = "", required: bool = True):
    """(name, schema, required) of every field, depth first, parents before children."""
    props = schema.get("properties", {})
    req = set(schema.get("required", []))
    for name, sub in props.items():
        path = f"{prefix}{name}"
        yield path, sub, (name in req) and required
        kinds = _types(sub)
        if "object" in kinds and "properties" in sub:
            yield from walk(sub, f"{path}.", True)
        elif "array" in kinds and "properties" in sub.get("items", {}):
            yield from walk(sub["items"], f"{path}[].", True)


# ------------------------------------------------------------------ descriptions
class Descriptions:
    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.data = yaml.safe_load(f) or {}

    def find(self, groups: list, section: str, name: str) -> str | None:
        """The description of field ``name`` (dotted; ``[]`` marks array items) in ``section``.

        Tried from the most specific key to the least: the whole name, then
        without its first part, ... down to the last part (``[]`` left out:
        ``moves[].links[].rel`` -> ``moves.links.rel``, ``links.rel``,
        ``rel``); each key in the route's groups in order, then in ``common``.
        """
        parts = name.replace("[]", "").split(".")
        for i in range(len(parts)):
            key = ".".join(parts[i:])
            for g in [*groups, "common"]:
                table = (self.data.get(g) or {}).get(section) or {}
                if key in table:
                    return table[key]
        return None


def _cell(text: str) -> list[str]:
    return [line for line in str(text).strip().splitlines()] or [""]


def _table(rows, headers, widths) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {' '.join(str(w) for w in widths)}", ""]
    lines.append("   * - " + headers[0])
    lines.extend(f"     - {h}" for h in headers[1:])
    for row in rows:
        first, *rest = row
        cell = _cell(first)
        lines.append(f"   * - {cell[0]}")
        lines.extend(f"       {c}" for c in cell[1:])
        for value in rest:
            cell = _cell(value)
            lines.append(f"     - {cell[0]}")
            lines.extend(f"       {c}" for c in cell[1:])
    lines.append("")
    return lines


# ------------------------------------------------------------------ directives
class MicroversionsDirective(SphinxDirective):
    has_content = False

    def run(self):
        from vmove.api import microversion

        self.env.note_dependency(microversion.__file__)
        rows = []
        for version, comment in versions():
            if not comment:
                self._warn(f"microversion {version} has no comment in vmove/api/microversion.py")
            rows.append([f"``{version}``", comment])
        lines = _table(rows, ["Version", "What it adds"], [10, 90])
        return self._parse(lines)

    def _warn(self, message):
        LOG.warning(message, location=(self.env.docname, self.lineno))

    def _parse(self, lines):
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, node)
        return node.children


class RouteDirective(SphinxDirective):
    required_arguments = 2
    has_content = True
    option_spec = {
        "min_version": directives.unchanged,
        "max_version": directives.unchanged,
        "query": directives.unchanged,
        "body": directives.unchanged,
        "response": directives.unchanged,
        "status": directives.unchanged,
        "errors": directives.unchanged,
        "group": directives.unchanged,
        "request_sample": directives.unchanged,
        "response_sample": directives.unchanged,
    }

    def _warn(self, message):
        LOG.warning(message, location=(self.env.docname, self.lineno))

    def _descriptions(self) -> Descriptions:
        path = os.path.join(self.env.srcdir, "api-ref", "parameters.yaml")
        self.env.note_dependency(path)
        return Descriptions(path)

    def _version_line(self) -> str:
        from vmove.api import microversion

        low = self.options.get("min_version", microversion.VERSIONS[0])
        high = self.options.get("max_version")
        for v in (low, high):
            if v is not None and v not in microversion.VERSIONS:
                self._warn(f"microversion {v} is not one of vmove.api.microversion.VERSIONS")
        if high:
            return f"Microversions {low} to {high}."
        if low == microversion.VERSIONS[-1]:
            return f"Microversion {low} (the latest) and later."
        return f"Microversion {low} and later (the latest is {microversion.VERSIONS[-1]})."

    def _schema_rows(self, schema, section, group, descriptions, where, all_optional=False):
        rows = []
        for name, sub, required in walk(schema):
            text = descriptions.find(group, section, name)
            if text is None:
                self._warn(f"no description of {section} field {name!r} (group {group!r}) in api-ref/parameters.yaml")
                text = ""
            extra = " ".join(c for c in constraints(sub) if not (c == "A UUID." and "UUID" in text))
            desc = f"{text.strip()} {extra}".strip()
            req = "optional" if all_optional or not required else "required"
            rows.append([f"``{name}``", where, type_of(sub), req, desc])
        return rows

    def _sample(self, rel) -> list[str]:
        path = os.path.join(SAMPLES_DIR, rel)
        if not os.path.exists(path):
            self._warn(f"API sample {rel} does not exist under doc/api_samples")
            return []
        self.env.note_dependency(path)
        relative = os.path.relpath(path, os.path.dirname(self.env.doc2path(self.env.docname)))
        return [f".. literalinclude:: {relative}", "   :language: json", ""]

    def run(self):
        method, path = self.arguments
        group = [g.strip() for g in self.options.get("group", "").split(",") if g.strip()]
        descriptions = self._descriptions()
        lines = [f"**{method}** ``{path}``", "", f"*{self._version_line()}*", ""]
        node = nodes.container(classes=["vmove-route"])
        # the prose first
        prose = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, prose)

        request = []
        params = [p[1:-1] for p in path.split("/") if p.startswith("{")]
        rows = []
        for p in params:
            text = descriptions.find(group, "path", p)
            if text is None:
                self._warn(f"no description of path parameter {p!r} (group {group!r}) in api-ref/parameters.yaml")
                text = ""
            rows.append([f"``{p}``", "path", "string", "required", text.strip()])
        schemas = {}
        for kind in ("query", "body", "response"):
            # several schemas (one per range of microversions), oldest first: the table shows the latest
            for ref in [r.strip() for r in self.options.get(kind, "").split(",") if r.strip()]:
                try:
                    schemas[kind] = load_schema(ref)
                except (ImportError, AttributeError) as e:
                    self._warn(f"schema {ref} not found: {e}")
        if "query" in schemas:
            rows += self._schema_rows(schemas["query"], "query", group, descriptions, "query", all_optional=True)
        if "body" in schemas:
            rows += self._schema_rows(schemas["body"], "body", group, descriptions, "body")
        request.append(".. rubric:: Request")
        request.append("")
        if rows:
            request += _table(rows, ["Name", "In", "Type", "", "Description"], [22, 8, 14, 10, 46])
        else:
            request += ["No parameters.", ""]
        if self.options.get("request_sample"):
            request += ["Example request body:", ""] + self._sample(self.options["request_sample"])

        response = [".. rubric:: Response", ""]
        status = [s.strip() for s in self.options.get("status", "200").split(",") if s.strip()]
        codes = ", ".join(f"{s} ({CODES.get(int(s), '')})" if int(s) in CODES else s for s in status)
        response += [f"Normal response codes: {codes}", ""]
        errors = [e.strip() for e in self.options.get("errors", "").split(",") if e.strip()]
        if errors:
            response += ["Error response codes:", ""]
            for e in errors:
                if int(e) not in CODES:
                    self._warn(f"unknown error code {e}")
                response.append(f"- ``{e}`` {CODES.get(int(e), '')}")
            response.append("")
        if "response" in schemas:
            rows = self._schema_rows(schemas["response"], "response", group, descriptions, "")
            out_rows = [r[:1] + r[2:] for r in rows]
            response += _table(out_rows, ["Name", "Type", "", "Description"], [26, 14, 10, 50])
        elif status == ["204"]:
            response += ["No body.", ""]
        if self.options.get("response_sample"):
            response += ["Example response:", ""] + self._sample(self.options["response_sample"])

        body = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, node)
        node += prose.children
        self.state.nested_parse(StringList(request + response, source=self.env.docname), self.content_offset, body)
        node += body.children
        return [node]


def setup(app):
    app.add_directive("vmove-route", RouteDirective)
    app.add_directive("vmove-microversions", MicroversionsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
