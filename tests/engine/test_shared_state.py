"""Shared state for a team: two machines on one stack through Pulumi's S3 backend.

The state lives in a bucket of a second moto server on 127.0.0.1 (the stand-ins build in the first
one, through AWS_ENDPOINT_URL), so the backend reaches it only through the options of its URL:
``s3://bucket?endpoint=http://127.0.0.1:PORT&use_path_style=true&region=...``. Those options are
gocloud.dev's (pulumi/pulumi pkg/backend/diy/backend.go opens the URL with gocloud's blob mux;
gocloud.dev aws/aws.go ``V2ConfigFromURLParams``: region, endpoint; blob/s3blob/s3blob.go:
``use_path_style``). Each machine is its own copy of the engine test project, with its own
workspace, Pulumi home and faults, running the real CLI (``tests/engine/standin_cli.py``) in its
own process. Pulumi's DIY lock (a lock object under ``.pulumi/locks/`` in the bucket) serializes them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import boto3
import pytest
import yaml

from tests.engine.harness import UNSET, EngineProject, make_project, reset_moto

pytestmark = pytest.mark.engine

BUCKET = "team-state"
REGION = "us-west-2"
CHECKPOINT = ".pulumi/stacks/private-eks/engine.json"


@pytest.fixture(scope="module")
def state_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server in its own process: its own emulated account, apart from the stand-ins' one
    (moto servers started in one process share their account)."""
    folder = tmp_path_factory.mktemp("state-server")
    # moto.server takes a port number, not 0: a free one is probed, and another test worker may
    # take it before the server binds it; a server that exits at once is started on a new one.
    for attempt in range(5):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = folder / f"moto-{attempt}.log"
        with open(log, "w") as out:
            server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                      stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        if _serving(url, server):
            break
        server.wait(timeout=30)
    else:
        raise RuntimeError(f"moto's server did not start: {log.read_text()[-2000:]}")
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _serving(url: str, server: subprocess.Popen) -> bool:
    """Whether this server answers (False: it exited, e.g. its port was taken); 60 s at most."""
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2).close()
        except OSError:
            if server.poll() is not None:
                return False
            if time.monotonic() > deadline:
                server.terminate()
                return False
            time.sleep(0.2)
            continue
        if server.poll() is None:
            return True
        return False  # another worker's server answered on this port


def s3_client(url: str):
    return boto3.session.Session().client("s3", region_name=REGION, endpoint_url=url,
                                          aws_access_key_id="testing", aws_secret_access_key="testing")


def backend_url(state_server: str) -> str:
    return f"s3://{BUCKET}?endpoint={state_server}&use_path_style=true&region={REGION}"


@pytest.fixture
def machines(tmp_path: Path, pulumi_bin: Path, aws_endpoint: str, state_server: str,
             monkeypatch: pytest.MonkeyPatch) -> tuple[EngineProject, EngineProject]:
    """Two machines: separate project copies, workspaces and Pulumi homes; one S3 backend URL."""
    for key in UNSET:
        monkeypatch.delenv(key, raising=False)
    reset_moto(aws_endpoint)
    reset_moto(state_server)
    s3_client(state_server).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    out = []
    for name in ("laptop", "ci"):
        root = tmp_path / name
        (root / "pulumi-home").mkdir(parents=True)
        machine = make_project(root, pulumi_bin, root / "pulumi-home", aws_endpoint)
        machine.env["PULUMI_BACKEND_URL"] = backend_url(state_server)
        out.append(machine)
    return out[0], out[1]


def command(machine: EngineProject, *args: str) -> list[str]:
    return [sys.executable, "-m", "tests.engine.standin_cli", "--project-dir", str(machine.dir), *args]


def cli(machine: EngineProject, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command(machine, *args), capture_output=True, text=True, timeout=timeout,
                          cwd=machine.dir, env={**os.environ, **machine.env})


def status(machine: EngineProject) -> tuple[int, dict]:
    done = cli(machine, "status", "--stack", "engine", "--json")
    return done.returncode, json.loads(done.stdout)


