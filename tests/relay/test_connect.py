"""`private-eks connect` and `private-eks kubectl` (docs/architecture.md §11): the stack's relay
read from its outputs, a working kubeconfig against the TLS API stand-in, the exit codes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

from automation.cli import main
from automation.relay.invoke import RelayError
from components.relay import protocol
from tests.relay.conftest import CLUSTER

kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed here")




class FakeWorkspace:
    """The state backend's answer for the stack: ``outputs`` (None: never deployed)."""

    outputs: dict[str, object] | None = None

    def __init__(self, project, stack, settings, **_):
        self.stack = stack

    def environment(self):
        return {}

    def command(self):
        return None

    def select(self, program, *, create):
        return None if self.outputs is None else object()

    def deployment(self, stk):
        return {"resources": [{"type": "pulumi:pulumi:Stack", "urn": "urn:x", "outputs": dict(self.outputs or {})}]}


@pytest.fixture
def deployed(monkeypatch, relay, tmp_path):
    """The dev stack deployed with a relay; its invocations go to the function's core in-process."""
    import automation.cli.connect as connect
    import automation.workspace

    FakeWorkspace.outputs = {protocol.OUTPUT_FUNCTION: "dev-private-api-relay", "clusterName": CLUSTER, "vpcId": "vpc-1"}
    monkeypatch.setattr(automation.workspace, "Workspace", FakeWorkspace)
    asked = []
    monkeypatch.setattr(connect, "invoker", lambda found: asked.append(found) or relay)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kube-cache"))
    return asked


@kubectl
def test_kubectl_runs_through_the_relay_and_exits_with_kubectls_code(project, deployed, relay, capfd):
    ok = main(["-C", str(project), "kubectl", "-s", "dev", "--", "get", "namespaces", "-o", "name"])
    out = capfd.readouterr().out
    missing = main(["-C", str(project), "kubectl", "-s", "dev", "--", "get", "namespace", "nope", "-o", "name"])
    err = capfd.readouterr().err
    assert (ok, out.split()) == (0, ["namespace/default", "namespace/kube-system"])
    assert missing == 1 and 'namespaces "nope" not found' in err
    found = deployed[0]
    assert (found.function_name, found.cluster_name, found.region) == ("dev-private-api-relay", CLUSTER, "us-west-2")


@kubectl
def test_connect_serves_a_working_kubeconfig_until_sigterm_then_removes_it(project, deployed, relay, tmp_path, capsys):
    config = tmp_path / "relay.kubeconfig"
    seen: dict[str, object] = {}

    def client() -> None:
        deadline = time.monotonic() + 60
        while not config.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        env = {**os.environ, "KUBECONFIG": str(config)}
        seen["mode"] = oct(config.stat().st_mode & 0o777)
        seen["get"] = subprocess.run(["kubectl", "get", "namespace", "kube-system", "-o", "jsonpath={.metadata.name}"],
                                     env=env, capture_output=True, text=True, timeout=60)
        seen["watch"] = subprocess.run(["kubectl", "get", "configmaps", "--watch", "--request-timeout=20s"],
                                      env=env, capture_output=True, text=True, timeout=60)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=client)
    thread.start()
    code = main(["-C", str(project), "connect", "-s", "dev", "--kubeconfig", str(config), "--json"])
    thread.join()
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert seen["get"].returncode == 0 and seen["get"].stdout == "kube-system", seen["get"].stderr
    assert "cannot go through the API relay" in seen["watch"].stderr
    assert seen["mode"] == "0o600" and not config.exists()  # owner-only while it served; gone after
    assert printed["kubeconfig"] == str(config) and printed["server"].startswith("https://127.0.0.1:")
    assert printed["context"] == protocol.context_name(CLUSTER) and printed["version"] == "v1.33.0-eks-standin"


@pytest.mark.parametrize(("outputs", "says"), [
    (None, "is not deployed"),
    ({"clusterName": CLUSTER, "vpcId": "vpc-1"}, "has no API relay (no relayFunctionName output)"),
])
def test_a_stack_without_a_relay_is_bad_input_saying_how_to_turn_it_on(project, monkeypatch, capsys, outputs, says):
    import automation.workspace

    FakeWorkspace.outputs = outputs
    monkeypatch.setattr(automation.workspace, "Workspace", FakeWorkspace)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for argv in (["connect", "-s", "dev"], ["kubectl", "-s", "dev", "--kubectl", "sh", "--", "get", "nodes"]):
        assert main(["-C", str(project), *argv]) == 2
        err = capsys.readouterr().err
        assert says in err and "privateCluster.apiRelay.enabled: true" in err and "stacks/Pulumi.dev.yaml" in err


def test_missing_prerequisites_are_listed_together_before_anything_runs(project, monkeypatch, capsys, tmp_path):
    """As for up and status (automation/cli/running.py): the Pulumi CLI, the state backend's
    passphrase and AWS credentials, every one missing at once, exit 2."""
    for k in list(os.environ):
        if k.startswith(("AWS_", "PULUMI_")):
            monkeypatch.delenv(k)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["-C", str(project), "connect", "-s", "dev"]) == 2
    err = capsys.readouterr().err
    assert "prerequisites missing" in err
    assert "PULUMI_CONFIG_PASSPHRASE" in err and "Pulumi CLI was not found" in err and "no AWS credentials" in err


def test_connect_exits_1_when_the_relay_does_not_answer(project, deployed, monkeypatch, capsys):
    import automation.cli.connect as connect

    def missing(event):
        raise RelayError("the relay function dev-private-api-relay in us-west-2 does not exist")

    monkeypatch.setattr(connect, "invoker", lambda found: missing)
    assert main(["-C", str(project), "connect", "-s", "dev"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_kubectl_without_arguments_or_kubectl_is_bad_input(project, deployed, capsys):
    assert main(["-C", str(project), "kubectl", "-s", "dev", "--"]) == 2
    assert "give kubectl's arguments" in capsys.readouterr().err
    assert main(["-C", str(project), "kubectl", "-s", "dev", "--kubectl", "no-such-kubectl", "--", "get", "nodes"]) == 2
    assert "no-such-kubectl was not found" in capsys.readouterr().err
