"""The offline plan (docs/architecture.md §8): deterministic JSON, findings, cost, and the plan diff."""

from __future__ import annotations

import json

import pytest

from automation import plan as offline
from tests.components.helpers import EXISTING, settings


@pytest.fixture(scope="module")
def base_plan():
    return offline.plan_stack(settings())


def test_plan_has_the_json_shape_of_design_section_8(base_plan):
    # kubernetesApi: whether the stack needs a bootstrap window at all (automation/kubernetes_api.py)
    assert set(base_plan) == {"stack", "region", "passes", "findings", "endpointCostPerHour", "kubernetesApi"}
    assert base_plan["stack"] == "test" and base_plan["region"] == "us-west-2"
    assert [p["phase"] for p in base_plan["passes"]] == ["bootstrap", "private"]
    for p in base_plan["passes"]:
        assert set(p) == {"phase", "resources"}
        for r in p["resources"]:
            # childInputs: what a transform sets on a child pulumi-eks creates (components/transforms.py);
            # dependsOn: what the engine waits for before creating the resource
            assert set(r) - {"childInputs", "dependsOn"} == {"type", "name", "parent", "inputs"}
    vpc = next(r for r in base_plan["passes"][0]["resources"] if r["type"] == "aws:ec2/vpc:Vpc")
    assert vpc["inputs"]["cidrBlock"] == "10.0.0.0/16" and vpc["inputs"]["enableDnsHostnames"] is True
    assert vpc["parent"] == "test-cluster-network"
    assert isinstance(base_plan["endpointCostPerHour"], float)


def test_plan_is_byte_identical_for_the_same_input(base_plan):
    again = offline.plan_stack(settings())
    assert offline.plan_json(again) == offline.plan_json(base_plan)


def test_several_stacks_plan_in_one_process():
    first = offline.plan_stack(settings(EXISTING, stack="adopted"), ("private",))
    second = offline.plan_stack(settings(), ("private",))
    assert first["stack"] == "adopted" and second["stack"] == "test"
    assert not any(r["type"] == "aws:ec2/vpc:Vpc" for r in first["passes"][0]["resources"])
    assert any(r["type"] == "aws:ec2/vpc:Vpc" for r in second["passes"][0]["resources"])


def test_one_phase_only():
    p = offline.plan_stack(settings(), ("private",))
    assert [x["phase"] for x in p["passes"]] == ["private"]


def test_findings_count_no_internet_path_and_state_api_access_per_phase(base_plan):
    f = base_plan["findings"]
    assert "bootstrap: internet gateways: 0, NAT gateways: 0, elastic IPs: 0, default routes: 0 — OK" in f
    assert "private: internet gateways: 0, NAT gateways: 0, elastic IPs: 0, default routes: 0 — OK" in f
    assert "private: public subnets: 0 — OK" in f
    assert "bootstrap: API access: public (203.0.113.7/32) + private" in f
    assert "private: API access: private only" in f
    assert any(x.startswith("endpoint services (5): ") for x in f)


