"""Functional tests: real HTTP, real databases, real RPC, real peers."""

from vmove.devcloud.fixtures import devcloud, devcloud_keystone  # noqa: F401
