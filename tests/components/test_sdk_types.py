"""The plan's resource inputs are ones the pinned SDKs' types accept.

The mock runtime registers whatever the program sends; pulumi-aws and pulumi-eks do not. Every
input key of every resource (and every input a transform sets on a child pulumi-eks creates) must
be a property of the pinned SDK's ``*Args`` type for that resource, recursively through nested
input types, and every enum-typed value one of the enum's values. The types are read from the
installed pulumi_aws and pulumi_eks packages, whose ``*Args`` classes are generated from the
providers' schemas (pulumi/pulumi-aws and pulumi/pulumi-eks, sdk/python).
"""

from __future__ import annotations

import enum
import keyword
import typing
from collections.abc import Mapping, Sequence

import pulumi._types as pulumi_types
import pulumi_aws
import pulumi_eks
import pulumi_kubernetes
import pytest

from automation.plan import plan_stack
from components.settings import WellKnownPolicies, load_stack_file
from tests.components.helpers import settings
from tests.components.test_field_walk import (
    AUTO_MODE,
    AWS_AUTH,
    CAPABILITIES,
    EXISTING_VPC,
    KARPENTER,
    MIXED,
    NEW_VPC,
    RELAY,
    SSH_KEY,
    SSH_OPEN,
    settings_of,
)
from tests.components.test_user_data import boot_settings

PACKAGES = {"aws": pulumi_aws, "eks": pulumi_eks, "kubernetes": pulumi_kubernetes}
WELL_KNOWN = {f.alias: True for f in WellKnownPolicies.model_fields.values()}


def args_class(token: str) -> type | None:
    """``aws:ec2/vpc:Vpc`` -> pulumi_aws.ec2.VpcArgs; None for this project's components."""
    package, module, name = token.split(":")
    if package not in PACKAGES:
        return None
    mod = PACKAGES[package]
    if package == "kubernetes":  # kubernetes:core/v1:ServiceAccount -> pulumi_kubernetes.core.v1
        for part in module.split("/"):
            mod = getattr(mod, part)
    elif module.split("/")[0] != "index":
        # Python keywords get a trailing underscore in the SDK (aws:lambda/... -> pulumi_aws.lambda_).
        part = module.split("/")[0]
        mod = getattr(mod, part + "_" if keyword.iskeyword(part) else part)
    return getattr(mod, f"{name}Args")


