"""plan-diff calls replacements replacements: the provider's force-new inputs, kept as data
(automation/plan/replacements.py), closed over the plan's references (automation/plan/replacement_closure.py),
and the pull-request comment leads with exposure, then replacements (automation/plan/comment.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from automation import plan as offline
from automation.plan.replacement_closure import close_replacements, direct_reasons, references
from automation.plan.replacements import FORCE_NEW
from components.settings import settings_from_document

ROOT = Path(__file__).resolve().parents[2]


def dev_doc() -> dict:
    return yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())


def plan_of(doc: dict, stack: str = "dev") -> dict:
    s = settings_from_document(doc, stack=stack, source=f"stacks/Pulumi.{stack}.yaml")
    return json.loads(offline.plan_json(offline.plan_stack(s)))


@pytest.fixture(scope="module")
def dev_plan() -> dict:
    return plan_of(dev_doc())


def changed(f) -> dict:
    doc = dev_doc()
    f(doc["config"]["private-eks:cluster"])
    return plan_of(doc)


def by_op(d: offline.PlanDiff, op: str, phase: str = "private") -> set[str]:
    return {r.type.rsplit(":", 1)[-1] + " " + r.name for r in d.resources if r.op == op and r.phase == phase}


def test_every_type_the_offline_plan_makes_has_an_entry(dev_plan):
    """Every resource type of `private-eks plan --all --json` (the stacks in stacks/) is in the table;
    the program's components (private-eks:*) register no AWS resource of their own."""
    plans = [dev_plan, plan_of(yaml.safe_load((ROOT / "stacks" / "Pulumi.existing-vpc.yaml").read_text()),
                               "existing-vpc")]
    types = {r["type"] for p in plans for x in p["passes"] for r in x["resources"]}
    missing = {t for t in types if not t.startswith("private-eks:")} - set(FORCE_NEW)
    assert not missing
    assert all(rule.source for rule in FORCE_NEW.values())


def test_vpc_cidr_change_replaces_the_network_and_drags_the_cluster_along(dev_plan):
    """terraform-provider-aws internal/service/ec2/vpc_.go: cidr_block ForceNew; vpc_subnet.go and
    vpc_route_table.go: vpc_id ForceNew; the cluster is bound to its VPC (its subnets and its
    security group's vpc_id, pulumi-eks nodejs/eks/cluster/cluster.ts). Nothing is an update."""
    d = offline.diff_plans(dev_plan, changed(lambda c: c["vpc"].update(cidr="10.1.0.0/16")))
    replaced = by_op(d, "replace")
    for want in ("Vpc dev-private-network-vpc", "Subnet dev-private-network-private-us-west-2a",
                 "RouteTable dev-private-network-private-us-west-2a-rt",
                 "RouteTableAssociation dev-private-network-private-us-west-2a-rta",
                 "VpcEndpoint dev-private-endpoints-sts", "Cluster dev-private-cluster-eks",
                 "ManagedNodeGroup dev-private-cluster-mng-apps", "AccessEntry dev-private-cluster-ng-system-access",
                 "FargateProfile dev-private-cluster-fp-default"):
        assert want in replaced, want
    assert "dev-private-cluster-eks" in d.replaced_clusters
    vpc = next(r for r in d.resources if r.name == "dev-private-network-vpc" and r.phase == "private")
    assert vpc.cause == vpc.name and any("cidrBlock" in x for x in vpc.reasons)
    eks = next(r for r in d.resources if r.name == "dev-private-cluster-eks" and r.phase == "private")
    assert eks.cause == "dev-private-network-vpc" and not eks.changes
    text = offline.render_diff_text(d)
    assert text.startswith("!!! THE EKS CLUSTER IS REPLACED")
    assert "0 to update" in text.splitlines()[1]


def test_managed_node_group_instance_type_change_is_a_replacement(dev_plan):
    """terraform-provider-aws internal/service/eks/node_group.go: instance_types ForceNew; pulumi-eks
    ManagedNodeGroup passes instanceTypes to aws.eks.NodeGroup (nodejs/eks/nodes/nodegroup.ts)."""
    def bigger(c):
        c["managedNodeGroups"][0]["instanceType"] = "m5.xlarge"
    d = offline.diff_plans(dev_plan, changed(bigger))
    assert by_op(d, "replace") == {"ManagedNodeGroup dev-private-cluster-mng-apps"}
    assert not d.replaced_clusters and by_op(d, "update") == set()


def test_a_tag_change_is_an_update_and_nothing_is_replaced(dev_plan):
    """Tags are never ForceNew (tftags.TagsSchema in every resource file)."""
    d = offline.diff_plans(dev_plan, changed(lambda c: c["metadata"]["tags"].update(team="infra")))
    assert by_op(d, "replace") == set() and by_op(d, "update")
    md = offline.render_diff_markdown(d)
    assert "Replacements" not in md and "0 to replace" in md


def test_a_change_of_a_path_that_is_not_force_new_is_no_replacement():
    """node_group.go: scaling_config is updated in place (UpdateNodegroupConfig); instance_types is not."""
    assert direct_reasons("eks:index:ManagedNodeGroup", ["scalingConfig.desiredSize"]) == ()
    assert direct_reasons("eks:index:ManagedNodeGroup", ["instanceTypes"])
    assert direct_reasons("aws:ec2/routeTableAssociation:RouteTableAssociation", ["routeTableId"]) == ()