def test_internet_gateway_would_be_reported():
    resources = [{"type": "aws:ec2/internetGateway:InternetGateway", "name": "igw", "parent": None, "inputs": {}},
                 {"type": "aws:ec2/routeTable:RouteTable", "name": "rt", "parent": None,
                  "inputs": {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw"}]}},
                 {"type": "aws:ec2/subnet:Subnet", "name": "pub", "parent": None,
                  "inputs": {"mapPublicIpOnLaunch": True}}]
    f, _ = offline.findings([{"phase": "private", "resources": resources}], "us-west-2")
    assert f[0].startswith("private: internet gateways: 1, NAT gateways: 0, elastic IPs: 0, default routes: 1")
    assert "PROBLEM" in f[0]
    assert f[1] == "private: public subnets: 1 — PROBLEM"


def test_endpoint_cost_is_endpoints_times_azs_times_the_regions_price(base_plan):
    # ec2, ecr.api, ecr.dkr, sts (Interface) in 3 AZs at $0.01; the S3 gateway is free.
    assert base_plan["endpointCostPerHour"] == pytest.approx(4 * 3 * 0.01)


def test_cost_counts_only_the_azs_where_a_service_is_offered():
    def mocks(s):
        return offline.PlanMocks(s, service_zones={"sts": ["us-west-2a"]})
    p = offline.plan_stack(settings(), ("private",), mocks_factory=mocks)
    assert p["endpointCostPerHour"] == pytest.approx((3 * 3 + 1) * 0.01)


def test_unknown_region_uses_the_labelled_default_price():
    p = offline.plan_stack(settings(region="us-isob-east-1", availabilityZones=None), ("private",))
    assert p["endpointCostPerHour"] == pytest.approx(4 * 3 * offline.DEFAULT_ENDPOINT_HOURLY_PRICE)
    assert any("default price" in f and "us-isob-east-1 not in the price table" in f for f in p["findings"])


def test_skipped_endpoints_cost_nothing_and_are_reported():
    p = offline.plan_stack(settings(privateCluster={"skipEndpointCreation": True}), ("private",))
    assert p["endpointCostPerHour"] == 0.0
    assert any(f.startswith("endpoint services: none created") for f in p["findings"])


def test_missing_bootstrap_cidrs_are_planned_with_a_labelled_placeholder():
    p = offline.plan_stack(settings(vpc={"cidr": "10.0.0.0/16"}))
    cluster = next(r for r in p["passes"][0]["resources"] if r["type"] == "eks:index:Cluster")
    assert cluster["inputs"]["publicAccessCidrs"] == [offline.EGRESS_PLACEHOLDER]
    assert any("vpc.publicAccessCIDRs is not set" in f for f in p["findings"])


def test_text_tree_groups_by_component_and_shows_what_differs_between_phases(base_plan):
    text = offline.render_plan_text(base_plan)
    lines = text.splitlines()
    components = [i for i, line in enumerate(lines) if line.startswith("  private-eks:")]
    assert [lines[i].split()[0] for i in components] == [
        "private-eks:network:PrivateNetwork", "private-eks:endpoints:EndpointSet", "private-eks:cluster:PrivateCluster"]
    assert "  ~ eks:index:Cluster test-cluster-cluster-eks: endpointPublicAccess: bootstrap=true private=false" in lines
    assert ('  ~ eks:index:Cluster test-cluster-cluster-eks: publicAccessCidrs: bootstrap=["203.0.113.7/32"] '
            "private=(absent)") in lines


# ------------------------------------------------------------------------------------ plan diff


def roundtrip(plan):
    return json.loads(offline.plan_json(plan))


def test_identical_plans_have_no_changes(base_plan):
    d = offline.diff_plans(roundtrip(base_plan), roundtrip(base_plan))
    assert not d.changed and d.resources == ()
    assert offline.render_diff_text(d) == "stack test: no changes\n"
    assert "No changes." in offline.render_diff_markdown(d)


def test_a_changed_input_is_reported_with_its_path(base_plan):
    bigger = settings(managedNodeGroups=[{"name": "mng1", "instanceType": "m5.xlarge", "desiredCapacity": 2,
                                          "privateNetworking": True}])
    d = offline.diff_plans(roundtrip(base_plan), roundtrip(offline.plan_stack(bigger)))
    assert d.changed
    updates = [(r.phase, r.name, [(c.path, c.old, c.new) for c in r.changes]) for r in d.resources]
    assert updates == [(phase, "test-cluster-cluster-mng1", [("instanceTypes", ["m5.large"], ["m5.xlarge"])])
                       for phase in ("bootstrap", "private")]
    # instance_types is ForceNew (terraform-provider-aws internal/service/eks/node_group.go): one
    # resource, replaced in both passes, counted once in the comment.
    assert {r.op for r in d.resources} == {"replace"}
    md = offline.render_diff_markdown(d)
    assert "**1 to replace, 0 to create, 0 to update, 0 to delete**" in md
    assert "`instanceTypes`" in md


def test_an_added_endpoint_service_is_a_create_and_changes_the_cost(base_plan):
    more = settings(privateCluster={"additionalEndpointServices": ["ssm"]})
    d = offline.diff_plans(roundtrip(base_plan), roundtrip(offline.plan_stack(more)))
    created = {(r.phase, r.type, r.name) for r in d.resources if r.op == "create"}
    assert ("private", "aws:ec2/vpcEndpoint:VpcEndpoint", "test-cluster-endpoints-ssm") in created
    assert d.cost_new > d.cost_old
    assert "endpoint cost: $0.1200/hour → $0.1500/hour" in offline.render_diff_text(d)


def test_a_removed_pass_is_reported(base_plan):
    private_only = offline.plan_stack(settings(), ("private",))
    d = offline.diff_plans(roundtrip(base_plan), roundtrip(private_only))
    assert d.phases_removed == ("bootstrap",) and d.changed


def test_diff_rejects_what_is_not_a_plan(base_plan):
    with pytest.raises(offline.PlanError, match="old plan: not a plan"):
        offline.diff_plans({"stack": "x"}, base_plan)
