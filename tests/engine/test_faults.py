"""Fail closed for real: runs killed while AWS is still working, SIGTERM and Ctrl-C at each pass,
and every path that ends with public access on exiting 3. Each command runs in its own process,
as a user (or CI) runs it; the stand-ins wait *after* their AWS call succeeded (EKS's create and
update waits), so AWS (moto's server) is ahead of the state when the run dies."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

CLUSTER = "engine-test"


def command(engine, *args: str) -> list[str]:
    return [sys.executable, "-m", "tests.engine.standin_cli", "--project-dir", str(engine.dir), *args]


def cli(engine, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command(engine, *args), capture_output=True, text=True, timeout=timeout, cwd=engine.dir,
                          env={**os.environ, **(env or {})})


def start(engine, *args: str) -> subprocess.Popen:
    # A session of its own, as a CI job or a terminal gives it: signals go to its process group.
    return subprocess.Popen(command(engine, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=engine.dir, start_new_session=True)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc): the Pulumi CLI runs in a session of its own."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_everything(engine, run: subprocess.Popen) -> None:
    """SIGKILL the run, the Pulumi CLI and the providers: a machine that dies mid-run."""
    victims = [run.pid, *descendants(run.pid)]
    victims += [e["pid"] for e in engine.operations(waits=True) if "pid" in e]
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    run.communicate(timeout=30)


def aws_public(engine) -> bool:
    return engine.aws("eks").describe_cluster(name=CLUSTER)["cluster"]["resourcesVpcConfig"]["endpointPublicAccess"]


def locks(engine) -> list[Path]:
    return list((engine.state / ".pulumi" / "locks").rglob("*.json"))


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finding the run's processes needs /proc")


# ------------------------------------------------------------------ killed while AWS is working


@needs_proc
def test_killed_during_the_clusters_create_status_sees_aws_and_up_closes_the_window(engine):
    engine.aws_wait("create", "cluster", 600)  # AWS created the cluster; EKS is still "creating" it
    run = start(engine, "up", "--stack", "engine")
    engine.wait_for("create", "cluster", after_aws=True, timeout=180)
    kill_everything(engine, run)
    engine.clear_aws_wait("create", "cluster")
    assert aws_public(engine) is True

    # The state has only a pending create; AWS has the cluster, public. status says so: exit 3.
    status = cli(engine, "status", "--stack", "engine", "--json")
    assert status.returncode == 3, status.stdout + status.stderr
    data = json.loads(status.stdout)
    assert data["windowOpen"] is True and data["awsEndpointPublicAccess"] is True
    assert [(op["type"], op["resourceType"]) for op in data["pendingOperations"]] == [
        ("creating", "pulumi-python:dynamic/standin:Cluster")]

    # up removes the dead run's lock, adopts the cluster AWS has, and closes the window.
    up = cli(engine, "up", "--stack", "engine")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "removing the lock left by a run that was killed" in up.stdout
    assert "the state is behind AWS (creating cluster" in up.stdout
    assert "closing it first" in up.stdout
    assert aws_public(engine) is False
    assert engine.cluster_state()["endpointPublicAccess"] is False
    # Adopted and read back from AWS, never created twice (the killed create never told the engine).
    assert [o["op"] for o in engine.operations("cluster")] == ["read", "update"]
    final = cli(engine, "status", "--stack", "engine", "--json")
    assert final.returncode == 0 and json.loads(final.stdout)["pendingOperations"] == []


@needs_proc
def test_killed_during_a_day2_reopen_status_sees_aws_and_up_closes_the_window(engine):
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    engine.aws_wait("update", "cluster", 600)  # UpdateClusterConfig done; EKS is "updating"
    run = start(engine, "up", "--stack", "engine", "--bootstrap", "always")
    engine.wait_for("update", "cluster", after_aws=True, timeout=180)
    kill_everything(engine, run)
    engine.clear_aws_wait("update", "cluster")
    assert aws_public(engine) is True
    assert engine.cluster_state()["endpointPublicAccess"] is False  # the state never heard of it

    status = cli(engine, "status", "--stack", "engine")
    assert status.returncode == 3, status.stdout + status.stderr
    assert "AWS says: public endpoint ON" in status.stdout
    assert "pending operation: updating" in status.stdout

    up = cli(engine, "up", "--stack", "engine")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "the state is behind AWS" in up.stdout and "closing it first" in up.stdout
    assert aws_public(engine) is False
    assert cli(engine, "status", "--stack", "engine").returncode == 0


def test_a_window_opened_outside_the_runner_is_seen_by_status_and_closed_by_up(engine):
    """No pending operation at all: AWS alone says the endpoint is public (someone turned it on)."""
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    engine.aws("eks").update_cluster_config(name=CLUSTER, resourcesVpcConfig={"endpointPublicAccess": True})

    status = cli(engine, "status", "--stack", "engine")
    assert status.returncode == 3 and "AWS says: public endpoint ON" in status.stdout
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    assert aws_public(engine) is False


# --------------------------------------------------------------------------- SIGTERM and SIGINT


def interrupt(engine, signum: int, op: str, *, wait: float = 15, args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str, str]:
    """Start ``up``, send ``signum`` to its process group while the cluster's ``op`` is in AWS's
    hands (as CI's cancel or a terminal's Ctrl-C does), and wait for the run to end."""
    engine.aws_wait(op, "cluster", wait)
    run = start(engine, "up", "--stack", "engine", *args)
    engine.wait_for(op, "cluster", after_aws=True, timeout=180)
    os.killpg(run.pid, signum)
    out, err = run.communicate(timeout=600)
    engine.clear_aws_wait(op, "cluster")
    return run, out, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_in_pass_one_stops_the_operation_and_closes_the_window(engine, signum):
    run, out, err = interrupt(engine, signum, "create")

    assert run.returncode == 1, out + err  # interrupted, and nothing is left exposed
    assert f"{signal.Signals(signum).name} received" in err
    assert "INTERRUPTED with the public endpoint ON" in out
    assert "the window is closed" in err
    assert "Traceback" not in err and "I/O operation on closed file" not in err
    # Pulumi finished the create it had started, saved the state, released the lock: then closed.
    assert aws_public(engine) is False and engine.cluster_state()["endpointPublicAccess"] is False
    assert locks(engine) == []
    assert cli(engine, "status", "--stack", "engine").returncode == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_in_pass_two_lets_the_close_finish(engine, signum):
    run, out, err = interrupt(engine, signum, "update")

    assert run.returncode == 1, out + err
    assert "the window is closed" in err
    assert "Traceback" not in err and "I/O operation on closed file" not in err
    assert aws_public(engine) is False
    assert locks(engine) == []
    assert cli(engine, "status", "--stack", "engine").returncode == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_in_a_day2_reopen_closes_the_window_again(engine, signum):
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    engine.clear_aws_wait("update", "cluster")
    run, out, err = interrupt(engine, signum, "update", args=("--bootstrap", "always"))

    assert run.returncode == 1, out + err
    assert "INTERRUPTED with the public endpoint ON" in out and "the window is closed" in err
    assert aws_public(engine) is False
    assert cli(engine, "status", "--stack", "engine").returncode == 0


def test_a_signal_when_the_window_cannot_be_closed_exits_3_saying_so(engine):
    engine.fault("update", "cluster", times="always")
    run, out, err = interrupt(engine, signal.SIGTERM, "create")

    assert run.returncode == 3, out + err
    assert "PUBLIC API endpoint is still ON" in err and "interrupted" in err
    assert "private-eks up --stack engine" in err
    assert "Traceback" not in err
    assert aws_public(engine) is True
    assert locks(engine) == []  # the lock is released: the next up can close it
    engine.clear_fault("update", "cluster")
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    assert aws_public(engine) is False


# ------------------------------------------------------------ exit 3 whenever the window is open


def open_window(engine) -> None:
    """A run whose every closing attempt failed: the window is open, the state knows it."""
    engine.fault("update", "cluster", times="always")
    assert cli(engine, "up", "--stack", "engine").returncode == 3
    engine.clear_fault("update", "cluster")
    assert aws_public(engine) is True


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_a_destroy_that_fails_with_the_window_open_exits_3(engine, force):
    open_window(engine)
    engine.fault("delete", "cluster", times="always")

    destroy = cli(engine, "destroy", "--stack", "engine", "--yes", *(["--force"] if force else []))

    assert destroy.returncode == 3, destroy.stdout + destroy.stderr
    assert "PUBLIC API endpoint is still ON" in destroy.stderr and "private-eks up --stack engine" in destroy.stderr


def test_status_and_up_with_a_wrong_passphrase_see_the_open_window_and_exit_3(engine):
    open_window(engine)
    wrong = {"PULUMI_CONFIG_PASSPHRASE": "not-the-passphrase"}

    status = cli(engine, "status", "--stack", "engine", env=wrong)
    assert status.returncode == 3, status.stdout + status.stderr
    assert "public endpoint ON" in status.stdout
    up = cli(engine, "up", "--stack", "engine", env=wrong)
    assert up.returncode == 3, up.stdout + up.stderr
    assert "PUBLIC API endpoint is still ON" in up.stderr and "passphrase" in up.stderr.lower()
    assert "Traceback" not in up.stderr


def test_a_wrong_passphrase_with_the_window_closed_is_bad_input(engine):
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    up = cli(engine, "up", "--stack", "engine", env={"PULUMI_CONFIG_PASSPHRASE": "not-the-passphrase"})
    assert up.returncode == 2, up.stdout + up.stderr
    assert "passphrase" in up.stderr.lower()


def test_a_bad_bootstrap_cidr_with_the_window_open_closes_it_first_then_refuses(engine):
    open_window(engine)

    up = cli(engine, "up", "--stack", "engine", "--bootstrap-cidr", "203.0.113.7/3")

    assert up.returncode == 2, up.stdout + up.stderr
    assert "host bits set" in up.stderr and "the public endpoint found on was turned off" in up.stderr
    assert aws_public(engine) is False
    assert cli(engine, "status", "--stack", "engine").returncode == 0


def test_the_passes_wait_for_aws_without_any_sleep_in_the_runner(engine):
    """The stand-ins' AWS wait is real: a pass lasts at least as long as EKS takes."""
    engine.aws_wait("update", "cluster", 3)
    started = time.monotonic()
    up = cli(engine, "up", "--stack", "engine")
    assert up.returncode == 0, up.stderr
    assert time.monotonic() - started >= 3
    assert any("waiting" in e for e in engine.operations("cluster", waits=True))


