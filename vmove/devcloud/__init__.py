"""The vmove dev cloud: real Keystone, Nova and Cinder on loopback.

Project tooling for tests, benchmarks and the demo.  Nothing under
``vmove.api``, ``vmove.engine`` or ``vmove.actions`` imports this package.
"""
