"""The VPC endpoint services a fully-private cluster needs, and their partition-aware names.

eksctl's list (pkg/cfn/builder/vpc_endpoint.go) is the base; the extended services are the ones
eksctl users ask for (management from inside the VPC, Pod Identity, load balancer controller,
Session Manager, encryption, tracing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EndpointType = Literal["Interface", "Gateway"]


@dataclass(frozen=True)
class EndpointService:
    name: str
    type: EndpointType
    why: str


# Always created: nodes pull images (ecr.api, ecr.dkr, s3 for layers), register (ec2, sts).
REQUIRED: tuple[EndpointService, ...] = (
    EndpointService("ec2", "Interface", "nodes describe instances and register"),
    EndpointService("ecr.api", "Interface", "image manifests"),
    EndpointService("ecr.dkr", "Interface", "image pulls"),
    EndpointService("sts", "Interface", "IAM roles for nodes and service accounts"),
    EndpointService("s3", "Gateway", "image layers live in S3"),
)

# Added when control-plane logging is on: nodes ship logs to CloudWatch.
LOGS = EndpointService("logs", "Interface", "CloudWatch Logs")

# Allowed in privateCluster.additionalEndpointServices.
OPTIONAL: tuple[EndpointService, ...] = (
    EndpointService("autoscaling", "Interface", "cluster-autoscaler"),
    EndpointService("cloudformation", "Interface", "CloudFormation from inside the VPC"),
    LOGS,
    EndpointService("eks", "Interface", "EKS API from inside the VPC"),
    EndpointService("eks-auth", "Interface", "EKS Pod Identity"),
    EndpointService("elasticloadbalancing", "Interface", "AWS Load Balancer Controller"),
    EndpointService("ssm", "Interface", "Session Manager"),
    EndpointService("ssmmessages", "Interface", "Session Manager"),
    EndpointService("ec2messages", "Interface", "Session Manager"),
    EndpointService("kms", "Interface", "envelope encryption"),
    EndpointService("xray", "Interface", "tracing"),
    EndpointService("secretsmanager", "Interface", "secrets"),
)

EKSCTL_OPTIONAL = frozenset({"autoscaling", "cloudformation", "logs"})

BY_NAME: dict[str, EndpointService] = {s.name: s for s in REQUIRED + OPTIONAL}
REQUIRED_NAMES = tuple(s.name for s in REQUIRED)
OPTIONAL_NAMES = tuple(s.name for s in OPTIONAL)

# Non-commercial partitions use another prefix for some services (eksctl's
# pkg/cfn/builder/vpc_endpoint.go and the AWS partition documentation).
_PARTITION_PREFIX: dict[str, tuple[str, frozenset[str]]] = {
    "aws-cn": ("cn.com.amazonaws", frozenset({"ec2", "ecr.api", "ecr.dkr", "sts", "cloudformation"})),
    "aws-iso": ("gov.ic.c2s", frozenset({"ec2", "ecr.api", "ecr.dkr", "autoscaling"})),
    "aws-iso-b": ("gov.sgov.sc2s", frozenset({"ec2", "ecr.api", "ecr.dkr", "autoscaling"})),
}


def partition(region: str) -> str:
    """The AWS partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def service_name(service: str, region: str) -> str:
    """The VPC endpoint service name, e.g. ``com.amazonaws.us-west-2.ecr.api``."""
    prefix, special = _PARTITION_PREFIX.get(partition(region), ("com.amazonaws", frozenset()))
    if service not in special:
        prefix = "com.amazonaws"
    return f"{prefix}.{region}.{service}"


def endpoint_services(
    *, logging_enabled: bool, additional: list[str] | tuple[str, ...], skip: bool
) -> list[EndpointService]:
    """The services to create endpoints for, in a stable order: required, then requested."""
    if skip:
        return []
    names = list(REQUIRED_NAMES)
    if logging_enabled:
        names.append(LOGS.name)
    for name in additional:
        if name not in names:
            names.append(name)
    return [BY_NAME[n] for n in names]
