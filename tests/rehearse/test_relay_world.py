"""The relay in the rehearsal (automation/rehearse/relay_world.py): Lambda's refusals at
CreateFunction, the world a relayed request needs, the invoker's answers, and the kubernetes
double's writes through the ambient kubeconfig's local endpoint."""

from __future__ import annotations

import json

import pytest

from automation.rehearse import world
from automation.rehearse.aws_double import auto_name
from automation.rehearse.kubernetes_double import KubernetesDouble, api_path
from automation.rehearse.relay_world import RehearsalInvoker, check_association, check_function, relay_refusal
from automation.rehearse.server import ProviderError
from automation.relay.kubeconfig import write_kubeconfig
from automation.relay.local import LocalEndpoint
from components.relay import protocol

ROLE_ARN = "arn:aws:iam::123456789012:role/relay-role"
LAMBDA_TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                          "Action": "sts:AssumeRole"}]})


def put(urn: str, type_: str, rid: str, **props) -> None:
    world.put(urn, {"type": type_, "id": rid, "props": props, "status": "ACTIVE"})


def good_world(*, skip: str = "") -> None:
    """A cluster in two private subnets and its relay, minus the piece named ``skip``."""
    put("vpc", "aws:ec2/vpc:Vpc", "vpc-1")
    for sid in ("subnet-a", "subnet-b"):
        put(sid, "aws:ec2/subnet:Subnet", sid, vpcId="vpc-1")
    put("other", "aws:ec2/subnet:Subnet", "subnet-x", vpcId="vpc-2")
    put("cluster", "aws:eks/cluster:Cluster", "c", name="c", status="ACTIVE", vpcConfig={
        "subnetIds": ["subnet-a", "subnet-b"], "endpointPrivateAccess": skip != "private",
        "endpointPublicAccess": False, "clusterSecurityGroupId": "sg-cluster", "vpcId": "vpc-1"})
    put("role", "aws:iam/role:Role", "relay-role", arn=ROLE_ARN, assumeRolePolicy=LAMBDA_TRUST)
    if skip != "vpc-policy":
        put("vpc-access", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", role="relay-role",
            policyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    egress = [] if skip == "egress" else [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                           "securityGroups": ["sg-cluster"]}]
    put("sg", "aws:ec2/securityGroup:SecurityGroup", "sg-relay", vpcId="vpc-1", egress=egress)
    if skip != "ingress":
        put("rule", "aws:ec2/securityGroupRule:SecurityGroupRule", "r", type="ingress", protocol="tcp", fromPort=443,
            toPort=443, securityGroupId="sg-cluster", sourceSecurityGroupId="sg-relay")
    subnets = ["subnet-x"] if skip == "subnets" else ["subnet-a", "subnet-b"]
    if skip != "function":
        put("fn", "aws:lambda/function:Function", "c-relay", name="c-relay", role=ROLE_ARN,
            vpcConfig={"subnetIds": subnets, "securityGroupIds": ["sg-relay"]})
    if skip != "entry":
        put("entry", "aws:eks/accessEntry:AccessEntry", "c:role", clusterName="c", principalArn=ROLE_ARN)
    if skip not in ("entry", "policy"):
        put("policy", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "c:role:p", clusterName="c",
            principalArn=ROLE_ARN, policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")


def test_a_request_goes_through_only_when_every_piece_is_in_place(account):
    good_world()
    assert relay_refusal("c", "c-relay") is None


@pytest.mark.parametrize(("skip", "said"), [
    ("function", "Function not found"),
    ("private", "not ACTIVE with private endpoint access"),
    ("subnets", "not the cluster's private subnets"),
    ("egress", "no path on 443"),
    ("ingress", "no path on 443"),
    ("entry", "no access entry"),
    ("policy", "no access policy"),
])
def test_a_missing_piece_refuses_the_request_naming_it(account, skip, said):
    """Amazon EKS User Guide: the private endpoint is reached from the cluster's VPC with the cluster
    security group letting the caller in ('Cluster API server endpoint', 'View Amazon EKS security
    group requirements'); an IAM principal without an access entry is not authenticated (401) and
    without an access policy (or RBAC) is not authorised (403) ('Grant IAM users access to Kubernetes
    with EKS access entries')."""
    good_world(skip=skip)
    why = relay_refusal("c", "c-relay")
    assert why is not None and said in why


def test_lambda_refuses_a_role_it_cannot_assume_and_a_vpc_function_without_eni_permissions(account):
    """Lambda API CreateFunction: "The role defined for the function cannot be assumed by Lambda";
    with VpcConfig, "The provided execution role does not have permissions to call
    CreateNetworkInterface on EC2" (Lambda developer guide, functions in a VPC)."""
    good_world(skip="vpc-policy")
    props = {"name": "c-relay", "role": ROLE_ARN, "vpcConfig": {"subnetIds": ["subnet-a"],
                                                                 "securityGroupIds": ["sg-relay"]}}
    with pytest.raises(ProviderError, match="CreateNetworkInterface"):
        check_function("fn", props)
    check_function("fn", {**props, "vpcConfig": {}})  # outside a VPC no ENI permission is needed
    put("role", "aws:iam/role:Role", "relay-role", arn=ROLE_ARN, assumeRolePolicy=json.dumps(
        {"Statement": [{"Principal": {"Service": "ec2.amazonaws.com"}}]}))
    with pytest.raises(ProviderError, match="cannot be assumed by Lambda"):
        check_function("fn", props)


def test_lambda_refuses_subnets_and_groups_of_different_vpcs(account):
    good_world()
    with pytest.raises(ProviderError, match="different VPCs"):
        check_function("fn", {"role": ROLE_ARN, "vpcConfig": {"subnetIds": ["subnet-x"],
                                                              "securityGroupIds": ["sg-relay"]}})


def test_the_function_name_is_held_to_64_characters():
    """terraform-provider-aws internal/service/lambda/validate.go validFunctionName: the function
    name (not an ARN) is at most 64 characters."""
    urn = "urn:pulumi:s::p::aws:lambda/function:Function::fn"
    assert auto_name(urn, {"name": "f" * 64}, {}, b"")["name"] == "f" * 64
    with pytest.raises(ProviderError, match="longer than maximum length 64"):
        auto_name(urn, {"name": "f" * 65}, {}, b"")


def test_the_invoker_answers_success_or_a_refusal_and_journals_each_request(account):
    good_world(skip="policy")
    invoker = RehearsalInvoker(account, "c", "c-relay")
    event = protocol.request_event("POST", "/api/v1/namespaces", {}, b"{}")
    answer = invoker(event)
    assert answer["status"] == 502 and "no access policy" in answer["error"]
    good_world()
    assert invoker(event)["status"] == 200
    assert invoker({"v": 99})["status"] == 400
    logged = [e for e in world.read_journal(account) if e["type"] == "relay"]
    assert [(e["op"], e["status"]) for e in logged] == [("POST /api/v1/namespaces", 502),
                                                         ("POST /api/v1/namespaces", 200)]


def test_the_kubernetes_double_writes_through_the_ambient_kubeconfig_and_only_there(account, monkeypatch):
    """pulumi-kubernetes: a provider with no kubeconfig reads KUBECONFIG and selects ``context``; the
    context missing there is an error, not a write elsewhere."""
    good_world()
    double = KubernetesDouble()
    double.configure({}, {"context": protocol.context_name("c"), "clusterIdentifier": "c"})
    urn = "urn:pulumi:s::p::kubernetes:core/v1:ServiceAccount::sa"
    props = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespace": "apps"}}
    monkeypatch.delenv("KUBECONFIG", raising=False)
    with pytest.raises(ProviderError, match="not found in the kubeconfig"):
        double.create(urn, props, preview=False)
    with LocalEndpoint(RehearsalInvoker(account, "c", "c-relay")) as endpoint:
        path = write_kubeconfig(account / "kubeconfig", cluster_name="c", server=endpoint.url, token=endpoint.token)
        monkeypatch.setenv("KUBECONFIG", str(path))
        assert double.create(urn, props, preview=False)[0] == "apps/sa"
        put("policy", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "c:role:p", clusterName="other")
        with pytest.raises(ProviderError, match="no access policy"):
            double.update(urn, "apps/sa", props, props, preview=False)
        wrong = write_kubeconfig(account / "wrong", cluster_name="c", server=endpoint.url, token="forged")
        monkeypatch.setenv("KUBECONFIG", str(wrong))
        with pytest.raises(ProviderError, match="HTTP 401"):
            double.create(urn, props, preview=False)
    assert api_path(props, "create") == "/api/v1/namespaces/apps/serviceaccounts"
    assert api_path({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}, "delete") == \
        "/api/v1/namespaces/apps"


def test_an_access_policy_needs_the_principals_access_entry_first(account):
    """EKS API AssociateAccessPolicy: ResourceNotFoundException without the principal's access entry."""
    good_world(skip="entry")
    props = {"clusterName": "c", "principalArn": ROLE_ARN, "policyArn": "p"}
    with pytest.raises(ProviderError, match="no access entry"):
        check_association("assoc", props)
    good_world()
    check_association("assoc", props)
