"""The generated sample config and policy files are current."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = pathlib.Path(sys.executable).parent


def _generate(tool, config, tmp_path):
    out = tmp_path / "out"
    subprocess.run(
        [str(BIN / tool), "--config-file", str(ROOT / config), "--output-file", str(out)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return out.read_text()


def test_config_sample_is_current(tmp_path):
    fresh = _generate("oslo-config-generator", "etc/vmove/vmove-config-generator.conf", tmp_path)
    assert fresh == (ROOT / "etc/vmove/vmove.conf.sample").read_text(), (
        "etc/vmove/vmove.conf.sample is stale: run "
        "'oslo-config-generator --config-file etc/vmove/vmove-config-generator.conf'"
    )


def test_policy_sample_is_current(tmp_path):
    fresh = _generate("oslopolicy-sample-generator", "etc/vmove/vmove-policy-generator.conf", tmp_path)
    assert fresh == (ROOT / "etc/vmove/policy.yaml.sample").read_text(), (
        "etc/vmove/policy.yaml.sample is stale: run "
        "'oslopolicy-sample-generator --config-file etc/vmove/vmove-policy-generator.conf'"
    )


def test_every_rule_documented_with_scope():
    from oslo_policy import policy

    from vmove import policies

    for rule in policies.list_rules():
        if rule.name == "context_is_admin":
            continue
        assert isinstance(rule, policy.DocumentedRuleDefault), rule.name
        assert rule.scope_types == ["project"], rule.name
