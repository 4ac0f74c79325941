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
    # The full service name when the user gave one (kept as written: its prefix is AWS's to say).
    full: str = ""


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

# More services the offline plan knows by type, beyond eksctl's list: the AWS PrivateLink guide's
# "AWS services that integrate with AWS PrivateLink" (each an Interface endpoint), and the two
# services with Gateway endpoints, S3 and DynamoDB (the PrivateLink guide, "Gateway endpoints").
# A name not listed is taken as an Interface service and checked against the region by the preflight.
KNOWN_MORE: tuple[EndpointService, ...] = (
    EndpointService("sqs", "Interface", "Amazon SQS"),
    EndpointService("sns", "Interface", "Amazon SNS"),
    EndpointService("events", "Interface", "Amazon EventBridge"),
    EndpointService("elasticfilesystem", "Interface", "Amazon EFS API (EFS CSI driver)"),
    EndpointService("monitoring", "Interface", "CloudWatch metrics"),
    EndpointService("guardduty-data", "Interface", "GuardDuty runtime monitoring agent"),
    EndpointService("aps-workspaces", "Interface", "Amazon Managed Service for Prometheus"),
    EndpointService("execute-api", "Interface", "API Gateway private APIs"),
    EndpointService("lambda", "Interface", "AWS Lambda"),
    EndpointService("kinesis-streams", "Interface", "Kinesis Data Streams"),
    EndpointService("elasticache", "Interface", "ElastiCache API"),
    EndpointService("rds", "Interface", "Amazon RDS API"),
    EndpointService("dynamodb", "Gateway", "Amazon DynamoDB"),
)

# Services an add-on may call that have no regional PrivateLink endpoint: the Route 53 API is global
# (route53.amazonaws.com, signed for us-east-1: AWS General Reference, "Amazon Route 53 endpoints and
# quotas"), so a fully-private VPC reaches it only through a proxy. Named at validate, never created.
NO_ENDPOINT: dict[str, str] = {
    "route53": "the Route 53 API is global (route53.amazonaws.com) and has no regional VPC endpoint; "
               "reach it through an HTTPS proxy or make the DNS changes from outside the cluster",
    # Karpenter pkg/operator/options/options.go, isolated-vpc: "assume we can't reach AWS services
    # which don't have a VPC endpoint. This also has the effect of disabling look-ups to the AWS
    # on-demand pricing endpoint."
    "pricing": "the AWS Price List API has no VPC endpoint a private cluster can use; Karpenter's "
               "settings.isolatedVPC: true makes it use the prices it ships with",
}

EKSCTL_OPTIONAL = frozenset({"autoscaling", "cloudformation", "logs"})

BY_NAME: dict[str, EndpointService] = {s.name: s for s in REQUIRED + OPTIONAL + KNOWN_MORE}
REQUIRED_NAMES = tuple(s.name for s in REQUIRED)
OPTIONAL_NAMES = tuple(s.name for s in OPTIONAL)
KNOWN_NAMES = tuple(BY_NAME)
GATEWAY_NAMES = frozenset(s.name for s in BY_NAME.values() if s.type == "Gateway")

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


# A service's short name as AWS spells them (``ecr.api``, ``guardduty-data``, ``codeartifact.repositories``):
# lowercase letters and digits in parts joined by dots and dashes.
SHORT_NAME_RE = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_FULL_RE = re.compile(r"^(?P<prefix>[a-z0-9.-]+?)\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.(?P<service>[a-z0-9.-]+)$")
SHORT_NAME_MAX = 64


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a service name (short or full) at all, or None; the region is checked later."""
    if len(name) > SHORT_NAME_MAX + 40 or not (SHORT_NAME_RE.fullmatch(name) or _FULL_RE.fullmatch(name)):
        return (f"{name[:80]!r} is not an endpoint service name: a short name such as sqs or ecr.api, or a full "
                "name such as com.amazonaws.<region>.sqs")
    return None


def resolve(name: str, region: str) -> EndpointService:
    """The service a listed name means in ``region``: a short name is looked up in the catalog (an
    unknown one is an Interface service, left to the preflight); a full name must be of ``region``
    and carry the standard prefix or the partition's own (eksctl endpoint_service.go's prefixes).
    ValueError says why a full name is refused."""
    m = _FULL_RE.fullmatch(name)
    if m is None:
        return BY_NAME.get(name) or EndpointService(name, "Interface", "listed in the stack file")
    if m["region"] != region:
        raise ValueError(f"{name!r} is a service of region {m['region']}; this stack is in {region} "
                         "(an endpoint serves its own region only)")
    alternate = _PARTITION_PREFIX.get(known_partition(region) or "", (STANDARD_PREFIX, frozenset()))[0]
    if m["prefix"] not in (STANDARD_PREFIX, alternate):
        allowed = " or ".join(dict.fromkeys((STANDARD_PREFIX, alternate)))
        raise ValueError(f"{name!r}: service names in {region} start with {allowed}")
    known = BY_NAME.get(m["service"])
    if known is not None and service_name(known.name, region) == name:
        return known
    return EndpointService(m["service"], known.type if known else "Interface",
                           known.why if known else "listed in the stack file", full=name)


def full_service_name(svc: EndpointService, region: str) -> str:
    """The name AWS knows the service by in ``region``: the one the user wrote, else the catalog's."""
    return svc.full or service_name(svc.name, region)
