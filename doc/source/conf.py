# vmove documentation: install, configuration, admin, CLI, API and contributor guides.
#
# Built with warnings as errors: ``tox -e docs`` or ``tools/build-docs``.

import os
import sys

# doc/ext: vmove_apiref (API reference tables from the handlers' JSON schemas), vmove_sphinx (settings
# shared with the release notes' build)
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "ext")))

import vmove_sphinx  # noqa: E402

extensions = [
    "openstackdocstheme",
    "oslo_config.sphinxext",
    "oslo_policy.sphinxext",
    "cliff.sphinxext",
    "reno.sphinxext",
    "vmove_apiref",
]

globals().update(vmove_sphinx.common_settings("vmove", bug_tag="docs"))

# cliff's autoprogram-cliff: "openstack vmove list", not "vmove list"
autoprogram_cliff_application = "openstack"
# options of the "openstack" command itself are described in cli/overview
autoprogram_cliff_ignored = [
    "--help",
    "--format",
    "--column",
    "--max-width",
    "--fit-width",
    "--print-empty",
    "--noindent",
    "--prefix",
    "--quote",
    "--sort-column",
    "--sort-ascending",
    "--sort-descending",
]
