"""Links in responses."""

import urllib.parse

import pecan


def base_url() -> str:
    conf = pecan.request.context["conf"]
    return (conf.api.public_endpoint or pecan.request.host_url).rstrip("/")


def make(rel: str, *parts: str, query: dict | None = None) -> dict:
    href = "/".join([base_url(), *[p.strip("/") for p in parts]])
    if query:
        href += "?" + urllib.parse.urlencode(query, doseq=True)
    return {"rel": rel, "href": href}
