# vmove documentation: install, configuration, admin, CLI, API and contributor guides.
#
# Built with warnings as errors: ``tox -e docs`` or ``tools/build-docs``.

import os
import sys

# doc/ext: vmove_apiref (API reference tables from the handlers' JSON schemas)
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "ext")))

extensions = [
    "openstackdocstheme",
    "oslo_config.sphinxext",
    "oslo_policy.sphinxext",
    "cliff.sphinxext",
    "reno.sphinxext",
    "vmove_apiref",
]

project = "vmove"
copyright = "vmove developers"

# openstackdocstheme
openstackdocs_repo_name = "openstack/vmove"
openstackdocs_bug_project = "vmove"
openstackdocs_bug_tag = "docs"
openstackdocs_auto_name = False
openstackdocs_auto_version = False
version = ""
release = ""

html_theme = "openstackdocs"
html_static_path = []
templates_path = []
exclude_patterns = ["_build"]
master_doc = "index"
source_suffix = {".rst": "restructuredtext"}
pygments_style = "native"
language = "en"

# cliff's autoprogram-cliff: "openstack vmove list", not "vmove list"
autoprogram_cliff_application = "openstack"
# options of the "openstack" command itself are described in cli/overview
autoprogram_cliff_ignored = ["--help", "--format", "--column", "--max-width", "--fit-width",
                             "--print-empty", "--noindent", "--prefix", "--quote", "--sort-column",
                             "--sort-ascending", "--sort-descending"]