def _unwrap(annotation) -> list:
    """The alternatives inside Optional[Input[...]]: Input[T] is Union[T, Awaitable[T], Output[T]]."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    if origin is not None and getattr(origin, "__name__", "") in ("Awaitable", "Output"):
        return _unwrap(typing.get_args(annotation)[0])
    return [annotation]


def _of(annotation, *origins) -> list:
    return [a for a in _unwrap(annotation) if typing.get_origin(a) in origins]


def check(value, cls: type, path: str, problems: list[str]) -> None:
    props = {name: prop for _, name, prop in pulumi_types._py_properties(cls)}
    for key, v in value.items():
        if key not in props:
            problems.append(f"{path}.{key}: not an input of {cls.__name__}")
            continue
        check_value(v, typing.get_type_hints(props[key].fget).get("return"), f"{path}.{key}", problems)


def check_value(v, annotation, path: str, problems: list[str]) -> None:
    alternatives = _unwrap(annotation)
    if isinstance(v, list):
        for seq in _of(annotation, list, Sequence)[:1]:
            for i, item in enumerate(v):
                check_value(item, typing.get_args(seq)[0], f"{path}[{i}]", problems)
    elif isinstance(v, dict) and "ref" not in v:
        input_types = [a for a in alternatives if isinstance(a, type) and pulumi_types.is_input_type(a)]
        if input_types:
            check(v, input_types[0], path, problems)
        for mapping in _of(annotation, dict, Mapping)[:1]:
            for k, item in v.items():
                check_value(item, typing.get_args(mapping)[-1], f"{path}.{k}", problems)
    elif isinstance(v, str) and str not in alternatives:
        enums = [a for a in alternatives if isinstance(a, type) and issubclass(a, enum.Enum)]
        allowed = sorted({m.value for e in enums for m in e})
        if enums and v not in allowed:
            problems.append(f"{path}: {v!r} is not one of {allowed}")


def plan_problems(plan) -> list[str]:
    problems: list[str] = []
    for p in plan["passes"]:
        for r in p["resources"]:
            cls = args_class(r["type"])
            if cls is not None:
                check(r["inputs"], cls, f"{p['phase']}:{r['name']}", problems)
            for child, inputs in (r.get("childInputs") or {}).items():
                # A key may name some children of the type: "type::*name-suffix" (ChildInputs.key).
                check(inputs, args_class(child.split("::")[0]), f"{p['phase']}:{r['name']} child {child}", problems)
    return problems


STACKS = {
    "dev": lambda: load_stack_file("stacks/Pulumi.dev.yaml"),
    "existing-vpc": lambda: load_stack_file("stacks/Pulumi.existing-vpc.yaml"),
    "every-field": lambda: settings_of(NEW_VPC),
    "every-field-existing": lambda: settings_of(EXISTING_VPC),
    "api-relay": lambda: settings_of(RELAY),
    "auto-mode": lambda: settings_of(AUTO_MODE),
    "aws-auth": lambda: settings_of(AWS_AUTH),
    # vpc-cni with an IRSA role made from policies: an aws.eks.Addon, and pulumi-eks's own left out.
    "vpc-cni-role": lambda: settings(addons=[{"name": "vpc-cni", "attachPolicyARNs": [
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]}]),
    "capabilities": lambda: settings_of(CAPABILITIES),
    # instancesDistribution: the mixed instances policy on NodeGroupV2's Auto Scaling group.
    "mixed-instances": lambda: settings_of(MIXED),
    # Every wellKnownPolicies flag on an IRSA role and a Pod Identity role; add-on roles from flags.
    "well-known-policies": lambda: settings(
        iam={"withOIDC": True, "serviceAccounts": [{"metadata": {"name": "all"}, "wellKnownPolicies": WELL_KNOWN}],
             "podIdentityAssociations": [{"namespace": "dev", "serviceAccountName": "all", "wellKnownPolicies": WELL_KNOWN}]},
        addons=[{"name": "eks-pod-identity-agent"},
                {"name": "aws-ebs-csi-driver", "wellKnownPolicies": {"ebsCSIController": True}},
                {"name": "aws-efs-csi-driver", "wellKnownPolicies": {"efsCSIController": True}}]),
    # Endpoints by short and full name, a policy on an interface endpoint, the limited S3 gateway, derived ones.
    "endpoints": lambda: settings(privateCluster={
        "additionalEndpointServices": ["sqs", "com.amazonaws.us-west-2.guardduty-data"],
        "endpointPolicies": {"sqs": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]}},
        "s3EndpointBuckets": ["b-one"]}, addons=[{"name": "aws-efs-csi-driver"}]),
    # Every bootstrap field on every AMI family that takes it, and managed launch templates.
    "bootstrap": boot_settings,
    "auto-mode-boundary": lambda: settings_of({**AUTO_MODE, "autoModeConfig": {
        "enabled": True, "permissionsBoundaryARN": "arn:aws:iam::111122223333:policy/boundary"}}),
    # SSH on both kinds: an imported key (aws.ec2.KeyPair) and SSH from given security groups on one,
    # the VPC CIDR on the other (components/nodes/ssh.py).
    "ssh": lambda: settings_of({**SSH_OPEN,
                                "nodeGroups": [{**SSH_OPEN["nodeGroups"][0], "ssh": {
                                    "publicKey": SSH_KEY, "allow": True, "sourceSecurityGroupIds": ["sg-0fedcba9"]}}],
                                "managedNodeGroups": [{**SSH_OPEN["managedNodeGroups"][0], "ssh": {
                                    "publicKey": SSH_KEY, "allow": True}}]}),
    # Karpenter 1.x with its queue, pull-through cache rules, and mirrors on both kinds of Bottlerocket
    # and AL2023 groups (components/karpenter.py, components/images.py).
    "karpenter-and-cache": lambda: settings_of({
        **KARPENTER, "karpenter": {"version": "1.8.1", "createServiceAccount": False, "withSpotInterruptionQueue": True},
        "managedNodeGroups": [*KARPENTER["managedNodeGroups"],
                              {"name": "br", "amiFamily": "Bottlerocket", "privateNetworking": True}],
        "nodeGroups": [{"name": "ng", "amiFamily": "Bottlerocket", "privateNetworking": True},
                       {"name": "al", "privateNetworking": True}]}),
    "karpenter-before-1": lambda: settings_of({**KARPENTER, "karpenter": {"version": "v0.37.0"}}),
    **{f"mode-{m}": (lambda m=m: settings(accessConfig={"authenticationMode": m})) for m in
       ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP")},
}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_every_input_is_one_the_pinned_sdk_types_accept(stack, monkeypatch):
    monkeypatch.chdir(__import__("pathlib").Path(__file__).resolve().parents[2])
    assert plan_problems(plan_stack(STACKS[stack]())) == []


def test_the_checker_finds_an_unknown_input_a_nested_one_and_a_bad_enum():
    plan = {"passes": [{"phase": "private", "resources": [
        {"type": "eks:index:Cluster", "name": "c", "inputs": {"authenticationMode": "API", "bogus": 1,
                                                               "endpointPrivateAccess": True}},
        {"type": "eks:index:NodeGroupV2", "name": "n", "inputs": {"operatingSystem": "Windows"}},
        {"type": "eks:index:ManagedNodeGroup", "name": "m", "inputs": {},
         "childInputs": {"aws:ec2/launchTemplate:LaunchTemplate": {"metadataOptions": {"httpTokenz": "required"}}}},
    ]}]}
    assert plan_problems(plan) == [
        "private:c.bogus: not an input of ClusterArgs",
        "private:n.operatingSystem: 'Windows' is not one of ['AL2', 'AL2023', 'Bottlerocket']",
        "private:m child aws:ec2/launchTemplate:LaunchTemplate.metadataOptions.httpTokenz: not an input of "
        "LaunchTemplateMetadataOptionsArgs",
    ]


def test_the_checker_reads_the_kubernetes_sdk_types_of_a_service_account():
    """ServiceAccounts (iam.serviceAccounts) are checked against pulumi_kubernetes.core.v1 too."""
    plan = {"passes": [{"phase": "private", "resources": [
        {"type": "kubernetes:core/v1:ServiceAccount", "name": "sa",
         "inputs": {"metadata": {"name": "a", "namespace": "b", "annotationz": {}}}},
        {"type": "kubernetes:core/v1:Namespace", "name": "ns", "inputs": {"metadata": {"name": "b"}}},
    ]}]}
    assert plan_problems(plan) == ["private:sa.metadata.annotationz: not an input of ObjectMetaArgs"]
