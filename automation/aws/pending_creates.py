"""Half-made creates: a run killed while AWS created a resource leaves a pending ``creating``
operation in the state and, often, the resource in AWS. Pulumi drops such an operation on the next
update and creates the resource again, which AWS refuses (``NodeGroup already exists``,
``InvalidGroup.Duplicate``) on every later run.

Each pending create is resolved the way ``pulumi refresh --import-pending-creates URN,ID`` /
``--clear-pending-creates`` does (pulumi pkg/cmd/pulumi/operations/refresh.go), by its own:

- AWS has the resource (found by the name, or the VPC and service, the program gave it): it is
  adopted — the operation becomes a resource with AWS's id, and the refresh that follows reads it
  back from AWS;
- AWS has nothing: the operation is cleared, and the next update creates it;
- AWS cannot tell (no finder for the type, no name in the inputs, AWS unreachable): it is kept,
  and said.

The ids are the import ids of the pulumi-aws resources (``pulumi import`` docs of each type:
``aws.eks.NodeGroup`` ``cluster_name:node_group_name``, ``aws.eks.Addon`` ``cluster_name:addon_name``,
``aws.eks.FargateProfile`` ``cluster_name:fargate_profile_name``, ``aws.eks.AccessEntry``
``cluster_name:principal_arn``, ``aws.ec2.SecurityGroup`` the group id, ``aws.ec2.VpcEndpoint``
the endpoint id, ``aws.iam.Role`` the role name, ``aws.ec2.LaunchTemplate`` the template id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

Finder = Callable[[Any, Mapping[str, Any]], "str | None"]

# VPC endpoints in these states are the live ones (DescribeVpcEndpoints: State).
_LIVE_ENDPOINT = ["pendingAcceptance", "pending", "available"]


class CannotTell(Exception):
    """AWS could not be asked, or the inputs do not name the resource: the operation is kept."""


def _need(inputs: Mapping[str, Any], *keys: str) -> list[str]:
    values = [inputs.get(k) for k in keys]
    if not all(isinstance(v, str) and v for v in values):
        raise CannotTell(f"its inputs do not name it ({', '.join(keys)})")
    return [str(v) for v in values]


def _not_found(e: Exception, *codes: str) -> bool:
    code = getattr(e, "response", {}).get("Error", {}).get("Code", "")
    return code in codes


def _describe(call: Callable[[], Any], *missing: str) -> Any:
    try:
        return call()
    except Exception as e:
        if _not_found(e, *missing):
            return None
        raise CannotTell(f"AWS could not be asked: {e}") from None


def _cluster(aws: Any, i: Mapping[str, Any]) -> str | None:
    (name,) = _need(i, "name")
    found = _describe(lambda: aws("eks").describe_cluster(name=name), "ResourceNotFoundException")
    return name if found else None


def _eks_child(describe: str, id_key: str, name_key: str) -> Finder:
    def find(aws: Any, i: Mapping[str, Any]) -> str | None:
        cluster, name = _need(i, "clusterName", name_key)
        found = _describe(lambda: getattr(aws("eks"), describe)(**{"clusterName": cluster, id_key: name}),
                          "ResourceNotFoundException")
        return f"{cluster}:{name}" if found else None

    return find


def _security_group(aws: Any, i: Mapping[str, Any]) -> str | None:
    name, vpc = _need(i, "name", "vpcId")
    groups = _describe(lambda: aws("ec2").describe_security_groups(Filters=[
        {"Name": "group-name", "Values": [name]}, {"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"])
    return groups[0]["GroupId"] if groups else None


def _vpc_endpoint(aws: Any, i: Mapping[str, Any]) -> str | None:
    vpc, service = _need(i, "vpcId", "serviceName")
    found = _describe(lambda: aws("ec2").describe_vpc_endpoints(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "service-name", "Values": [service]},
        {"Name": "vpc-endpoint-state", "Values": _LIVE_ENDPOINT}])["VpcEndpoints"])
    if found and len(found) > 1:  # which one this create made is not known: adopt none
        raise CannotTell(f"AWS has {len(found)} endpoints for {service} in {vpc}")
    return found[0]["VpcEndpointId"] if found else None


def _role(aws: Any, i: Mapping[str, Any]) -> str | None:
    (name,) = _need(i, "name")
    return name if _describe(lambda: aws("iam").get_role(RoleName=name), "NoSuchEntity") else None


def _launch_template(aws: Any, i: Mapping[str, Any]) -> str | None:
    (name,) = _need(i, "name")
    found = _describe(lambda: aws("ec2").describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"],
                      "InvalidLaunchTemplateName.NotFoundException")
    return found[0]["LaunchTemplateId"] if found else None


FINDERS: dict[str, Finder] = {
    "aws:eks/cluster:Cluster": _cluster,
    "aws:eks/nodeGroup:NodeGroup": _eks_child("describe_nodegroup", "nodegroupName", "nodeGroupName"),
    "aws:eks/addon:Addon": _eks_child("describe_addon", "addonName", "addonName"),
    "aws:eks/fargateProfile:FargateProfile": _eks_child("describe_fargate_profile", "fargateProfileName",
                                                        "fargateProfileName"),
    "aws:eks/accessEntry:AccessEntry": _eks_child("describe_access_entry", "principalArn", "principalArn"),
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:iam/role:Role": _role,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
}


def boto3_clients(region: str, session: Any = None) -> Callable[[str], Any]:
    import boto3
    from botocore.config import Config

    session = session or boto3.Session(region_name=region)
    config = Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 3})
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, region_name=region, config=config)
        return cache[service]

    return client


def find(resource: Mapping[str, Any], aws: Callable[[str], Any]) -> str | None:
    """AWS's id of the resource a pending create was making, None when AWS has none; raises
    :class:`CannotTell`."""
    finder = FINDERS.get(str(resource.get("type", "")))
    if finder is None:
        raise CannotTell(f"no way to look up a {resource.get('type')} in AWS")
    return finder(aws, resource.get("inputs") or {})


@dataclass
class Resolution:
    adopted: list[tuple[str, str]]  # (urn, id)
    cleared: list[str]
    kept: list[tuple[str, str]]  # (urn, why)

    def lines(self) -> list[str]:
        name = lambda urn: urn.rsplit("::", 1)[-1]  # noqa: E731
        return ([f"pending create of {name(u)}: AWS has it ({i}): adopted" for u, i in self.adopted]
                + [f"pending create of {name(u)}: AWS has nothing: cleared (the next update creates it)"
                   for u in self.cleared]
                + [f"pending create of {name(u)}: kept ({why}); see docs/operations.md" for u, why in self.kept])


def resolve(deployment: Mapping[str, Any], lookup: Callable[[Mapping[str, Any]], str | None]) -> tuple[
        dict[str, Any], Resolution]:
    """The deployment with each pending create adopted (``lookup`` found an id), cleared (None) or
    kept (:class:`CannotTell`). Other pending operations are left to Pulumi's refresh."""
    out = dict(deployment)
    resources = list(deployment.get("resources") or [])
    done = Resolution([], [], [])
    kept_ops = []
    for op in deployment.get("pending_operations") or []:
        r = dict(op.get("resource") or {})
        urn = str(r.get("urn", ""))
        if op.get("type") != "creating":
            kept_ops.append(op)
            continue
        try:
            id_ = lookup(r)
        except CannotTell as e:
            kept_ops.append(op)
            done.kept.append((urn, str(e)))
            continue
        if id_ is None:
            done.cleared.append(urn)
            continue
        # The refresh that follows reads the real outputs back from AWS (as an import does).
        resources.append({**r, "id": id_, "outputs": dict(r.get("inputs") or {})})
        done.adopted.append((urn, id_))
    out["pending_operations"] = kept_ops
    out["resources"] = resources
    return out, done
