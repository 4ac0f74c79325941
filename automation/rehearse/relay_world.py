"""The Kubernetes API relay in the rehearsal (docs/architecture.md §11): what Lambda checks when the
function is created, and the rehearsal's invoker, which plays the function: it carries a request
only when the world lets a real one through.

A real request reaches the cluster's API only when all of this holds, and the invoker checks each:
the function exists, in the cluster's VPC and in subnets the cluster uses (the private ones); its
security group sends 443 to the cluster security group and that group lets it in; its role has an
access entry on the cluster with an access policy associated; the cluster is ACTIVE with private
endpoint access. Otherwise the answer is a refusal naming the first missing piece, as the real
function would fail (a connect timeout, a 401/403 from the API) — only clearer.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from automation.rehearse import world
from automation.rehearse.server import ProviderError
from components.relay import protocol

FUNCTION = "aws:lambda/function:Function"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
# Lambda API CreateFunction with VpcConfig: the execution role needs ec2:CreateNetworkInterface,
# DescribeNetworkInterfaces and DeleteNetworkInterface ("The provided execution role does not have
# permissions to call CreateNetworkInterface on EC2"); AWS's managed policies that grant them
# (Lambda developer guide "Giving Lambda functions access to resources in an Amazon VPC").
VPC_POLICIES = ("AWSLambdaVPCAccessExecutionRole", "AWSLambdaENIManagementAccess")
LAMBDA_SERVICE = "lambda.amazonaws.com"


def _entries(type_: str, root: Path | None) -> list[dict[str, Any]]:
    return [e for _, e in world.entries(type_, root=root)]


def _role(arn: str, root: Path | None = None) -> dict[str, Any] | None:
    return next((e for e in _entries("aws:iam/role:Role", root) if e["props"].get("arn") == arn), None)


def check_function(name: str, props: dict[str, Any]) -> None:
    """Lambda's refusals at CreateFunction for what the relay declares: a role Lambda can assume
    ("The role defined for the function cannot be assumed by Lambda"), with the VPC permissions when
    the function has a VpcConfig, and subnets and security groups of one VPC."""
    where = f"{name} ({FUNCTION})"
    role = _role(str(props.get("role")))
    if role is None:
        raise ProviderError(f"{where}: InvalidParameterValueException: the role {props.get('role')} does not exist "
                            "(rule: Lambda API CreateFunction Role)")
    trust = role["props"].get("assumeRolePolicy") or "{}"
    principals = [s.get("Principal", {}).get("Service") for s in json.loads(trust if isinstance(trust, str)
                                                                           else json.dumps(trust)).get("Statement", [])]
    if LAMBDA_SERVICE not in principals:
        raise ProviderError(f"{where}: InvalidParameterValueException: The role defined for the function cannot be "
                            "assumed by Lambda (rule: Lambda API CreateFunction Role)")
    vpc = props.get("vpcConfig") or {}
    if not vpc.get("subnetIds"):
        return
    attached = [e["props"].get("policyArn", "") for e in _entries(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", None) if e["props"].get("role") == role["id"]]
    if not any(a.endswith("/" + p) for a in attached for p in VPC_POLICIES):
        raise ProviderError(f"{where}: InvalidParameterValueException: The provided execution role does not have "
                            "permissions to call CreateNetworkInterface on EC2 (rule: Lambda developer guide 'Giving "
                            "Lambda functions access to resources in an Amazon VPC')")
    vpcs = {s["props"].get("vpcId") for s in _entries("aws:ec2/subnet:Subnet", None) if s["id"] in vpc["subnetIds"]}
    vpcs |= {g["props"].get("vpcId") for g in _entries("aws:ec2/securityGroup:SecurityGroup", None)
             if g["id"] in (vpc.get("securityGroupIds") or [])}
    if len(vpcs) > 1:
        raise ProviderError(f"{where}: InvalidParameterValueException: the subnets and security groups are in "
                            f"different VPCs {sorted(map(str, vpcs))} (rule: Lambda API VpcConfig)")


def check_association(name: str, props: dict[str, Any]) -> None:
    """EKS AssociateAccessPolicy needs the principal's access entry on that cluster first
    (ResourceNotFoundException; Amazon EKS User Guide "Associate access policies with access entries")."""
    if not any(e["props"].get("clusterName") == props.get("clusterName")
               and e["props"].get("principalArn") == props.get("principalArn")
               for e in _entries("aws:eks/accessEntry:AccessEntry", None)):
        raise ProviderError(f"{name} (aws:eks/accessPolicyAssociation:AccessPolicyAssociation): "
                            f"ResourceNotFoundException: no access entry for {props.get('principalArn')} on cluster "
                            f"{props.get('clusterName')} (rule: EKS API AssociateAccessPolicy)")


def relay_refusal(cluster_name: str, function_name: str, root: Path | None = None) -> str | None:
    """None when a request through ``function_name`` reaches ``cluster_name``'s API, else why not."""
    cluster = next((e["props"] for e in _entries("aws:eks/cluster:Cluster", root)
                    if e["props"].get("name") == cluster_name), None)
    if cluster is None:
        return f"no EKS cluster named {cluster_name}"
    fn = next((e["props"] for e in _entries(FUNCTION, root) if e["props"].get("name") == function_name), None)
    if fn is None:
        return f"ResourceNotFoundException: Function not found: {function_name} (Lambda API Invoke)"
    vpc = cluster.get("vpcConfig") or {}
    if cluster.get("status", "ACTIVE") != "ACTIVE" or not vpc.get("endpointPrivateAccess"):
        return f"cluster {cluster_name} is not ACTIVE with private endpoint access: the function has no way in"
    subnets = (fn.get("vpcConfig") or {}).get("subnetIds") or []
    if not subnets or not set(subnets) <= set(vpc.get("subnetIds") or []):
        return (f"the function's subnets {subnets} are not the cluster's private subnets: it cannot reach the "
                "private endpoint (Amazon EKS User Guide 'Cluster API server endpoint')")
    groups = (fn.get("vpcConfig") or {}).get("securityGroupIds") or []
    cluster_sg = vpc.get("clusterSecurityGroupId")
    if not _egress_to(groups, cluster_sg, root) or not _ingress_from(cluster_sg, groups, root):
        return (f"no path on 443 from the function's security groups {groups} to the cluster security group "
                f"{cluster_sg} (egress from the one, ingress on the other)")
    role = str(fn.get("role"))
    entries = [e["props"] for e in _entries("aws:eks/accessEntry:AccessEntry", root)
               if e["props"].get("clusterName") == cluster_name and e["props"].get("principalArn") == role]
    if not entries:
        return f"the function's role {role} has no access entry on {cluster_name}: the API answers 401"
    policies = [e["props"] for e in _entries("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", root)
                if e["props"].get("clusterName") == cluster_name and e["props"].get("principalArn") == role]
    if not policies:
        return f"the function's role {role} has an access entry but no access policy: the API answers 403"
    return None