# ------------------------------------------- the window's verdict asks AWS (state, pending, AWS)


def pulumi_processes(run: subprocess.Popen) -> list[int]:
    return [pid for pid in descendants(run.pid)]


@needs_proc
def test_the_cli_killed_alone_during_the_clusters_create_never_reports_closed_while_aws_is_open(engine):
    """The Pulumi CLI dies while the runner lives: the state holds only a pending create, AWS has
    the cluster public. The runner decides as `status` does (automation/window_state.py): it
    closes the window, or says loudly that it is open (exit 3) — never "closed" while
    DescribeCluster says public access is on."""
    engine.aws_wait("create", "cluster", 600)
    run = start(engine, "up", "--stack", "engine")
    engine.wait_for("create", "cluster", after_aws=True, timeout=180)
    for pid in pulumi_processes(run) + [e["pid"] for e in engine.operations(waits=True) if "pid" in e]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    engine.clear_aws_wait("create", "cluster")
    out, err = run.communicate(timeout=600)

    if aws_public(engine):
        assert run.returncode == 3, out + err
        assert "PUBLIC API endpoint" in err
    else:
        assert run.returncode == 1, out + err
    # (The inline program's thread may print the SDK's own traceback when its engine dies; the
    # runner's verdict is what matters here.)
    assert "unexpected error" not in err
    assert "the window is closed" not in err or aws_public(engine) is False


