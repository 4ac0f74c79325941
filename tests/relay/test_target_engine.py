"""The stack's relay read back from a real state backend: outputs a real engine run recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from automation.errors import ConfigurationError
from automation.project import Project
from automation.relay.target import read_target
from automation.workspace import Workspace
from components.relay import protocol

pytestmark = pytest.mark.engine
ROOT = Path(__file__).resolve().parents[2]


def test_the_function_and_cluster_come_from_the_deployed_stacks_outputs(tmp_path, pulumi_bin, monkeypatch):
    import pulumi

    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", folder / "stacks")
    env = {"PULUMI_BACKEND_URL": f"file://{tmp_path}", "PULUMI_CONFIG_PASSPHRASE": "relay-test",
           "PULUMI_HOME": str(tmp_path / "home"), "PULUMI_SKIP_UPDATE_CHECK": "true",
           "PATH": f"{pulumi_bin}:/usr/bin:/bin"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    project = Project.load(folder)
    with pytest.raises(ConfigurationError, match="is not deployed"):
        read_target(project, "dev")

    def program() -> None:
        pulumi.export(protocol.OUTPUT_FUNCTION, "dev-private-k8s-api-relay")
        pulumi.export("clusterName", "dev-private")

    workspace = Workspace(project, "dev", project.settings("dev"), env=env, extra_env=env)
    stk = workspace.select(program, create=True)
    assert stk is not None
    stk.up(on_output=lambda line: None)
    found = read_target(project, "dev")
    assert (found.function_name, found.cluster_name, found.region) == ("dev-private-k8s-api-relay", "dev-private",
                                                                      "us-west-2")
