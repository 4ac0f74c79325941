"""`private-eks audit` against moto's real server, found through AWS_ENDPOINT_URL as a user's
boto3 would. As a subprocess: clean → exit 0; AWS unreachable → exit 1 with a clear message and
no traceback. In-process (same CLI code, no interpreter start-up): broken scenarios → exit 3
naming the resource, JSON output, credentials missing or refused → 1, the --stack forms."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from tests.aws import scenario as sc
from tests.aws.conftest import isolate
from tests.cli import run_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory) -> Iterator[str]:
    """moto's server on a free local port; this module's boto3 (and its subprocesses) use it."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("aws-server"))  # MOTO_* is read when the server makes a backend
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
        # Port 0: the kernel picks the port as the server binds it, so two test workers can never
        # be handed the same one (a port probed first and bound later can be taken in between).
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        mp.setenv("AWS_ENDPOINT_URL", url)
        try:
            yield url
        finally:
            server.stop()


@pytest.fixture
def server(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    return moto_url


@pytest.fixture
def session(server: str) -> boto3.Session:
    return boto3.Session(region_name=sc.REGION)


@pytest.fixture
def clean(session: boto3.Session, request) -> sc.PrivateVpc:
    return sc.build_private_vpc(session, cluster_name=sc.cluster_name_for(request.node.name))


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("private-eks", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "automation"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env=env if env is not None else dict(os.environ))


def audit_args(vpc: sc.PrivateVpc, *extra: str) -> list[str]:
    args = ["audit", "--region", vpc.region, "--vpc-id", vpc.vpc_id]
    if vpc.cluster_name:
        args += ["--cluster-name", vpc.cluster_name]
    return [*args, *extra]


def audit_cli(vpc: sc.PrivateVpc, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The audit in a child process, as a user runs it."""
    return cli(*audit_args(vpc, *extra), env=env)


def audit_in_process(vpc: sc.PrivateVpc, *extra: str) -> subprocess.CompletedProcess[str]:
    """The same CLI code in this process (no interpreter and botocore start-up)."""
    return run_main(audit_args(vpc, *extra), cwd=ROOT)


def test_clean_private_vpc_exits_0(clean):
    r = audit_cli(clean)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no findings" in r.stdout and clean.vpc_id in r.stdout


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in-process (same code path, without a new interpreter and botocore start-up)."""
    from automation.cli import main as cli_main

    code = cli_main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_private_vpc_json(clean, capsys):
    code, out, err = main(capsys, "audit", "--region", clean.region, "--vpc-id", clean.vpc_id,
                          "--cluster-name", clean.cluster_name, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc == {"region": clean.region, "vpcId": clean.vpc_id, "clusterName": clean.cluster_name,
                   "clean": True, "findings": []}


Breaker = Callable[[boto3.Session, sc.PrivateVpc], str]

# One scenario per kind of resource a finding names (route table + gateway, subnet, endpoint
# service, security group, cluster, VPC). Every rule is proven one by one in-process
# (test_audit.py); here the CLI's output and exit code for each kind.
BROKEN: dict[str, tuple[str, Breaker]] = {
    "internet gateway with a 0.0.0.0/0 route": ("egress-route", sc.attach_internet_gateway_with_default_route),
    "subnet mapping public IPs": ("subnet-public-ip", sc.map_public_ips),
    "missing required endpoint": ("endpoint-missing", lambda s, v: sc.delete_endpoint(s, v, "ecr.dkr")),
    "endpoint security group without 443 from the VPC": ("endpoint-security-group", sc.revoke_443),
    "cluster public access on": ("cluster-public-access", sc.open_public_access),
    "DHCP options without AmazonProvidedDNS": ("vpc-dhcp-dns", sc.dhcp_without_amazon_dns),
}


@pytest.fixture(scope="module")
def broken_runs(moto_url: str) -> dict[str, tuple[str, subprocess.CompletedProcess[str]]]:
    """Every broken scenario built in the server, then audited by the CLI in-process (the real
    process's exit codes are proven by the clean and unreachable cases)."""
    session = boto3.Session(region_name=sc.REGION)
    runs = {}
    for case, (_, breaker) in BROKEN.items():
        vpc = sc.build_private_vpc(session, cluster_name=sc.cluster_name_for(case))
        resource = breaker(session, vpc)
        runs[case] = (resource, audit_in_process(vpc))
    return runs


@pytest.mark.parametrize("case", list(BROKEN), ids=[c.replace(" ", "-") for c in BROKEN])
def test_broken_scenario_exits_3_naming_the_resource(broken_runs, case):
    check, _ = BROKEN[case]
    resource, r = broken_runs[case]
    assert r.returncode == 3, r.stdout + r.stderr
    assert f"[{check}]" in r.stdout and resource in r.stdout, r.stdout
    assert r.stdout.count("\n  [") == 1, r.stdout  # the injected problem, and only it


def test_findings_as_json_exit_3(session, clean):
    igw = sc.attach_internet_gateway_with_default_route(session, clean)
    r = audit_in_process(clean, "--json")
    assert r.returncode == 3
    findings = json.loads(r.stdout)["findings"]
    assert [(f["check"], f["resource"]) for f in findings] == [("egress-route", clean.route_table_ids[0])]
    assert igw in findings[0]["message"]


def test_unreachable_aws_exits_1_without_traceback(clean):
    # A port held bound but not listening: connections to it are refused, and no other test
    # worker can start a server on it meanwhile.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{held.getsockname()[1]}", "AWS_MAX_ATTEMPTS": "1"}
        r = audit_cli(clean, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "cannot reach AWS" in r.stderr and "Traceback" not in r.stderr


def test_missing_credentials_exit_1(clean, monkeypatch, capsys):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, out, err = main(capsys, "audit", "--region", clean.region, "--vpc-id", clean.vpc_id)
    assert code == 1, out + err
    assert "no usable AWS credentials" in err and out == ""


def test_refused_credentials_exit_1(server, clean, capsys):
    # moto's server checks signatures against its IAM users once authentication is switched on.
    requests.post(f"{server}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
    try:
        code, out, err = main(capsys, "audit", "--region", clean.region, "--vpc-id", clean.vpc_id)
    finally:
        requests.post(f"{server}/moto-api/reset-auth", data=b"inf", timeout=10)
    assert code == 1, out + err
    assert "refused the credentials" in err and out == ""


def write_stack(project: Path, stack: str, vpc: sc.PrivateVpc, *, with_vpc_id: bool = True) -> None:
    (project / "stacks").mkdir(parents=True, exist_ok=True)
    (project / "Pulumi.yaml").write_text("name: private-eks\nruntime: python\nstackConfigDir: stacks\n")
    subnets = "".join(f"          {vpc.region}{z}: {{id: {sid}}}\n" for z, sid in zip("abc", vpc.subnet_ids))
    vpc_id = f"      id: {vpc.vpc_id}\n" if with_vpc_id else ""
    (project / "stacks" / f"Pulumi.{stack}.yaml").write_text(
        f"config:\n  aws:region: {vpc.region}\n  private-eks:cluster:\n    metadata:\n      name: {vpc.cluster_name}\n"
        f"    vpc:\n{vpc_id}      subnets:\n        private:\n{subnets}")


def test_stack_form_audits_the_stacks_existing_vpc_and_cluster(session, clean, tmp_path, capsys):
    write_stack(tmp_path, "mine", clean, with_vpc_id=False)  # the VPC is the subnets' VPC
    code, out, err = main(capsys, "--project-dir", str(tmp_path), "audit", "--stack", "mine")
    assert code == 0, out + err
    assert clean.vpc_id in out and clean.cluster_name in out
    name = sc.open_public_access(session, clean)
    code, out, err = main(capsys, "--project-dir", str(tmp_path), "audit", "--stack", "mine", "--json")
    assert code == 3, out + err
    assert [(f["check"], f["resource"]) for f in json.loads(out)["findings"]] == [("cluster-public-access", name)]


def test_stack_form_for_a_new_vpc_reads_the_outputs_through_the_runner(tmp_path, monkeypatch, capsys):
    """The VPC id of a stack that creates its VPC is a stack output: without --vpc-id the runner
    reads it (Pulumi CLI + state backend); with neither, a clear bad-input error."""

    (tmp_path / "Pulumi.yaml").write_text("name: private-eks\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.new.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  private-eks:cluster:\n    metadata:\n      name: fresh\n")
    monkeypatch.setenv("PATH", str(tmp_path))  # no Pulumi CLI here
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test")
    code, _, err = main(capsys, "--project-dir", str(tmp_path), "audit", "--stack", "new")
    assert code == 2
    assert "Pulumi CLI" in err and "--vpc-id" in err and "Traceback" not in err


def test_region_form_needs_a_vpc_id(capsys):
    code, _, err = main(capsys, "audit", "--region", "us-west-2")
    assert code == 2 and "--vpc-id" in err
