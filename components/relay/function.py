"""The relay in the stack: a Lambda function in the cluster's private subnets that carries one
Kubernetes API request per invocation to its own cluster's private endpoint (docs/architecture.md §11).

What it is made of, each for one reason:

- the function, with an explicit name (the runner and ``private-eks connect`` know it before it
  exists; Lambda allows 64 characters, Lambda API CreateFunction ``FunctionName``), its code the
  text of ``handler.py`` and ``protocol.py`` as string assets (no file path or mtime: the plan is byte-identical on
  every machine), the cluster's endpoint and CA in its environment;
- its role: ``AWSLambdaVPCAccessExecutionRole`` (the function's network interfaces in the VPC, its
  log lines) and ``eks:DescribeCluster`` on its own cluster only;
- its security group: no ingress, egress 443 to the EKS cluster security group alone; and the
  ingress rule on that group from it (the private endpoint's interfaces carry that group);
- its log group with a retention (Lambda would create ``/aws/lambda/<name>`` without one);
- an access entry for its role and the access policy of ``privateCluster.apiRelay.accessPolicy``.

Kubernetes resources written through the relay depend on the function and the policy association
(``Relay.ready``): the first request must find the function and its authorisation in place.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from dataclasses import dataclass
from typing import Sequence

import pulumi
import pulumi_aws as aws

from components import names
from components.iam.roles import assume_role_policy
from components.nodes.security_groups import eks_cluster_security_group_id
from components.relay import protocol
from components.scope import ClusterScope

# Lambda API CreateFunction: FunctionName "If you specify only the function name, it is limited to
# 64 characters in length", pattern [a-zA-Z0-9-_]+ (cluster names are letters, digits and '-').
FUNCTION_NAME_MAX = 64
SUFFIX = "-k8s-api-relay"
# Lambda's Python runtime carries boto3 and botocore, all the handler imports besides the stdlib.
RUNTIME = "python3.13"
# One Kubernetes request: long enough for a slow API call, short enough to free the concurrency.
TIMEOUT_SECONDS = 60
MEMORY_MB = 256
VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"


def function_name(cluster_name: str) -> str:
    """The relay function's name: ``<cluster>-k8s-api-relay``, or, when that passes Lambda's 64
    characters, the cluster name's head and a digest of the whole (a cluster name is unique in its
    region, as a function name is)."""
    name = f"{cluster_name}{SUFFIX}"
    if len(name) <= FUNCTION_NAME_MAX:
        return name
    digest = hashlib.sha256(cluster_name.encode()).hexdigest()[:8]
    head = cluster_name[: FUNCTION_NAME_MAX - len(SUFFIX) - len(digest) - 1].rstrip("-")
    return f"{head}-{digest}{SUFFIX}"


def function_code() -> pulumi.AssetArchive:
    """The function's code: the text of ``protocol.FUNCTION_FILES``, read from the installed package,
    as string assets (the same archive, and the same plan, on every machine)."""
    files = importlib.resources.files("components.relay")
    return pulumi.AssetArchive({name: pulumi.StringAsset(files.joinpath(name).read_text(encoding="utf-8"))
                                for name in protocol.FUNCTION_FILES})


def access_policy_arn(partition: str, policy: str) -> str:
    return f"arn:{partition}:eks::aws:cluster-access-policy/{policy}"


@dataclass(frozen=True)
class Relay:
    function: aws.lambda_.Function
    association: aws.eks.AccessPolicyAssociation
    name: str

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What a write through the relay waits for."""
        return [self.function, self.association]