def _rules(type_: str, group: str | None, root: Path | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in _entries("aws:ec2/securityGroup:SecurityGroup", root):
        if e["id"] == group:
            out += [{**r, "type": "egress"} for r in e["props"].get("egress") or []]
            out += [{**r, "type": "ingress"} for r in e["props"].get("ingress") or []]
    out += [e["props"] for e in _entries("aws:ec2/securityGroupRule:SecurityGroupRule", root)
            if e["props"].get("securityGroupId") == group]
    return [r for r in out if r.get("type") == type_ and (
        str(r.get("protocol")) == "-1" or int(r.get("fromPort", 0)) <= 443 <= int(r.get("toPort", 0)))]


def _egress_to(groups: list[str], target: str | None, root: Path | None) -> bool:
    return any(target in (r.get("securityGroups") or []) or r.get("sourceSecurityGroupId") == target
               or "0.0.0.0/0" in (r.get("cidrBlocks") or []) for g in groups for r in _rules("egress", g, root))


def _ingress_from(target: str | None, groups: list[str], root: Path | None) -> bool:
    return any(r.get("sourceSecurityGroupId") in groups or set(groups) & set(r.get("securityGroups") or [])
               for r in _rules("ingress", target, root))


class RehearsalInvoker:
    """The runner's relay invoker in a rehearsal: checks the world (``relay_refusal``), journals the
    request as the function logs it, and answers as the API would (the kubernetes double keeps the
    objects)."""

    def __init__(self, root: Path, cluster_name: str, function_name: str):
        self.root = root
        self.cluster_name = cluster_name
        self.function_name = function_name

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        start = time.time()
        try:
            method, path, _, _ = protocol.read_event(event)
        except protocol.Refused as e:
            return protocol.refusal(e.status, str(e))
        why = relay_refusal(self.cluster_name, self.function_name, self.root)
        status = 502 if why else 200
        with (self.root / "journal.jsonl").open("a") as f:
            f.write(json.dumps({"urn": "", "type": "relay", "name": self.function_name, "op": f"{method} {path}",
                                "start": start, "end": time.time(), "minutes": 0.0, "status": status,
                                **({"error": why} if why else {})}) + "\n")
        if why:
            return protocol.refusal(502, f"the relay {self.function_name} could not carry {method} {path}: {why}")
        body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Success"}).encode()
        return protocol.response(200, {"content-type": "application/json"}, body)
