"""Preflight, before pass 1: what would make the first pass fail or build a cluster that cannot
work, checked before anything is created."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.exceptions as bx

from automation.aws.client import (
    Aws,
    describe_route_tables,
    describe_subnets,
    describe_vpc,
    describe_vpc_endpoints,
    error_code,
    explicit_tables,
    offered_services,
    translated_errors,
)
from automation.aws.findings import Finding
from automation.aws.image_checks import image_findings
from automation.aws.reused_endpoints import needed_by, reused_findings
from automation.aws.vpc_checks import dns_findings, route_findings
from components import catalog
from components.settings import StackSettings

_GONE_STATES = frozenset({"deleting", "deleted", "rejected", "failed", "expired"})


def preflight(settings: StackSettings, *, session: boto3.Session | None = None) -> list[Finding]:
    """What would make pass 1 fail or build a cluster that cannot work — checked before anything
    is created: the region offers every endpoint service in the chosen AZs, and an existing VPC
    has DNS on, the Amazon resolver, an explicit route table per subnet, and no endpoint that the
    EndpointSet would collide with. Existing subnets that are in fact public (public IPs, a route
    out) are named too, rather than found by the audit after the cluster exists. A managed node
    group's own launch template must require IMDSv2 (pulumi-eks cannot set it there)."""
    with translated_errors(settings.region):
        return _preflight(Aws(settings.region, session), settings)


def _preflight(aws: Aws, settings: StackSettings) -> list[Finding]:
    cluster = settings.cluster
    findings: list[Finding] = []
    zones: list[str] | None = list(cluster.availability_zones) or cluster.subnet_zones()
    vpc: dict[str, Any] | None = None
    subnets: list[dict[str, Any]] = []

    if not cluster.new_vpc:
        ids = [s.id for s in cluster.private_subnets.values() if s.id]
        subnets = describe_subnets(aws, ids=ids)
        found = {s["SubnetId"] for s in subnets}
        for key, spec in cluster.private_subnets.items():
            if spec.id and spec.id not in found:
                findings.append(Finding("subnet-exists", spec.id,
                                        f"vpc.subnets.private.{key}: no such subnet in {aws.region}"))
        vpc_id = cluster.vpc.id or next((s["VpcId"] for s in subnets), None)
        if vpc_id:
            vpc = describe_vpc(aws, vpc_id)
            if vpc is None:
                findings.append(Finding("vpc-exists", vpc_id, f"no such VPC in {aws.region}"))
        for s in subnets:
            if vpc_id and s["VpcId"] != vpc_id:
                findings.append(Finding("subnet-vpc", s["SubnetId"], f"is in {s['VpcId']}, not in {vpc_id}"))
        if zones is None:
            zones = sorted({s["AvailabilityZone"] for s in subnets}) or None

    findings += _service_findings(aws, settings, zones)

    if vpc is not None:
        findings += dns_findings(aws, vpc)
        tables = describe_route_tables(aws, vpc["VpcId"])
        by_subnet, main = explicit_tables(tables)
        for s in subnets:
            if s["SubnetId"] not in by_subnet and s["VpcId"] == vpc["VpcId"]:
                findings.append(Finding(
                    "subnet-main-route-table", s["SubnetId"],
                    f"has no explicit route table (it uses the main route table {main}); give it its own "
                    "route table: the main route table is never modified"))
            # Subnets given as private that are not: better said now than by the audit after pass 2.
            if s.get("MapPublicIpOnLaunch"):
                findings.append(Finding("subnet-public-ip", s["SubnetId"],
                                        "is listed as private but maps public IPv4 addresses on launch"))
        ours = sorted({by_subnet[s["SubnetId"]] for s in subnets if s["SubnetId"] in by_subnet})
        by_id = {t["RouteTableId"]: t for t in tables}
        for rtb in ours:
            findings += route_findings(by_id[rtb])
        if not cluster.private_cluster.skip_endpoint_creation:
            findings += _collisions(aws, settings, vpc["VpcId"], ours)
        selection = settings.endpoint_selection()
        path = ("privateCluster.skipEndpointCreation" if cluster.private_cluster.skip_endpoint_creation
                else "privateCluster.existingEndpointServices")
        findings += reused_findings(aws, selection, vpc_id=vpc["VpcId"], path=path, node_subnets=subnets,
                                    node_route_tables=ours, needed_by=needed_by(selection))
    findings += _launch_template_findings(aws, settings)
    findings += image_findings(aws, settings)
    return findings


_LAUNCH_TEMPLATE_GONE = frozenset({"InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.VersionNotFound",
                                   "InvalidLaunchTemplateId.Malformed"})