def test_references_know_the_shapes_the_offline_plan_writes():
    aliases = {"vpc-a": ("aws:ec2/vpc:Vpc", "vpc-a"), "role-x": ("aws:iam/role:Role", "role-x")}
    assert references({"ref": "vpc-a"}, aliases) == {aliases["vpc-a"]}
    assert references(["arn:aws:iam::1:role/role-x"], aliases) == {aliases["role-x"]}
    assert references("vpc-a-rt", aliases) == set()  # a name that merely starts like another


def test_closure_reaches_a_fixed_point_through_chains():
    """Subnet -> route table association: each link is a force-new input referring to a replaced one."""
    res = [{"type": "aws:ec2/vpc:Vpc", "name": "v", "inputs": {"cidrBlock": "10.1.0.0/16"}},
           {"type": "aws:ec2/subnet:Subnet", "name": "s", "inputs": {"vpcId": "v"}},
           {"type": "aws:ec2/routeTableAssociation:RouteTableAssociation", "name": "a",
            "inputs": {"subnetId": "s", "routeTableId": "rt"}},
           {"type": "aws:ec2/routeTable:RouteTable", "name": "rt", "inputs": {"vpcId": "other"}}]
    keys = {(r["type"], r["name"]) for r in res}
    out = close_replacements(res, keys, {("aws:ec2/vpc:Vpc", "v"): ["cidrBlock"]})
    assert {k[1] for k in out} == {"v", "s", "a"}
    assert out[("aws:ec2/routeTableAssociation:RouteTableAssociation", "a")].cause == ("aws:ec2/vpc:Vpc", "v")


# ------------------------------------------------------------------------- the comment, risk first


def lines_before(md: str, marker: str) -> list[str]:
    out = []
    for line in md.splitlines():
        if marker in line:
            return out
        out.append(line)
    raise AssertionError(f"{marker!r} not in the comment")


def test_comment_leads_with_exposure_then_the_cluster_replacement(dev_plan):
    d = offline.diff_plans(dev_plan, changed(lambda c: c["vpc"].update(cidr="10.1.0.0/16")))
    md = offline.render_diff_markdown(d)
    head = [x for x in md.splitlines() if x.strip()]
    assert head[1].startswith("**Exposure:")
    assert "THE EKS CLUSTER IS REPLACED" in head[2]
    assert "<details>" not in "\n".join(lines_before(md, "Replacements"))
    # Each resource once outside the folded per-pass detail, though both passes change it.
    visible = "\n".join(lines_before(md, "<details><summary>Per-pass detail"))
    assert visible.count("`dev-private-network-vpc` |") == 1


def test_a_new_stack_opens_the_window_to_the_configured_cidrs_and_says_it_is_not_measured(dev_plan):
    """A new stack: decide_passes (automation/passes.py) opens the window to create."""
    empty = {**dev_plan, "passes": [{"phase": p["phase"], "resources": []} for p in dev_plan["passes"]],
             "findings": [], "endpointCostPerHour": 0}
    md = offline.render_diff_markdown(offline.diff_plans(empty, dev_plan))
    first = [x for x in md.splitlines() if x.strip()][1]
    assert "opens a bootstrap window" in first and "`203.0.113.7/32`" in first and "not measured yet" in first
    measured = offline.render_diff_markdown(offline.diff_plans(empty, dev_plan), window_seconds=412.4)
    assert "about 412 s on the last measured run" in measured


def test_an_endpoint_left_public_to_everyone_is_said_before_the_changes(dev_plan):
    new = copy.deepcopy(dev_plan)
    for r in new["passes"][-1]["resources"]:
        if r["type"] == "eks:index:Cluster":
            r["inputs"].update(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"])
    md = offline.render_diff_markdown(offline.diff_plans(dev_plan, new))
    top = "\n".join(lines_before(md, "to replace"))
    assert "stays ON" in top and "0.0.0.0/0" in top


def test_cli_reads_the_window_from_status_json(tmp_path, dev_plan, capsys):
    from automation.cli import main

    empty = {**dev_plan, "passes": [{"phase": p["phase"], "resources": []} for p in dev_plan["passes"]],
             "findings": [], "endpointCostPerHour": 0}
    (tmp_path / "old.json").write_text(json.dumps(empty))
    (tmp_path / "new.json").write_text(json.dumps(dev_plan))
    (tmp_path / "status.json").write_text(json.dumps({"stack": "dev", "window": {"seconds": 95.0}}))
    assert main(["plan-diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--markdown",
                 "--status", str(tmp_path / "status.json")]) == 0
    assert "about 95 s on the last measured run" in capsys.readouterr().out


def test_the_preview_report_also_leads_with_exposure_and_replacements():
    """The engine's preview (automation/report.py): the same order as the offline comment."""
    from automation import report
    from automation.report import PassPreview, ResourceChange, StackPreview

    change = ResourceChange("replace", "aws:eks/cluster:Cluster", "dev-eksCluster", "urn", ("vpcConfig",), ("name",))
    preview = StackPreview("dev", "us-west-2", (
        PassPreview(1, "bootstrap", "apply", "previewed", (change,)),
        PassPreview(2, "private", "close", "derived", ())), bootstrap_cidrs=("203.0.113.7/32",))
    lines = [x for x in report.stack_markdown(preview).splitlines() if x.strip()]
    assert lines[1].startswith("**Exposure: a bootstrap window opens**") and "`203.0.113.7/32`" in lines[1]
    assert "THE EKS CLUSTER IS REPLACED" in lines[2] and "`dev-eksCluster`" in lines[3]
    quiet = StackPreview("dev", "us-west-2", (PassPreview(1, "private", "apply", "previewed", ()),))
    assert [x for x in report.stack_markdown(quiet).splitlines() if x.strip()][1].startswith("**Exposure: no window**")
