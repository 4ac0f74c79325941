"""The VPC endpoint services a fully-private cluster needs, and their partition-aware names.

eksctl's list (pkg/cfn/builder/vpc_endpoint.go) is the base; the extended services are the ones
eksctl users ask for (management from inside the VPC, Pod Identity, load balancer controller,
Session Manager, encryption, tracing).
"""

from __future__ import annotations

import re
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

# Partitions, as eksctl's table has them (pkg/apis/eksctl.io/v1alpha5/partitions.go and
# endpoint_service.go): how a region names its partition, and which services take another prefix.
# Commercial regions are `<area>-<direction>-<n>`; a region that fits no pattern below belongs to a
# partition this catalog does not know, and is refused rather than guessed.
_COMMERCIAL_RE = re.compile(r"^(us|ca|eu|ap|me|sa|af|il|mx)-[a-z]+-\d+$")
_PARTITION_OF: tuple[tuple[str, "re.Pattern[str]"], ...] = (
    ("aws-cn", re.compile(r"^cn-[a-z]+-\d+$")),
    ("aws-us-gov", re.compile(r"^us-gov-[a-z]+-\d+$")),
    ("aws-iso", re.compile(r"^us-iso-[a-z]+-\d+$")),
    ("aws-iso-b", re.compile(r"^us-isob-[a-z]+-\d+$")),
    ("aws-iso-e", re.compile(r"^eu-isoe-[a-z]+-\d+$")),
    ("aws-iso-f", re.compile(r"^us-isof-[a-z]+-\d+$")),
    ("aws", _COMMERCIAL_RE),
)
PARTITIONS = tuple(name for name, _ in _PARTITION_OF)

STANDARD_PREFIX = "com.amazonaws"
# eksctl's RequiresChinaPrefix and RequiresISOPrefix services.
_CHINA_PREFIXED = frozenset({"ec2", "ecr.api", "ecr.dkr", "sts", "cloudformation"})
_ISO_PREFIXED = frozenset({"ec2", "ecr.api", "ecr.dkr", "autoscaling"})
# In aws-iso-e and aws-iso-f, four ISO-prefixed services use the partition's alternate prefix and
# the others keep com.amazonaws (GetEndpointServiceDomainPrefix).
_ALT_PREFIXED = frozenset({"ebs", "ecr.api", "ecr.dkr", "execute-api"})
_PARTITION_PREFIX: dict[str, tuple[str, frozenset[str]]] = {
    "aws-cn": ("cn.com.amazonaws", _CHINA_PREFIXED),
    "aws-iso": ("gov.ic.c2s", _ISO_PREFIXED),
    "aws-iso-b": ("gov.sgov.sc2s", _ISO_PREFIXED),
    "aws-iso-e": ("uk.adc-e.cloud", _ISO_PREFIXED & _ALT_PREFIXED),
    "aws-iso-f": ("gov.ic.hci.csp", _ISO_PREFIXED & _ALT_PREFIXED),
}


class UnknownPartition(ValueError):
    """The region belongs to no partition the catalog knows; its service names would be guesses."""


def known_partition(region: str) -> str | None:
    """The AWS partition a region belongs to, or None when the catalog does not know it."""
    for name, pattern in _PARTITION_OF:
        if pattern.match(region):
            return name
    return None


def partition(region: str) -> str:
    """The AWS partition a region belongs to; UnknownPartition for a region of no known partition."""
    found = known_partition(region)
    if found is None:
        raise UnknownPartition(f"{region!r} is not a region of a partition this project knows "
                               f"({', '.join(PARTITIONS)})")
    return found


def service_name(service: str, region: str) -> str:
    """The VPC endpoint service name, e.g. ``com.amazonaws.us-west-2.ecr.api``."""
    prefix, special = _PARTITION_PREFIX.get(partition(region), (STANDARD_PREFIX, frozenset()))
    if service not in special:
        prefix = STANDARD_PREFIX
    return f"{prefix}.{region}.{service}"


def endpoint_services(
    *, logging_enabled: bool, additional: list[str] | tuple[str, ...], skip: bool,
    encryption: bool = False, pod_identity: bool = False,
) -> list[EndpointService]:
    """The services to create endpoints for, in a stable order: required, those the settings need
    (logs for logging, kms for secrets encryption, eks-auth for Pod Identity), then requested."""
    if skip:
        return []
    names = list(REQUIRED_NAMES)
    if logging_enabled:
        names.append(LOGS.name)
    if encryption:
        names.append("kms")
    if pod_identity:
        names.append("eks-auth")
    for name in additional:
        if name not in names:
            names.append(name)
    return [BY_NAME[n] for n in names]
