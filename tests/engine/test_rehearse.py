"""The rehearsal: components/program.py on the real engine, the providers played by the doubles
(automation/rehearse). These tests drive the real program; the stand-in program in
tests/engine/project stays for what the doubles cannot give (injected faults at a chosen operation,
kills while a provider waits, the lock of a shared backend)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from automation.project import Project
from automation.rehearse.command import rehearse
from automation.rehearse.session import Session

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.engine


@pytest.fixture
def project(tmp_path: Path, pulumi_bin: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A copy of the repository's project with stacks made from the dev stack."""
    monkeypatch.setenv("PATH", f"{pulumi_bin}:{__import__('os').environ['PATH']}")
    shutil.copy2(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    return Project.load(tmp_path)


def stack(project: Project, name: str, **change: Any) -> str:
    """stacks/Pulumi.NAME.yaml: the dev stack named NAME with ``change`` (None removes a key)."""
    doc = yaml.safe_load((project.dir / "stacks" / "Pulumi.dev.yaml").read_text())
    cluster = doc["config"]["private-eks:cluster"]
    cluster["metadata"]["name"] = change.pop("metadata_name", name)
    for key, value in change.items():
        if value is None:
            cluster.pop(key, None)
        else:
            cluster[key] = value
    (project.dir / "stacks" / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return name


NO_CAPACITY = {"nodeGroups": None, "managedNodeGroups": None, "fargateProfiles": None}


def test_a_good_stack_two_passes_then_status_audit_day2_and_preview(project: Project):
    """Auto Mode (pulumi-eks makes no coredns) with both kinds of node group and Fargate: the two
    passes succeed, the program's transforms reach pulumi-eks's children through the engine, moto
    holds what status and the audit read, a day-2 change needs no window, --bootstrap always opens
    one and closes it, and preview --markdown reads the rehearsed state."""
    name = stack(project, "good", autoModeConfig={"enabled": True})
    session = Session.open(project)
    try:
        lines: list[str] = []
        runner = session.runner(name, on_output=lines.append)
        result = runner.up()
        assert [p.phase for p in result.passes] == ["bootstrap", "private"]
        assert result.audit_findings == () and len(result.windows) == 1
        state = {r["urn"].rsplit("::", 1)[1]: r for r in runner.workspace.deployment(runner._stack(create=False))
                 .get("resources", [])}
        # components/cluster.py require_imdsv2 and cluster_child_inputs (ChildInputs transforms).
        assert state["good-cluster-ng-system-launchTemplate"]["inputs"]["metadataOptions"]["httpTokens"] == "required"
        assert "zonalShiftConfig" in state["good-cluster-eks-eksCluster"]["inputs"]
        # pulumi-eks nodejs/eks/cluster/cluster.ts:687: the cluster is a child of the component.
        assert state["good-cluster-eks-eksCluster"]["parent"].endswith("eks:index:Cluster::good-cluster-eks")
        eks = __import__("boto3").client("eks", region_name="us-west-2")
        assert eks.describe_cluster(name="good")["cluster"]["resourcesVpcConfig"]["endpointPublicAccess"] is False
        status = runner.status()
        assert status.endpoint_public_access is False and not status.window_open
        assert not runner.audit()

        doc = yaml.safe_load(project.stack_file(name).read_text())
        doc["config"]["private-eks:cluster"]["metadata"]["tags"]["owner"] = "rehearsal"
        session.project.stack_file(name).write_text(yaml.safe_dump(doc, sort_keys=False))
        day2 = session.runner(name).up()
        assert [p.phase for p in day2.passes] == ["private"] and day2.windows == ()
        always = session.runner(name).up(bootstrap="always")
        assert [p.phase for p in always.passes] == ["bootstrap", "private"] and len(always.windows) == 1
        assert always.endpoint_public_access is False
        preview = session.runner(name).preview()
        assert "good" in preview.markdown()
    finally:
        session.close()


def test_coredns_with_no_capacity_fails_naming_the_addon_and_the_rule(project: Project):
    """coredns with nothing to run its pods: EKS leaves it DEGRADED and pulumi-aws fails at its
    20-minute timeout. The window is closed again (fail closed)."""
    name = stack(project, "nocap", **NO_CAPACITY)
    report = rehearse(project, name)
    assert report["exitCode"] == 1
    assert any(f.startswith("nocap-cluster-") and "coredns (aws:eks/addon:Addon)" in f and "DEGRADED" in f
               and "20-minute" in f for f in report["failures"])
    t = report["timeline"]
    assert t["window"]["openedAtMinute"] is not None and t["window"]["closedAtMinute"] is not None


def test_the_dev_stack_succeeds_in_two_passes(project: Project):
    """The example stack: the cluster, both kinds of node group, Fargate, coredns after them."""
    report = rehearse(project, "dev")
    assert report["exitCode"] == 0, report["lines"]
    names = {s["name"] for s in report["timeline"]["steps"]}
    assert {"dev-private-cluster-mng-apps", "dev-private-cluster-ng-system", "dev-private-cluster-fp-default"} <= names
    window = report["timeline"]["window"]
    assert window["openedAtMinute"] is not None and window["closedAtMinute"] is not None


def test_an_over_long_generated_role_name_fails_naming_the_role_and_the_limit(project: Project):
    """pulumi-eks names the cluster role `${name}-eksRole-role` (servicerole.ts:89) and pulumi-aws
    adds 7 random characters: with a long cluster name it passes IAM's 64 characters."""
    name = stack(project, "longname", metadata_name="a-cluster-name-that-is-long-enough-x", **NO_CAPACITY)
    report = rehearse(project, name)
    assert report["exitCode"] == 1
    assert any("(aws:iam/role:Role)" in f and "maximum length 64" in f for f in report["failures"])


def test_bootstrap_never_creates_in_one_private_pass_with_no_window(project: Project):
    """docs/architecture.md §6, zero exposure: one private pass; the endpoint is never public."""
    name = stack(project, "never", autoModeConfig={"enabled": True}, **NO_CAPACITY)
    report = rehearse(project, name, bootstrap="never")
    assert report["exitCode"] == 0, report["lines"]
    assert report["timeline"]["window"]["openedAtMinute"] is None
    assert len(report["timeline"]["passes"]) == 1


def test_kubernetes_objects_need_the_api_reachable_from_the_runner(project: Project):
    """The aws-auth ConfigMap pulumi-eks makes (cluster.ts:1010) is applied over the public
    endpoint: from outside publicAccessCidrs it fails, naming it and the reason."""
    name = stack(project, "cfgmap", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"}, **NO_CAPACITY)
    # coredns (no capacity here) fails too; slower AWS minutes let the ConfigMap be tried first.
    report = rehearse(project, name, runner_ip="198.51.100.99", seconds_per_minute=0.2)
    assert report["exitCode"] == 1
    assert any(f.startswith("cfgmap-cluster-eks-nodeAccess (kubernetes:core/v1:ConfigMap)")
               and "outside publicAccessCidrs" in f for f in report["failures"])


def test_a_pull_requests_head_previewed_against_the_rehearsed_base_names_replacements(project: Project,
                                                                                       tmp_path: Path):
    """A managed node group's instance type is force-new in terraform-provider-aws
    (internal/service/eks/node_group.go instance_types, automation/plan/replacements.py): the preview of
    the head against the base's rehearsed state says the node group is replaced, not updated."""
    doc = yaml.safe_load(project.stack_file("dev").read_text())
    doc["config"]["private-eks:cluster"]["managedNodeGroups"][0]["instanceType"] = "m5.xlarge"
    head = tmp_path / "head.yaml"
    head.write_text(yaml.safe_dump(doc, sort_keys=False))
    report = rehearse(project, "dev", preview_head=str(head))
    assert report["exitCode"] == 0, report["lines"]
    markdown = report["previewMarkdown"]
    assert "| +- replace | `aws:eks/nodeGroup:NodeGroup` | dev-private-cluster-mng-apps | instanceTypes" in markdown


# IRSA ServiceAccounts (a namespace and two ServiceAccounts through the Kubernetes API) on Auto Mode
# with no capacity, as test_bootstrap_never_creates_in_one_private_pass_with_no_window.
IRSA = {"withOIDC": True, "serviceAccounts": [
    {"metadata": {"name": "reader", "namespace": "apps"}, "attachPolicyARNs": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
    {"metadata": {"name": "writer", "namespace": "kube-system"}, "attachPolicyARNs": [
        "arn:aws:iam::aws:policy/AmazonS3FullAccess"]}]}


def test_irsa_service_accounts_through_the_relay_under_bootstrap_never_never_open_the_endpoint(project: Project):
    """Issue 26, checked by: a stack with IRSA ServiceAccounts and the relay, `up --bootstrap never`,
    created with public access off in every recorded state. The kubernetes double sends each write
    to the runner's local endpoint (the engine's KUBECONFIG), whose invoker applies it only when the
    function is in the cluster's private subnets with a path on 443, its role has an access entry
    with a policy, and the cluster is ACTIVE with private access (automation/rehearse/relay_world.py)."""
    name = stack(project, "relay", autoModeConfig={"enabled": True}, iam=IRSA,
                 privateCluster={"enabled": True, "apiRelay": {"enabled": True}}, **NO_CAPACITY)
    report = rehearse(project, name, bootstrap="never")
    assert report["exitCode"] == 0, report["lines"]
    steps = report["timeline"]["steps"]
    assert len(report["timeline"]["passes"]) == 1 and report["timeline"]["window"]["openedAtMinute"] is None
    cluster_states = [s["public"] for s in steps if s["type"] == "aws:eks/cluster:Cluster" and "public" in s]
    assert cluster_states and not any(cluster_states)
    made = {(s["type"], s["name"]) for s in steps if s["op"] == "create" and not s.get("error")}
    assert ("kubernetes:core/v1:Namespace", "relay-cluster-service-accounts-ns-apps") in made
    assert {n for t, n in made if t == "kubernetes:core/v1:ServiceAccount"} == {
        "relay-cluster-service-accounts-sa-apps-reader", "relay-cluster-service-accounts-sa-kube-system-writer"}
    relayed = [s["op"] for s in steps if s["type"] == "relay"]
    assert sorted(relayed) == ["POST /api/v1/namespaces",
                               "POST /api/v1/namespaces/apps/serviceaccounts",
                               "POST /api/v1/namespaces/kube-system/serviceaccounts"]
    assert not report["failures"]


def test_the_same_stack_without_the_relay_is_refused_under_bootstrap_never(project: Project):
    """Without the relay the ServiceAccounts need a window: `--bootstrap never` refuses the create
    (exit 2) before anything is made (docs/architecture.md §6)."""
    name = stack(project, "norelay", autoModeConfig={"enabled": True}, iam=IRSA, **NO_CAPACITY)
    report = rehearse(project, name, bootstrap="never")
    assert report["exitCode"] == 2, report["lines"]
    (op,) = report["operations"]
    assert "need the Kubernetes API" in op["error"] and "ServiceAccount" in op["error"]
    assert not [s for s in report["timeline"]["steps"] if s["op"] == "create" and not s.get("error")]


def test_bootstrap_always_still_opens_the_window_on_a_relay_stack(project: Project):
    """`--bootstrap always` is the way back to the two passes: the window opens and closes, and the
    stack's Kubernetes writes still go through the relay (its provider names only the relay's context)."""
    name = stack(project, "always", autoModeConfig={"enabled": True}, iam=IRSA,
                 privateCluster={"enabled": True, "apiRelay": {"enabled": True}}, **NO_CAPACITY)
    report = rehearse(project, name, bootstrap="always")
    assert report["exitCode"] == 0, report["lines"]
    window = report["timeline"]["window"]
    assert len(report["timeline"]["passes"]) == 2
    assert window["openedAtMinute"] is not None and window["closedAtMinute"] is not None
    assert len([s for s in report["timeline"]["steps"] if s["type"] == "relay"]) == 3


def test_a_relay_stacks_preview_and_day2_change_under_auto_open_no_window(project: Project):
    """`auto` on a relay stack: the preview shows one private pass; a day-2 ServiceAccount (which
    would open a window without the relay) is applied in the private pass alone, through the relay."""
    name = stack(project, "relayday2", autoModeConfig={"enabled": True}, iam=IRSA,
                 privateCluster={"enabled": True, "apiRelay": {"enabled": True}}, **NO_CAPACITY)
    session = Session.open(project)
    try:
        assert [p.phase for p in session.runner(name).preview().report.passes] == ["private"]
        first = session.runner(name).up()
        assert [p.phase for p in first.passes] == ["private"] and first.windows == ()
        doc = yaml.safe_load(session.project.stack_file(name).read_text())
        doc["config"]["private-eks:cluster"]["iam"]["serviceAccounts"].append(
            {"metadata": {"name": "extra", "namespace": "apps"}, "attachPolicyARNs": [
                "arn:aws:iam::aws:policy/ReadOnlyAccess"]})
        session.project.stack_file(name).write_text(yaml.safe_dump(doc, sort_keys=False))
        day2 = session.runner(name).up()
        assert [p.phase for p in day2.passes] == ["private"] and day2.windows == ()
        relayed = [(e["op"], e["status"]) for e in session.journal() if e["type"] == "relay"]
        assert relayed[-1] == ("POST /api/v1/namespaces/apps/serviceaccounts", 200) and len(relayed) == 4
    finally:
        session.close()
