"""`private-eks plan` and `plan-diff`: output, exit codes, and no traceback for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from automation.cli import main
from tests.components.helpers import BASE, EXISTING

ROOT = Path(__file__).resolve().parents[2]


def stack_file(tmp_path: Path, cluster: dict, *, region: str = "us-west-2", name: str = "Pulumi.t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"config": {"aws:region": region, "private-eks:cluster": cluster}}))
    return path


def test_plan_file_json_exits_0_with_the_plan(tmp_path, capsys):
    cluster = json.loads(json.dumps(EXISTING).replace("us-west-2", "cn-north-1"))
    path = stack_file(tmp_path, cluster, region="cn-north-1")
    assert main(["plan", "--file", str(path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["stack"] == "t" and plan["region"] == "cn-north-1"
    endpoints = {r["inputs"]["serviceName"]: r["inputs"] for r in plan["passes"][1]["resources"]
                 if r["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint"}
    assert endpoints["cn.com.amazonaws.cn-north-1.ecr.dkr"]["privateDnsEnabled"] is True
    assert endpoints["com.amazonaws.cn-north-1.s3"]["vpcEndpointType"] == "Gateway"
    assert len(endpoints["com.amazonaws.cn-north-1.s3"]["routeTableIds"]) == 3
    clusters = [r["inputs"] for p in plan["passes"] for r in p["resources"] if r["type"] == "eks:index:Cluster"]
    assert [c["endpointPublicAccess"] for c in clusters] == [True, False]
    assert all(c["privateSubnetIds"] == ["subnet-aaaa", "subnet-bbbb", "subnet-cccc"] for c in clusters)


def test_plan_phase_private_plans_one_pass(tmp_path, capsys):
    assert main(["plan", "--file", str(stack_file(tmp_path, BASE)), "--json", "--phase", "private"]) == 0
    assert [p["phase"] for p in json.loads(capsys.readouterr().out)["passes"]] == ["private"]


def test_plan_bad_settings_exit_2_naming_file_and_path(tmp_path, capsys):
    bad = dict(BASE, nodeGroups=[{"name": "ng1", "instanceType": "m5.large"}])
    path = stack_file(tmp_path, bad)
    assert main(["plan", "--file", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(path) in captured.err and "nodeGroups[0].privateNetworking" in captured.err
    assert "Traceback" not in captured.err


def test_plan_missing_file_exits_2(tmp_path, capsys):
    assert main(["plan", "--file", str(tmp_path / "Pulumi.none.yaml")]) == 2
    assert "no such stack file" in capsys.readouterr().err


def test_plan_unknown_phase_exits_2(capsys):
    assert main(["plan", "--stack", "dev", "--phase", "public"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_plan_text_shows_the_tree_and_the_phase_difference(capsys):
    assert main(["--project-dir", str(ROOT), "plan", "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "private-eks:network:PrivateNetwork  dev-private-network" in out
    assert "endpointPublicAccess: bootstrap=true private=false" in out
    assert "private: API access: private only" in out


def test_plan_all_plans_every_stack(capsys):
    assert main(["--project-dir", str(ROOT), "plan", "--all", "--json", "--phase", "private"]) == 0
    plans = json.loads(capsys.readouterr().out)
    assert sorted(p["stack"] for p in plans) == ["dev", "existing-vpc"]


def test_plan_diff_of_identical_plans_reports_no_changes(tmp_path, capsys):
    main(["plan", "--file", str(stack_file(tmp_path, BASE)), "--json"])
    old = tmp_path / "old.json"
    old.write_text(capsys.readouterr().out)
    assert main(["plan-diff", str(old), str(old)]) == 0
    assert capsys.readouterr().out == "stack t: no changes\n"


def test_plan_diff_markdown_reports_a_change(tmp_path, capsys):
    main(["plan", "--file", str(stack_file(tmp_path, BASE)), "--json", "--phase", "private"])
    (tmp_path / "old.json").write_text(capsys.readouterr().out)
    changed = dict(BASE, privateCluster={"additionalEndpointServices": ["kms"]})
    main(["plan", "--file", str(stack_file(tmp_path, changed)), "--json", "--phase", "private"])
    (tmp_path / "new.json").write_text(capsys.readouterr().out)
    assert main(["plan-diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### Offline plan diff: `t`")
    assert "| private | create | `aws:ec2/vpcEndpoint:VpcEndpoint` | `test-cluster-endpoints-kms` |" in out


@pytest.mark.parametrize("content, message", [
    (None, "no such plan file"),
    ("{not json", "not a JSON plan"),
    ('{"stack": "x"}', "not a plan"),
])
def test_plan_diff_bad_file_exits_2_with_a_clear_message(tmp_path, capsys, content, message):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"stack": "s", "region": "us-west-2", "passes": [], "findings": [],
                                "endpointCostPerHour": 0.0}))
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main(["plan-diff", str(bad), str(good)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(bad) in err and "Traceback" not in err


def test_readme_main_job_command_works_from_the_project_root():
    done = subprocess.run([sys.executable, "-m", "automation", "plan", "--stack", "dev"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "stack dev (us-west-2): offline plan of bootstrap and private" in done.stdout
    assert "Traceback" not in done.stderr and "Task was destroyed" not in done.stderr


def _open_loops() -> list:
    import asyncio
    import gc

    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and not o.is_closed()]


@pytest.mark.parametrize("broken", [False, True])
def test_the_plan_leaves_no_event_loop_open_for_the_interpreter_to_finalise(broken):
    """The mock monitor gives every SDK worker thread an event loop of its own: left open, one may be
    finalised at exit after its sockets and print "Invalid file descriptor: -1" after a clean result."""
    from automation.plan import PlanError, plan_stack
    from tests.components.helpers import settings

    before = {id(loop) for loop in _open_loops()}
    s = settings(EXISTING if not broken else _TWO_KEYS_ONE_SUBNET)
    if broken:
        with pytest.raises(PlanError):
            plan_stack(s)
    else:
        plan_stack(s)
    assert [loop for loop in _open_loops() if id(loop) not in before] == []


# Two subnet entries naming one subnet: refused by the program (the zone is known only from AWS).
_TWO_KEYS_ONE_SUBNET = {**EXISTING, "vpc": {"id": "vpc-0123456789abcdef0", "publicAccessCIDRs": ["198.51.100.0/24"],
                                            "subnets": {"private": {"first": {"id": "subnet-aaaa"},
                                                                    "second": {"id": "subnet-aaaa"}}}}}


def test_a_failing_plan_exits_2_with_one_clean_message_every_time(tmp_path):
    """Run at once, as under load: each run prints its refusal and nothing else (no traceback from
    event-loop or gRPC teardown)."""
    path = stack_file(tmp_path, _TWO_KEYS_ONE_SUBNET)
    runs = [subprocess.Popen([sys.executable, "-m", "automation", "plan", "--file", str(path)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    for proc in runs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 2
        assert err.count("\n") == 1 and "a second subnet in" in err, err
        assert "Traceback" not in err and "Exception ignored" not in err
