"""The CLI over state made by the real engine (the stand-in project of tests/engine): status
exit codes, destroy, and stack files left byte for byte as the user wrote them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from automation import WindowLeftOpen
from tests.engine.conftest import aws_endpoint  # noqa: F401 (the fixture: moto's server)

pytestmark = pytest.mark.engine


@pytest.fixture
def engine(tmp_path: Path, pulumi_bin: Path, aws_endpoint: str):  # noqa: F811
    from tests.engine.harness import make_project, reset_moto

    # moto's AWS: status and destroy ask DescribeCluster, and an AWS that cannot be asked is
    # never taken for a closed window (exit 3: tests/engine/test_faults.py).
    reset_moto(aws_endpoint)
    home = tmp_path / "pulumi-home"
    home.mkdir()
    return make_project(tmp_path, pulumi_bin, home, aws_endpoint)


def cli(engine, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **engine.env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    done = subprocess.run([sys.executable, "-m", "automation", "--project-dir", str(engine.dir), *args],
                          env=env, capture_output=True, text=True, timeout=300)
    # The stand-ins' injected faults print the provider's traceback inside the engine's output;
    # the CLI itself must never end in one.
    assert not any(line.startswith("Traceback") for line in (done.stderr + done.stdout).splitlines())
    return done


def test_up_leaves_the_stack_files_byte_for_byte(engine):
    stacks = {p: p.read_bytes() for p in (engine.dir / "stacks").iterdir()}
    project = (engine.dir / "Pulumi.yaml").read_bytes()
    engine.runner().up()
    engine.runner().up(bootstrap="always")
    assert {p: p.read_bytes() for p in (engine.dir / "stacks").iterdir()} == stacks
    assert (engine.dir / "Pulumi.yaml").read_bytes() == project


def test_status_exits_3_while_the_window_is_open_and_0_once_closed(engine):
    engine.fault("update", "cluster", "always")  # pass 1 creates the cluster; closing it fails
    with pytest.raises(WindowLeftOpen):
        engine.runner().up()
    done = cli(engine, "status", "--stack", "engine", "--json")
    assert done.returncode == 3
    data = json.loads(done.stdout)
    assert data["windowOpen"] is True and data["phase"] == "bootstrap" and data["endpointPublicAccess"] is True

    engine.clear_fault("update", "cluster")
    engine.runner().up()
    done = cli(engine, "status", "--stack", "engine")
    assert done.returncode == 0, done.stderr
    assert "engine: phase private, public endpoint off, since " in done.stdout


def test_destroy_from_the_cli_removes_everything(engine):
    engine.runner().up()
    done = cli(engine, "destroy", "--yes", "--stack", "engine")
    assert done.returncode == 0, done.stderr
    assert "engine: destroyed" in done.stdout
    assert [e["op"] for e in engine.operations("cluster")][-1] == "delete"


def test_destroy_force_lists_what_is_left_and_exits_1(engine):
    engine.runner().up()
    engine.fault("delete", "cluster", "always")
    done = cli(engine, "destroy", "--yes", "--stack", "engine", "--force")
    assert done.returncode == 1
    assert "resource(s) left" in done.stdout and "pulumi-python:dynamic/standin:Cluster  cluster" in done.stdout


def test_preflight_problems_stop_a_new_stack_before_anything_is_created(engine):
    from automation import PreflightFailed

    seen = []

    def preflight(settings):
        seen.append(settings.stack)
        return ["com.amazonaws.us-west-2.ecr.dkr: not offered in us-west-2d"]

    with pytest.raises(PreflightFailed) as failed:
        engine.runner(preflight=preflight).up()
    assert seen == ["engine"] and failed.value.findings == ["com.amazonaws.us-west-2.ecr.dkr: not offered in us-west-2d"]
    assert engine.operations() == []
    assert engine.runner().status().exists is False  # not even an empty stack is left behind


def test_no_bootstrap_cidr_for_a_new_stack_leaves_nothing_behind(engine):
    from automation import ConfigurationError

    stack_file = engine.dir / "stacks" / "Pulumi.engine.yaml"
    stack_file.write_text(stack_file.read_text().replace("      publicAccessCIDRs: [203.0.113.7/32]\n", ""))
    with pytest.raises(ConfigurationError, match="--bootstrap-cidr"):
        engine.runner().up()
    assert engine.runner().status().exists is False


def test_preflight_runs_only_before_a_new_stacks_first_pass(engine):
    calls = []
    engine.runner(preflight=lambda s: calls.append(1) or []).up()
    engine.runner(preflight=lambda s: calls.append(2) or []).up(bootstrap="always")
    assert calls == [1]


def test_a_run_locked_out_while_another_holds_the_window_open_leaves_it_to_that_run(engine):
    import threading

    from automation import LockedWithWindowOpen, StackLocked

    engine.slow("update", "cluster", 8)  # the first run's pass 2 holds the lock with the window open
    first: dict = {}
    worker = threading.Thread(target=lambda: first.setdefault("result", engine.runner().up()))
    worker.start()
    engine.wait_for("update", "cluster")
    # The window is the other run's to close (no closing attempt is made), but the locked-out run
    # does not call an open window safe: a StackLocked that is also a WindowLeftOpen (exit 3).
    with pytest.raises(LockedWithWindowOpen) as locked:
        engine.runner().up()
    assert isinstance(locked.value, StackLocked) and "PUBLIC API endpoint is ON" in str(locked.value)
    worker.join(timeout=120)
    assert [p.phase for p in first["result"].passes] == ["bootstrap", "private"]
    assert engine.runner().status().window_open is False


def test_up_runs_the_audit_after_the_last_pass_and_returns_its_findings(engine):
    """docs/architecture.md §6: an embedding service gets the post-deploy audit from Runner.up() itself."""
    seen = []

    def audit(settings, outputs):
        seen.append((settings.stack, outputs.get("endpointPublicAccess"), engine.cluster_state()["endpointPublicAccess"]))
        return ["vpc-1: a route to an internet gateway"]

    result = engine.runner(audit=audit).up()
    # Once, against the final outputs, with the window already closed.
    assert seen == [("engine", False, False)]
    assert result.audit_findings == ("vpc-1: a route to an internet gateway",) and not result.audit_clean


def test_an_audit_that_cannot_run_is_reported_in_the_result_not_raised(engine):
    def audit(settings, outputs):
        raise RuntimeError("cannot reach AWS")

    output: list[str] = []
    result = engine.runner(audit=audit, output=output).up()
    assert result.audit_findings is None and result.audit_error == "cannot reach AWS"
    assert "warning: engine: the post-deploy audit could not run: cannot reach AWS" in output
    assert engine.cluster_state()["endpointPublicAccess"] is False