@needs_proc
def test_a_second_sigterm_during_the_clusters_create_wait_never_reports_closed_while_aws_is_open(engine):
    engine.aws_wait("create", "cluster", 20)
    run = start(engine, "up", "--stack", "engine")
    engine.wait_for("create", "cluster", after_aws=True, timeout=180)
    os.killpg(run.pid, signal.SIGTERM)
    time.sleep(1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(run.pid, signal.SIGTERM)
    out, err = run.communicate(timeout=600)
    engine.clear_aws_wait("create", "cluster")

    public = aws_public(engine)
    assert run.returncode == (3 if public else 1), out + err
    if public:
        assert "PUBLIC API endpoint" in err
    assert not (public and "the window is closed" in err)


def test_close_closes_a_window_the_state_does_not_know_of(engine):
    """The state says private, moto's DescribeCluster says public access is on: `close` asks AWS,
    reads it back and turns it off (the cluster alone), exit 0."""
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    engine.aws("eks").update_cluster_config(name=CLUSTER, resourcesVpcConfig={"endpointPublicAccess": True})
    before = len(engine.operations())

    done = cli(engine, "close", "--stack", "engine")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "AWS says public access is ON" in done.stdout
    assert aws_public(engine) is False
    # The cluster alone: no other stand-in was created, updated or deleted.
    assert {e["kind"] for e in engine.operations()[before:] if e["op"] != "read"} <= {"cluster"}
    assert cli(engine, "status", "--stack", "engine").returncode == 0


def test_close_with_nothing_open_changes_nothing(engine):
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    before = len(engine.operations())
    done = cli(engine, "close", "--stack", "engine")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing to close" in done.stdout
    assert engine.operations()[before:] == []


def test_when_aws_cannot_be_asked_close_and_status_say_so_and_exit_3(engine):
    """A deployed cluster and no answer from AWS (an endpoint that refuses connections): never
    "closed" on the state's word: exit 3 and a message that says why."""
    assert cli(engine, "up", "--stack", "engine").returncode == 0
    dead = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
    for command_ in ("close", "status"):
        done = cli(engine, command_, "--stack", "engine", env=dead)
        assert done.returncode == 3, command_ + done.stdout + done.stderr
        assert "AWS could not be asked" in done.stdout + done.stderr


@needs_proc
def test_killed_while_aws_creates_a_node_group_the_next_up_adopts_it_instead_of_failing_forever(engine):
    """A machine that dies while EKS creates a node group leaves a pending create; Pulumi alone
    would create it again and EKS answer ResourceInUseException (NodeGroup already exists) on
    every later run. `up` finds it in AWS (DescribeNodegroup, by the name the program gave it),
    adopts it (automation/aws/pending_creates.py) and carries on: no second create."""
    engine.aws_wait("create", "nodeGroup", 600)
    run = start(engine, "up", "--stack", "engine")
    engine.wait_for("create", "nodeGroup", after_aws=True, timeout=240)
    kill_everything(engine, run)
    engine.clear_aws_wait("create", "nodeGroup")
    groups = engine.aws("eks").list_nodegroups(clusterName=CLUSTER)["nodegroups"]
    assert groups  # AWS has it; the state has only the pending create
    status = cli(engine, "status", "--stack", "engine", "--json")
    assert any(op["type"] == "creating" for op in json.loads(status.stdout)["pendingOperations"])
    before = [o["op"] for o in engine.operations("nodeGroup")]

    up = cli(engine, "up", "--stack", "engine")

    assert up.returncode == 0, up.stdout + up.stderr
    assert "AWS has it" in up.stdout and "adopted" in up.stdout
    assert "create" not in [o["op"] for o in engine.operations("nodeGroup")][len(before):]
    assert engine.aws("eks").list_nodegroups(clusterName=CLUSTER)["nodegroups"] == groups
    assert aws_public(engine) is False
    final = cli(engine, "status", "--stack", "engine", "--json")
    assert final.returncode == 0 and json.loads(final.stdout)["pendingOperations"] == []
