"""The CLI on the real engine: exit codes and streamed banners of ``up``, ``status``, ``preview``,
``destroy``; a run killed between its passes. Each command runs in its own process, as a user runs
it (``tests/engine/standin_cli.py`` is ``python -m automation`` with the stand-in program); the
CLI's AWS calls (preflight, post-deploy audit) go to moto's server, where the stand-ins build."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.engine


def command(engine, *args: str) -> list[str]:
    return [sys.executable, "-m", "tests.engine.standin_cli", "--project-dir", str(engine.dir), *args]


def cli(engine, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command(engine, *args), capture_output=True, text=True, timeout=timeout,
                          cwd=engine.dir)


def test_up_streams_a_banner_per_pass_and_exits_0(engine):
    up = cli(engine, "up", "--stack", "engine")

    assert up.returncode == 0, up.stderr
    banners = [line for line in up.stdout.splitlines() if line.startswith("===")]
    assert any("pass 1/2: bootstrap" in b and "203.0.113.7/32" in b for b in banners)
    assert any("pass 2/2: private" in b and "public access off" in b for b in banners)
    assert banners.index(next(b for b in banners if "pass 1/2" in b)) < banners.index(
        next(b for b in banners if "pass 2/2" in b))
    assert "Updating (engine)" in up.stdout  # the engine's own output, streamed
    # Each pass says when it is done, how long it took and what it changed.
    assert any(re.fullmatch(r"=== engine: pass 1/2 done in \d+\.\d s \(\d+ to create\) ===", b) for b in banners)
    assert any(re.fullmatch(r"=== engine: pass 2/2 done in \d+\.\d s \(.*\d+ to update.*\) ===", b)
               for b in banners)
    assert banners[0] == "=== engine: preflight checks ==="
    # The stand-ins built their VPC and cluster in moto: the post-deploy audit checks them there.
    assert "engine: post-deploy audit: no findings" in up.stdout
    # The summary says how long the window was open (measured from the engine's events).
    assert any(re.fullmatch(r"=== engine: bootstrap window open \d+\.\d s \(\d\d:\d\d:\d\d -> \d\d:\d\d:\d\d UTC\) ===", b)
               for b in banners)
    status = cli(engine, "status", "--stack", "engine", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["windowOpen"] is False
    window = json.loads(status.stdout)["window"]
    assert window["seconds"] > 0 and window["closedAt"] and window["source"] == "update history"
    assert engine.cluster_state()["endpointPublicAccess"] is False


def test_up_bootstrap_never_is_one_private_pass_and_a_zero_window(engine):
    up = cli(engine, "up", "--stack", "engine", "--bootstrap", "never")

    assert up.returncode == 0, up.stderr
    banners = [line for line in up.stdout.splitlines() if line.startswith("===")]
    assert any("pass 1/1: private (create" in b for b in banners)
    assert "=== engine: public endpoint never on during this run (--bootstrap never): window 0 s ===" in banners
    assert not any(public for _, public in engine.access_log())
    status = cli(engine, "status", "--stack", "engine", "--json")
    assert json.loads(status.stdout)["window"] == {"openedAt": None, "closedAt": None, "seconds": 0, "open": False,
                                                   "source": "update history"}
    assert "no bootstrap window in the update history" in cli(engine, "status", "--stack", "engine").stdout


def test_up_bootstrap_never_refuses_what_needs_the_kubernetes_api_with_exit_2(engine):
    engine.set_cluster(accessConfig={"authenticationMode": "CONFIG_MAP"})

    up = cli(engine, "up", "--stack", "engine", "--bootstrap", "never")

    assert up.returncode == 2, up.stderr
    assert "--bootstrap never, but 1 change(s) need the Kubernetes API" in up.stderr
    assert "  - kubernetes:core/v1:ConfigMap aws-auth: a Kubernetes resource" in up.stderr
    assert "Traceback" not in up.stderr
    assert engine.operations() == [] and engine.checkpoint() is None


def test_window_left_open_exits_3_and_status_exits_3(engine):
    engine.fault("update", "cluster", times="always")

    up = cli(engine, "up", "--stack", "engine")

    assert up.returncode == 3
    assert "PUBLIC API endpoint is still ON" in up.stderr
    assert "Traceback" not in up.stderr
    status = cli(engine, "status", "--stack", "engine")
    assert status.returncode == 3
    assert "public endpoint ON" in status.stdout


def test_run_killed_between_passes_is_found_open_and_closed_by_the_next_up(engine):
    engine.slow("update", "cluster", 120)  # pass 2 hangs on the cluster: kill it there
    run = subprocess.Popen(command(engine, "up", "--stack", "engine"), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, cwd=engine.dir,
                           start_new_session=True)
    try:
        engine.wait_for("update", "cluster")
    finally:
        engine.kill_run(run)
    engine.slow("update", "cluster", 0)

    status = cli(engine, "status", "--stack", "engine")
    assert status.returncode == 3, status.stdout + status.stderr
    assert "public endpoint ON" in status.stdout

    # The killed run's lock is still there, held by a process of this machine that no longer
    # exists: no one else would ever release it, so the next up removes it (a live holder's lock
    # is left alone: test_a_run_locked_out_while_another_holds_the_window_open_leaves_it_to_that_run).
    assert len(list((engine.state / ".pulumi" / "locks").rglob("*.json"))) == 1
    up = cli(engine, "up", "--stack", "engine")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "removing the lock left by a run that was killed" in up.stdout
    assert "closing it first" in up.stdout
    assert "pass 1/1: private (resume: close" in up.stdout
    assert engine.cluster_state()["endpointPublicAccess"] is False
    assert cli(engine, "status", "--stack", "engine").returncode == 0


def test_up_of_two_stacks_runs_both_and_prints_a_summary(engine):
    up = cli(engine, "up", "--stack", "engine", "--stack", "other")

    assert up.returncode == 0, up.stderr
    assert "[engine] === engine: pass 2/2: private" in up.stdout
    assert "[other] === other: pass 2/2: private" in up.stdout
    table = up.stdout[up.stdout.rindex("stack"):].splitlines()
    assert [row.split()[:2] for row in table[1:]] == [["engine", "0"], ["other", "0"]]
    assert engine.cluster_state("engine")["endpointPublicAccess"] is False
    assert engine.cluster_state("other")["endpointPublicAccess"] is False


def test_preview_writes_markdown_prints_json_and_changes_nothing(engine, tmp_path):
    md = tmp_path / "preview.md"

    preview = cli(engine, "preview", "--stack", "engine", "--markdown", str(md), "--json")

    assert preview.returncode == 0, preview.stderr
    data = json.loads(preview.stdout)  # --json: stdout is the JSON alone, progress on stderr
    assert [p["phase"] for p in data["passes"]] == ["bootstrap", "private"]
    assert data["passes"][0]["summary"]["create"] >= 8
    assert data["finalEndpointAccess"] == {"public": False, "private": True}
    text = md.read_text()
    assert text.startswith("#### ") and "<details>" in text
    assert "final API endpoint access: public off" in text and "| cluster |" in text
    assert engine.operations() == []


def test_destroy_force_exits_1_and_lists_what_is_left(engine):
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    engine.fault("delete", "routeTable", times="always")

    plain = cli(engine, "destroy", "--yes", "--stack", "engine")
    assert plain.returncode == 1
    assert "--force" in plain.stderr

    forced = cli(engine, "destroy", "--yes", "--stack", "engine", "--force")
    assert forced.returncode == 1
    assert "5 resource(s) left" in forced.stdout
    assert "rt-us-west-2a" in forced.stdout and "vpc" in forced.stdout

    engine.clear_fault("delete", "routeTable")
    again = cli(engine, "destroy", "--yes", "--stack", "engine")
    assert again.returncode == 0, again.stderr
    assert "destroyed" in again.stdout
