"""Links in responses."""

import urllib.parse

import pecan


def base_url() -> str:
    """The API's URL as clients reach it (computed once per request: a page makes a link per item)."""
    context = pecan.request.context
    found = context.get("vmove.base_url")
    if found is None:
        conf = context["conf"]
        found = context["vmove.base_url"] = (conf.api.public_endpoint or pecan.request.host_url).rstrip("/")
    return found


def make(rel: str, *parts: str, query: dict | None = None, base: str | None = None) -> dict:
    """``{"rel": rel, "href": ...}``: the link to ``parts`` under the API's URL (``base``: that URL, when the
    caller has it already: :func:`base_url`)."""
    href = "/".join([base or base_url(), *[p.strip("/") for p in parts]])
    if query:
        href += "?" + urllib.parse.urlencode(query, doseq=True)
    return {"rel": rel, "href": href}
