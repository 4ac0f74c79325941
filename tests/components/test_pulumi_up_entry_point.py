"""`pulumi up` runs __main__.py: the stack's settings from Pulumi config, always the private phase."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pulumi
import pytest
import yaml

from automation.plan import PlanError, run_program
from components.settings import load_stack_file

ROOT = Path(__file__).resolve().parents[2]
EKS_CLUSTER = "eks:index:Cluster"


def run_main(stack_file: Path):
    """__main__.py under the mock runtime, with the stack file's config as Pulumi config."""
    settings = load_stack_file(stack_file)
    config = yaml.safe_load(stack_file.read_text())["config"]

    def program():
        for key, value in config.items():
            pulumi.runtime.set_config(key, value if isinstance(value, str) else json.dumps(value))
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    return run_program(settings, "private", program)


def test_pulumi_up_builds_the_private_phase_from_the_stack_config():
    run = run_main(ROOT / "stacks" / "Pulumi.dev.yaml")
    (cluster,) = run.by_type(EKS_CLUSTER)
    assert cluster.inputs["endpointPublicAccess"] is False
    assert cluster.inputs["endpointPrivateAccess"] is True
    assert "publicAccessCidrs" not in cluster.inputs
    assert cluster.inputs["name"] == "dev-private"


def test_pulumi_up_with_bad_settings_fails_with_the_config_path():
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    doc["config"]["private-eks:cluster"]["managedNodeGroups"][0].pop("privateNetworking")
    settings_ok = ROOT / "stacks" / "Pulumi.dev.yaml"  # the mocks' stack; the config is the bad one

    def program():
        for key, value in doc["config"].items():
            pulumi.runtime.set_config(key, value if isinstance(value, str) else json.dumps(value))
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    with pytest.raises(PlanError) as e:
        run_program(load_stack_file(settings_ok), "private", program)
    assert "managedNodeGroups[0].privateNetworking: must be set" in str(e.value)