def api_relay(scope: ClusterScope, cluster: pulumi.Resource, *, vpc_id: pulumi.Input[str],
              subnet_ids: Sequence[pulumi.Input[str]]) -> Relay:
    """The relay of ``scope``'s cluster, once ``cluster`` exists."""
    cfg = scope.settings.cluster.private_cluster.api_relay
    base = f"{scope.name}-relay"
    fname = function_name(scope.cluster_name)
    child = scope.child()
    after_cluster = scope.child(depends_on=[cluster])
    tags = scope.tags or None
    found = aws.eks.get_cluster_output(name=scope.cluster_name,
                                       opts=pulumi.InvokeOutputOptions(parent=scope.parent, depends_on=[cluster]))
    cluster_sg = eks_cluster_security_group_id(scope.cluster_name, cluster, scope.parent)

    role = aws.iam.Role(f"{base}-role", name=names.physical_name(f"{base}-role", names.ROLE, scope.region),
                        assume_role_policy=assume_role_policy("lambda.amazonaws.com"), tags=tags, opts=child)
    vpc_access = aws.iam.RolePolicyAttachment(
        f"{base}-vpc-access", role=role.name, policy_arn=f"arn:{scope.partition}:iam::aws:policy/{VPC_ACCESS_POLICY}",
        opts=child)
    describe = aws.iam.RolePolicy(f"{base}-describe-cluster", role=role.name, name="describe-own-cluster", policy=found.arn.apply(
        lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "eks:DescribeCluster", "Resource": arn}]})), opts=child)

    # The endpoint's name resolves through the VPC's resolver, which security groups do not filter
    # (Amazon VPC User Guide "Amazon DNS server"): 443 to the cluster's group is all it needs.
    group = aws.ec2.SecurityGroup(
        f"{base}-sg", vpc_id=vpc_id, description="Kubernetes API relay: HTTPS to the cluster API only",
        egress=[aws.ec2.SecurityGroupEgressArgs(protocol="tcp", from_port=443, to_port=443,
                                                security_groups=[cluster_sg],
                                                description="the cluster's private API endpoint")],
        tags={**scope.tags, "Name": f"{base}-sg"}, opts=after_cluster)
    ingress = aws.ec2.SecurityGroupRule(
        f"{base}-to-cluster", type="ingress", protocol="tcp", from_port=443, to_port=443,
        security_group_id=cluster_sg, source_security_group_id=group.id,
        description="Kubernetes API relay to the private API endpoint", opts=after_cluster)
    logs = aws.cloudwatch.LogGroup(f"{base}-logs", name=f"/aws/lambda/{fname}",
                                   retention_in_days=cfg.log_retention_in_days, tags=tags, opts=child)

    function = aws.lambda_.Function(
        base, name=fname, role=role.arn, runtime=RUNTIME, handler=protocol.FUNCTION_HANDLER, code=function_code(),
        timeout=TIMEOUT_SECONDS, memory_size=MEMORY_MB,
        description=f"Kubernetes API relay of EKS cluster {scope.cluster_name} (private-eks)",
        environment=aws.lambda_.FunctionEnvironmentArgs(variables={
            protocol.ENV_CLUSTER_NAME: scope.cluster_name, protocol.ENV_ENDPOINT: found.endpoint,
            protocol.ENV_CA_DATA: found.certificate_authorities[0].data}),
        vpc_config=aws.lambda_.FunctionVpcConfigArgs(subnet_ids=list(subnet_ids), security_group_ids=[group.id]),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=logs.name),
        tags=tags,
        # CreateFunction checks that the role may create the network interfaces; the log group
        # must exist with its retention before the first line; the cluster API must let it in.
        opts=scope.child(depends_on=[cluster, vpc_access, describe, logs, ingress]))

    entry = aws.eks.AccessEntry(f"{base}-access", cluster_name=scope.cluster_name, principal_arn=role.arn,
                                type="STANDARD", tags=tags, opts=after_cluster)
    association = aws.eks.AccessPolicyAssociation(
        f"{base}-access-policy", cluster_name=scope.cluster_name, principal_arn=role.arn,
        policy_arn=access_policy_arn(scope.partition, cfg.access_policy),
        access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
        opts=scope.child(depends_on=[entry]))
    return Relay(function, association, fname)