def _launch_template_findings(aws: Aws, settings: StackSettings) -> list[Finding]:
    """A managed node group's own launch template: pulumi-eks cannot require IMDSv2 on a template it
    does not make (nodejs/eks/nodes/nodegroup.ts: enableIMDSv2 conflicts with launchTemplate), so the
    template must require tokens itself; anything else — no such template or version, tokens
    optional or unset — is a finding. Also eksctl's checks of a given template
    (pkg/cfn/builder/managed_nodegroup.go, validateLaunchTemplate)."""
    findings: list[Finding] = []
    for i, ng in enumerate(settings.cluster.managed_node_groups):
        lt = ng.launch_template
        if lt is None:
            continue
        path = f"managedNodeGroups[{i}].launchTemplate"
        which = f"version {lt.version}" if lt.version else "the default version"
        try:
            versions = aws.ec2.describe_launch_template_versions(
                LaunchTemplateId=lt.id, Versions=[lt.version or "$Default"])["LaunchTemplateVersions"]
        except bx.ClientError as e:
            if error_code(e) not in _LAUNCH_TEMPLATE_GONE:
                raise
            findings.append(Finding("launch-template-exists", lt.id, f"{path}: no such launch template or {which} "
                                                                     f"in {aws.region}"))
            continue
        if not versions:
            findings.append(Finding("launch-template-exists", lt.id, f"{path}: {which} not found in {aws.region}"))
            continue
        data = versions[0].get("LaunchTemplateData") or {}
        tokens = (data.get("MetadataOptions") or {}).get("HttpTokens")
        if tokens != "required":
            findings.append(Finding("launch-template-imdsv2", lt.id, (
                f"{path}: {which} does not require IMDSv2 (MetadataOptions.HttpTokens is "
                f"{tokens or 'unset, which allows IMDSv1'}); nodes here always require IMDSv2: set HttpTokens to "
                "required in the template")))
        if not data.get("InstanceType") and not ng.instance_types:
            findings.append(Finding("launch-template-instance-type", lt.id, (
                f"{path}: the template has no instance type; set one there or managedNodeGroups[{i}].instanceTypes")))
        elif data.get("InstanceType") and ng.instance_types:
            findings.append(Finding("launch-template-instance-type", lt.id, (
                f"managedNodeGroups[{i}].instanceTypes: the template sets an instance type already")))
        if data.get("ImageId"):
            # pulumi-eks gives the node group an AMI type from its operating system whenever it makes no
            # launch template itself (nodegroup.ts), and EKS fails a node group with both (CreateNodegroup,
            # amiType: "don't specify amiType" with a custom AMI in the launch template).
            findings.append(Finding("launch-template-ami", lt.id, (
                f"{path}: the template sets an AMI (ImageId {data['ImageId']}); the node group gets the AMI type of "
                f"managedNodeGroups[{i}].amiFamily, which EKS refuses together with a custom AMI in the template: "
                "remove ImageId (the EKS-optimised AMI of amiFamily is used)")))
        # eksctl checks the profile's ARN; EKS's launch template rules take no profile at all.
        if data.get("IamInstanceProfile"):
            findings.append(Finding("launch-template-instance-profile", lt.id, (
                f"{path}: the template may not name an IAM instance profile (EKS gives the nodes the node role)")))
    return findings


def _service_findings(aws: Aws, settings: StackSettings, zones: list[str] | None) -> list[Finding]:
    wanted = settings.endpoint_services()
    if not wanted:
        return []
    offered = offered_services(aws)
    out: list[Finding] = []
    for svc in wanted:
        name = catalog.full_service_name(svc, aws.region)
        by_type = offered.get(name)
        if by_type is None:
            out.append(Finding("service-not-in-region", name,
                               f"endpoint service {svc.name!r} is not offered in region {aws.region}"))
            continue
        if svc.type not in by_type:
            out.append(Finding("service-type", name,
                               f"is offered as {', '.join(sorted(by_type))} in {aws.region}, not as {svc.type}"))
            continue
        if zones:
            azs = by_type[svc.type]
            if azs and not azs & set(zones):
                out.append(Finding("service-not-in-azs", name,
                                   f"endpoint service {svc.name!r} is not offered in any chosen availability zone "
                                   f"({', '.join(zones)}) of {aws.region}; it is offered in {', '.join(sorted(azs))}"))
    return out


def _collisions(aws: Aws, settings: StackSettings, vpc_id: str, route_tables: list[str]) -> list[Finding]:
    """Endpoints already in the VPC that the EndpointSet's would clash with."""
    out: list[Finding] = []
    wanted = {catalog.full_service_name(s, aws.region): s for s in settings.endpoint_services()}
    for e in describe_vpc_endpoints(aws, vpc_id):
        if e.get("State", "").lower() in _GONE_STATES or e.get("ServiceName") not in wanted:
            continue
        svc = wanted[e["ServiceName"]]
        if e.get("VpcEndpointType") == "Gateway" and svc.type == "Gateway":
            shared = sorted(set(e.get("RouteTableIds", [])) & set(route_tables))
            if shared:
                out.append(Finding(
                    "endpoint-collision", e["VpcEndpointId"],
                    f"an existing {svc.name} gateway endpoint is already on route table(s) {', '.join(shared)}; "
                    f"creating another fails — name {svc.name} in privateCluster.existingEndpointServices "
                    "(or set skipEndpointCreation: true for all)"))
        elif e.get("VpcEndpointType") == "Interface" and svc.type == "Interface" and e.get("PrivateDnsEnabled"):
            out.append(Finding(
                "endpoint-collision", e["VpcEndpointId"],
                f"an existing {svc.name} interface endpoint with private DNS is in {vpc_id}; another one with "
                f"private DNS cannot be created — name {svc.name} in privateCluster.existingEndpointServices "
                "(or set skipEndpointCreation: true for all)"))
    return out
