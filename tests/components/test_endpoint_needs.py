"""Endpoints derived from what runs (components/endpoint_needs.py), endpoint policies on the endpoints
(components/endpoint_policy.py), and what the offline plan says about them (automation/plan/review.py)."""

from __future__ import annotations

import json

import pytest

from automation.plan import plan_stack
from components import endpoint_needs
from components.endpoint_needs import NEED_SOURCES, Need, needed_services
from tests.components.helpers import BASE, settings

EXISTING = {**{k: v for k, v in BASE.items() if k != "availabilityZones"},
            "vpc": {"id": "vpc-0123456789abcdef0", "subnets": {"private": {
                "us-west-2a": {"id": "subnet-aaaa"}, "us-west-2b": {"id": "subnet-bbbb"}}}}}


def created(s) -> list[str]:
    return [e.name for e in s.endpoint_services()]


@pytest.mark.parametrize(("addon", "services"), [
    # kubernetes-sigs/aws-efs-csi-driver pkg/cloud/cloud.go: the controller's EFS client.
    ("aws-efs-csi-driver", ["elasticfilesystem"]),
    # aws/amazon-cloudwatch-agent: PutMetricData (monitoring) and PutLogEvents (logs).
    ("amazon-cloudwatch-observability", ["monitoring", "logs"]),
    # GuardDuty User Guide, "How the security agent connects to GuardDuty": guardduty-data.
    ("aws-guardduty-agent", ["guardduty-data"]),
    # EKS Pod Identity: the agent calls the eks-auth API (AssumeRoleForPodIdentity).
    ("eks-pod-identity-agent", ["eks-auth"]),
    # aws/secrets-store-csi-driver-provider-aws: Secrets Manager and Parameter Store.
    ("aws-secrets-store-csi-driver-provider", ["secretsmanager", "ssm"]),
])
def test_an_addon_gets_the_endpoints_it_calls(addon, services):
    s = settings(addons=[{"name": addon}])
    assert set(services) <= set(created(s))
    from_addon = {n.service for n in needed_services(s.cluster) if n.source_path == f"addons[0] ({addon})"}
    assert from_addon == set(services)


@pytest.mark.parametrize(("flag", "service"), [
    # kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/aws_wrapper.go: the autoscaling client.
    ("autoScaler", "autoscaling"),
    # kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json: elasticloadbalancing:*.
    ("awsLoadBalancerController", "elasticloadbalancing"),
    ("efsCSIController", "elasticfilesystem"),
])
def test_a_well_known_policy_gets_the_endpoints_of_its_controller(flag, service):
    s = settings(iam={"withOIDC": True, "serviceAccounts": [
        {"metadata": {"name": "c", "namespace": "kube-system"}, "wellKnownPolicies": {flag: True}}]})
    assert service in created(s)
    (need,) = [n for n in needed_services(s.cluster) if n.service == service]
    assert need.source_path == "iam.serviceAccounts[0].wellKnownPolicies"


def test_route53_callers_are_warned_not_given_an_endpoint():
    """external-dns and cert-manager call Route 53, a global API with no regional endpoint."""
    s = settings(iam={"withOIDC": True, "podIdentityAssociations": [
        {"namespace": "dns", "serviceAccountName": "external-dns", "wellKnownPolicies": {"externalDNS": True}}]},
                 addons=[{"name": "eks-pod-identity-agent"}])
    assert "route53" not in created(s)
    assert any(w.startswith("iam.podIdentityAssociations[0].wellKnownPolicies") and "Route 53" in w for w in s.warnings)


def test_a_cluster_without_addons_keeps_the_endpoints_it_had():
    assert created(settings()) == ["ec2", "ecr.api", "ecr.dkr", "sts", "s3"]


def test_skipped_endpoints_name_the_derived_ones_at_validate():
    s = settings(EXISTING, privateCluster={"skipEndpointCreation": True}, addons=[{"name": "aws-efs-csi-driver"}])
    assert created(s) == []
    (w,) = [w for w in s.warnings if w.startswith("privateCluster.skipEndpointCreation")]
    assert "elasticfilesystem (addons[0] (aws-efs-csi-driver)" in w


def test_the_extension_point_adds_a_controllers_needs(monkeypatch):
    """Another module (Karpenter's) appends a source; its needs are created like the built-in ones."""
    monkeypatch.setattr(endpoint_needs, "NEED_SOURCES", [*NEED_SOURCES, lambda c: [Need("sqs", "queue", "karpenter")]])
    assert created(settings())[-1] == "sqs"


def plan_of(s) -> dict:
    return plan_stack(s, ("private",))


def endpoint_inputs(plan: dict) -> dict[str, dict]:
    return {r["inputs"]["serviceName"].rsplit(".us-west-2.", 1)[1]: r["inputs"]
            for r in plan["passes"][-1]["resources"] if r["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint"}


def test_the_s3_gateway_limited_to_the_nodes_buckets_and_the_named_ones():
    """ECR User Guide, 'Amazon ECR interface VPC endpoints': image layers come from
    prod-<region>-starport-layer-bucket; the plan shows what the policy allows."""
    plan = plan_of(settings(privateCluster={"s3EndpointBuckets": ["team-artifacts"]}))
    policy = json.loads(endpoint_inputs(plan)["s3"]["policy"])
    allowed = [r for st in policy["Statement"] for r in st["Resource"]]
    assert "arn:aws:s3:::prod-us-west-2-starport-layer-bucket/*" in allowed
    assert {"arn:aws:s3:::team-artifacts", "arn:aws:s3:::team-artifacts/*"} <= set(allowed)
    (finding,) = [f for f in plan["findings"] if f.startswith("endpoint policy of com.amazonaws.us-west-2.s3")]
    assert "prod-us-west-2-starport-layer-bucket" in finding and "team-artifacts" in finding


def test_no_policy_input_unless_one_is_given():
    assert not any("policy" in i for i in endpoint_inputs(plan_of(settings())).values())


def test_a_users_endpoint_policy_reaches_the_endpoint_as_given():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:DeleteQueue",
                                                      "Resource": "*"}]}
    plan = plan_of(settings(privateCluster={"additionalEndpointServices": ["sqs"], "endpointPolicies": {"sqs": policy}}))
    assert json.loads(endpoint_inputs(plan)["sqs"]["policy"]) == policy


def test_reused_endpoints_are_neither_created_nor_costed():
    whole = plan_of(settings(EXISTING))
    reused = plan_of(settings(EXISTING, privateCluster={"existingEndpointServices": ["ecr.api", "ecr.dkr"]}))
    assert set(endpoint_inputs(whole)) - set(endpoint_inputs(reused)) == {"ecr.api", "ecr.dkr"}
    # Two interface endpoints in two AZs fewer.
    assert round(whole["endpointCostPerHour"] - reused["endpointCostPerHour"], 6) == round(4 * 0.01, 6)
    assert any(f.startswith("endpoint services reused, not created") and "ecr.api, ecr.dkr" in f
               for f in reused["findings"])


def test_a_need_of_a_service_without_an_endpoint_is_warned_not_created(monkeypatch):
    """Karpenter's isolated-vpc option (pkg/operator/options/options.go) exists because the pricing API
    has no VPC endpoint: a source naming it gets a warning by path, never an endpoint."""
    monkeypatch.setattr(endpoint_needs, "NEED_SOURCES", [*NEED_SOURCES, lambda c: [Need("pricing", "prices", "karpenter")]])
    s = settings()
    assert "pricing" not in created(s)
    assert any(w.startswith("karpenter: prices") and "isolatedVPC" in w for w in s.warnings)