def checkpoint(state_server: str) -> dict:
    body = s3_client(state_server).get_object(Bucket=BUCKET, Key=CHECKPOINT)["Body"].read()
    return json.loads(body)


def cluster_history(state_server: str) -> list[tuple[str, bool]]:
    resources = checkpoint(state_server)["checkpoint"]["latest"]["resources"]
    cluster = next(r for r in resources if r["urn"].endswith("::cluster"))
    return [(h["phase"], h["endpointPublicAccess"]) for h in cluster["outputs"]["accessHistory"]]


def start_up_that_hangs_in_pass_2(machine: EngineProject, seconds: float) -> subprocess.Popen:
    """``up`` on ``machine``, its pass 2 held on the cluster's update (the lock held, the window open)."""
    machine.slow("update", "cluster", seconds)
    run = subprocess.Popen(command(machine, "up", "--stack", "engine"), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, cwd=machine.dir, env={**os.environ, **machine.env},
                           start_new_session=True)
    machine.wait_for("update", "cluster", timeout=240)
    return run


def test_a_second_up_while_the_first_holds_the_lock_is_refused_and_changes_nothing(machines, state_server,
                                                                                   aws_endpoint):
    laptop, ci = machines
    first = start_up_that_hangs_in_pass_2(laptop, seconds=40)
    try:
        second = cli(ci, "up", "--stack", "engine")
        code, seen = status(ci)
    finally:
        out, err = first.communicate(timeout=300)

    # The window is open while the first run holds the lock: the second says so and exits 3,
    # without running anything.
    assert second.returncode == 3, second.stdout + second.stderr
    assert "stack engine is locked by another update" in second.stderr
    assert "PUBLIC API endpoint is ON" in second.stderr
    assert "Traceback" not in second.stderr
    assert ci.operations() == []
    assert (code, seen["windowOpen"]) == (3, True)
    # The first run is not disturbed: it closes its own window.
    assert first.returncode == 0, out + err
    assert cluster_history(state_server) == [("bootstrap", True), ("private", False)]
    assert [o["op"] for o in laptop.operations("cluster")] == ["create", "update"]
    seen_by_ci = status(ci)
    assert status(laptop) == seen_by_ci
    assert seen_by_ci[0] == 0 and seen_by_ci[1]["state"] == "private"
    # The state is in the bucket, reached only through the URL's endpoint option: the AWS the
    # stand-ins use (AWS_ENDPOINT_URL) has no such bucket, and there is no local file state.
    keys = [o["Key"] for o in s3_client(state_server).list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert CHECKPOINT in keys
    assert BUCKET not in [b["Name"] for b in s3_client(aws_endpoint).list_buckets()["Buckets"]]
    assert not (laptop.dir / ".pulumi-state" / ".pulumi").exists()
    assert not (ci.dir / ".pulumi-state" / ".pulumi").exists()


def test_first_machine_killed_between_passes_the_second_closes_the_window(machines, state_server):
    laptop, ci = machines
    laptop.kill_run(start_up_that_hangs_in_pass_2(laptop, seconds=300))
    laptop.slow("update", "cluster", 0)

    open_seen_by_ci = status(ci)
    assert open_seen_by_ci[0] == 3 and open_seen_by_ci[1]["windowOpen"] is True
    assert status(laptop) == open_seen_by_ci
    # The dead run's lock is still in the bucket: the second machine is refused, loudly (exit 3).
    locked = cli(ci, "up", "--stack", "engine")
    assert locked.returncode == 3, locked.stdout + locked.stderr
    assert "locked by another update" in locked.stderr
    locks = [o["Key"] for o in s3_client(state_server).list_objects_v2(Bucket=BUCKET, Prefix=".pulumi/locks/")
             .get("Contents", [])]
    assert len(locks) == 1

    # What docs/operations.md says to do once no run is left: `pulumi cancel` removes the lock.
    cancel = subprocess.run([str(ci.bin / "pulumi"), "cancel", "--yes", "--stack", "engine"],
                            cwd=ci.dir / ".pulumi-state" / "workspaces" / "engine", capture_output=True, text=True,
                            env={**os.environ, **ci.env}, timeout=120)
    assert cancel.returncode == 0, cancel.stdout + cancel.stderr
    assert s3_client(state_server).list_objects_v2(Bucket=BUCKET, Prefix=".pulumi/locks/").get("Contents", []) == []

    up = cli(ci, "up", "--stack", "engine")

    assert up.returncode == 0, up.stdout + up.stderr
    assert "closing it first" in up.stdout
    assert "pass 1/1: private (resume: close" in up.stdout
    # The killed run left its cluster update pending: the state is read back from AWS first (a
    # refresh), then the window is closed.
    assert "the state is behind AWS (updating cluster" in up.stdout
    assert [o["op"] for o in ci.operations("cluster")] == ["read", "update"]
    assert cluster_history(state_server) == [("bootstrap", True), ("private", False)]
    seen_by_laptop = status(laptop)
    assert seen_by_laptop == status(ci)
    assert seen_by_laptop[0] == 0 and seen_by_laptop[1]["state"] == "private"


def test_secrets_with_aws_kms_need_no_passphrase_and_the_other_machine_decrypts_them(machines, state_server):
    """Pulumi's awskms secrets provider (gocloud.dev secrets/awskms/kms.go: ``awskms://KEY-ID`` with
    the same URL options as the bucket) against moto's KMS: the stack's data key is encrypted with
    the KMS key, and a machine without the first one's workspace decrypts the secrets with it."""
    laptop, ci = machines
    kms = boto3.session.Session().client("kms", region_name=REGION, endpoint_url=state_server,
                                         aws_access_key_id="testing", aws_secret_access_key="testing")
    key_id = kms.create_key(Description="private-eks state")["KeyMetadata"]["KeyId"]
    provider = f"awskms://{key_id}?region={REGION}&endpoint={state_server}"
    for machine in machines:
        stack_file = machine.dir / "stacks" / "Pulumi.engine.yaml"
        doc = yaml.safe_load(stack_file.read_text())
        stack_file.write_text(yaml.safe_dump({"secretsprovider": provider, **doc}, sort_keys=False))
        del machine.env["PULUMI_CONFIG_PASSPHRASE"]

    up = cli(laptop, "up", "--stack", "engine")

    assert up.returncode == 0, up.stdout + up.stderr
    deployment = checkpoint(state_server)["checkpoint"]["latest"]
    assert deployment["secrets_providers"]["type"] == "cloud"
    assert deployment["secrets_providers"]["state"]["url"] == provider
    kubeconfig = next(r for r in deployment["resources"] if r["type"] == "pulumi:pulumi:Stack")["outputs"]["kubeconfig"]
    assert "ciphertext" in kubeconfig and "server" not in json.dumps(kubeconfig)
    assert status(ci)[0] == 0
    shown = subprocess.run([str(ci.bin / "pulumi"), "stack", "output", "kubeconfig", "--show-secrets",
                            "--stack", "engine"],
                           cwd=ci.dir / ".pulumi-state" / "workspaces" / "engine", capture_output=True, text=True,
                           env={**os.environ, **ci.env}, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["clusters"][0]["cluster"]["server"].startswith("https://")


def test_an_unreachable_backend_exits_1_naming_its_scheme_and_host(machines):
    laptop, _ = machines
    laptop.env["PULUMI_BACKEND_URL"] = f"s3://{BUCKET}?endpoint=http://127.0.0.1:9&use_path_style=true&region={REGION}"

    for args in (("up", "--stack", "engine"), ("status", "--stack", "engine")):
        done = cli(laptop, *args)
        assert done.returncode == 1, done.stdout + done.stderr
        assert (f"cannot open the stack in the state backend s3://{BUCKET} (endpoint 127.0.0.1:9); "
                "nothing was done") in done.stderr
        assert "Traceback" not in done.stderr
    assert laptop.operations() == []
