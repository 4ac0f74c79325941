"""Stack settings: the schema (eksctl's ClusterConfig names), defaults, and every validation rule.

A stack file holds ``aws:region`` and one structured key, ``private-eks:cluster``. Validation
reports every problem at once as ``PATH: message`` (PATH like ``nodeGroups[0].privateNetworking``),
headed by the stack file's name, the way eksctl's validation names config paths.

Two kinds of check run together: the shape (unknown keys with a suggestion, types, enums, CIDRs),
and the rules of each section (model validators that may report several problems at once through
``_rules``). Rules that span the whole document run once every section is well formed.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, Mapping, Union, get_args, get_origin

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from components import catalog, eks_versions, input_files
from components.errors import EXIT_BAD_INPUT, PrivateEksError

PROJECT = "private-eks"
# The two passes: bootstrap (public+private API access, limited CIDRs), then private only.
Phase = Literal["bootstrap", "private"]
PHASES: tuple[Phase, ...] = ("bootstrap", "private")
CONFIG_KEY = f"{PROJECT}:cluster"
REGION_KEY = "aws:region"

UNSUPPORTED_REGIONS = {"eu-south-1": "fully-private clusters are not supported in eu-south-1"}
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
DEFAULT_VERSION = "1.33"
# eksctl's defaults (eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/types.go, defaults.go, vpc.go),
# written into the resource inputs so the plan shows them.
DEFAULT_VPC_CIDR = "192.168.0.0/16"
DEFAULT_INSTANCE_TYPE = "m5.large"
# eksctl's instanceType of a group whose types are its instancesDistribution's.
MIXED_INSTANCE_TYPE = "mixed"
DEFAULT_NODE_COUNT = 2
DEFAULT_MAX_SIZE = 1  # when the sizes would give a maximum of 0 (scale from zero)
DEFAULT_VOLUME_SIZE = 80
DEFAULT_VOLUME_TYPE: Literal["gp3"] = "gp3"
DEFAULT_GP3_THROUGHPUT = 125
DEFAULT_AMI_FAMILY: Literal["AmazonLinux2023"] = "AmazonLinux2023"
# An AMI id, or eksctl's names for the EKS-optimised AMI (auto: from EC2, auto-ssm: from SSM).
# EC2 image ids are ami- and 8 or 17 hexadecimal digits.
_AMI_RE = re.compile(r"^(ami-([0-9a-f]{8}|[0-9a-f]{17})|auto|auto-ssm)$")
# EKS's default support policy when upgradePolicy is not given (CreateCluster, UpgradePolicyRequest).
DEFAULT_SUPPORT_TYPE: Literal["EXTENDED"] = "EXTENDED"
# eksctl's allowed log retention values (pkg/apis/eksctl.io/v1alpha5/cloudwatch.go, LogRetentionInDaysValues).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)
# eksctl's Auto Mode node pools (auto_mode.go, AutoModeKnownNodePools); pulumi-eks's default is both.
AUTO_MODE_NODE_POOLS = ("general-purpose", "system")
# The add-ons pulumi-eks creates itself (nodejs/eks/cluster/cluster.ts): configured through its own
# options so that each exists once.
PULUMI_EKS_ADDONS = ("vpc-cni", "coredns", "kube-proxy")
POD_IDENTITY_AGENT = "eks-pod-identity-agent"
# The service account an add-on's IRSA role (from attachPolicyARNs, wellKnownPolicies or attachPolicy)
# trusts. eksctl knows vpc-cni's (pkg/actions/addon/create.go, getKnownServiceAccountLocation;
# api.AWSNodeMeta); for the EBS and EFS CSI drivers, the add-ons it gives well-known policies
# (setRecommendedPoliciesForIRSA), its role trusts every service account of the cluster (oidc/api.go,
# MakeAssumeRolePolicyDocument): here only their controllers' (eksctl's integration tests
# integration/tests/addons/addons_test.go, ebsCSIControllerSA and efsCSIControllerSA).
ADDON_SERVICE_ACCOUNTS = {"vpc-cni": ("kube-system", "aws-node"),
                          "aws-ebs-csi-driver": ("kube-system", "ebs-csi-controller-sa"),
                          "aws-efs-csi-driver": ("kube-system", "efs-csi-controller-sa")}
# The annotation IRSA reads (eksctl pkg/apis/eksctl.io/v1alpha5/iam.go, AnnotationEKSRoleARN).
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
# IAM CreateRole's RoleName: 1-64 of letters, digits and _+=,.@-.
_ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
# aws-sdk-go's arn.Parse, as eksctl uses it: arn:partition:service:region:account:resource.
_ARN_RE = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
                     r"(?P<account>\d*|aws):(?P<resource>.+)$")
_AZ_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+[a-z]$")
# A region name's characters; which regions exist is the catalog's partition table's to say.
_REGION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,49}$")
# Names as EKS and eksctl allow them: eksctl refuses anything outside [a-zA-Z0-9-]
# (validation.go, IsInvalidNameArg), EKS wants a letter or digit first (CreateCluster and
# CreateNodegroup: ^[0-9A-Za-z][A-Za-z0-9\-_]*), a cluster name up to 100 and a node group name up
# to 63 characters.
_NAME_RE = re.compile(r"^[0-9A-Za-z][-a-zA-Z0-9]*$")
CLUSTER_NAME_MAX = 100
NODE_GROUP_NAME_MAX = 63
NAME_RULE = "must start with a letter or digit and contain only letters, digits and '-'"
# EKS's name rule (botocore/data/eks/2017-11-01/service-2.json, shape ClusterName; CloudFormation's
# AWS::EKS::FargateProfile FargateProfileName has the same pattern and length).
_EKS_NAME_RE = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$")
# Kubernetes (kubernetes/apimachinery pkg/util/validation/validation.go): a label value or the name
# part of a qualified name; a DNS-1123 subdomain as its prefix; a DNS-1123 label for a namespace.
_K8S_NAME_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$")
_K8S_PREFIX_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# AWS tags (the EC2 User Guide's "Tag restrictions", for every service's tags): letters, digits,
# spaces and _ . : / = + - @; keys of 1-128 characters not starting with aws:, values up to 256.
_TAG_RE = re.compile(r"^[\w .:/=+\-@]*$")


def _check_tags(tags: dict[str, str]) -> dict[str, str]:
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or not _TAG_RE.fullmatch(key) or key.lower().startswith("aws:"):
            raise ValueError(f"tag key {key!r}: AWS takes 1-128 letters, digits, spaces and _ . : / = + - @, "
                             "not starting with aws:")
        if len(value) > 256 or not _TAG_RE.fullmatch(value):
            raise ValueError(f"tag {key!r}: its value may have up to 256 letters, digits, spaces and _ . : / = + - @")
    return tags


def _check_label_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _K8S_PREFIX_RE.fullmatch(prefix)):
        return False
    return bool(_K8S_NAME_RE.fullmatch(name))


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        if not _check_label_key(key):
            raise ValueError(f"label key {key!r} is not a Kubernetes qualified name ([prefix/]name, the name up to 63 "
                             "letters, digits, '-', '_', '.', starting and ending with a letter or digit)")
        if value and not _K8S_NAME_RE.fullmatch(value):
            raise ValueError(f"label {key!r}: its value is not a Kubernetes label value (up to 63 letters, digits, "
                             "'-', '_', '.', starting and ending with a letter or digit)")
    return labels


Tags = Annotated[dict[str, str], AfterValidator(_check_tags)]
Labels = Annotated[dict[str, str], AfterValidator(_check_labels)]


# --------------------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SettingsError(PrivateEksError):
    """The stack settings are invalid. ``problems`` holds every one of them. A
    :class:`~components.errors.PrivateEksError` with the exit code of bad input (2)."""

    exit_code = EXIT_BAD_INPUT
    summary = "bad settings"

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{self.source}: {n} problem{'s' if n != 1 else ''} in the stack settings"
        return "\n".join([head] + [f"  {p}" for p in self.problems])


def format_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _rules(problems: list[tuple[tuple[Any, ...], str]]) -> None:
    """Raise every rule problem of one section at once (expanded by ``_problems_from``)."""
    if problems:
        raise PydanticCustomError("rules", "{count} rule problems", {"count": len(problems), "problems": problems})


# ----------------------------------------------------------------------------------------- schema


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True, strict=False,
        # A field's docstring is its description: in the JSON Schema and the README's reference.
        use_attribute_docstrings=True,
    )


class Metadata(_Model):
    name: str
    """cluster name: a letter or digit, then letters, digits, `-` (at most 100)"""
    version: str = DEFAULT_VERSION
    """Kubernetes version EKS offers (1.31-1.35 as recorded), quoted (`"1.33"`, not `1.33`)"""
    force_update_version: bool | None = None
    ("""(default: false) upgrade the control plane even when EKS's upgrade insights would block it (EKS """
     """UpdateClusterVersion `force`)""")
    tags: Tags = Field(default_factory=dict)
    """tags on every resource (AWS's tag rules: keys of 1-128 letters, digits, spaces, `_.:/=+-@`, not `aws:`)"""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.fullmatch(v) or len(v) > CLUSTER_NAME_MAX:
            raise ValueError(f"{NAME_RULE} (at most {CLUSTER_NAME_MAX})")
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        # Only versions EKS offers (components/eks_versions.py); YAML reads 1.30 as the float 1.3,
        # and the hint names the version meant, quoted.
        problem = eks_versions.version_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class PrivateClusterSettings(_Model):
    enabled: bool = True
    """must be `true`: this program builds only fully-private clusters"""
    skip_endpoint_creation: bool = False
    """create no VPC endpoints (they exist already)"""
    additional_endpoint_services: list[str] = Field(default_factory=list)
    """extra endpoints: `autoscaling`, `cloudformation`, `logs`, `eks`, `eks-auth`, `elasticloadbalancing`, `ssm`, `ssmmessages`, `ec2messages`, `kms`, `xray`, `secretsmanager`; not with `skipEndpointCreation`"""  # noqa: E501

    @model_validator(mode="after")
    def _check(self) -> "PrivateClusterSettings":
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not self.enabled:
            problems.append((("enabled",), "must be true: this program builds only fully-private clusters"))
        if self.skip_endpoint_creation and self.additional_endpoint_services:
            problems.append(
                (("additionalEndpointServices",), "cannot be set together with skipEndpointCreation: true")
            )
        seen: set[str] = set()
        for i, name in enumerate(self.additional_endpoint_services):
            loc = ("additionalEndpointServices", i)
            if name in catalog.REQUIRED_NAMES:
                problems.append((loc, f"{name!r} is always created; list only additional services"))
            elif name not in catalog.OPTIONAL_NAMES:
                problems.append((loc, f"unknown endpoint service {name!r}{_suggest(name, catalog.OPTIONAL_NAMES)}"
                                 f"; allowed: {', '.join(catalog.OPTIONAL_NAMES)}"))
            if name in seen:
                problems.append((loc, f"{name!r} is listed twice"))
            seen.add(name)
        _rules(problems)
        return self


class SubnetSpec(_Model):
    id: str | None = None
    """an existing subnet (with its own non-main route table)"""
    cidr: str | None = None
    """a new subnet, inside `vpc.cidr`, not overlapping; with `vpc.id`, the existing subnet of that VPC with this CIDR"""
    az: str | None = None
    """(default: the key) the AZ when the key is a name"""

    @field_validator("az")
    @classmethod
    def _az(cls, v: str | None) -> str | None:
        if v is not None and not _AZ_RE.fullmatch(v):
            raise ValueError(f"{_brief(v)} is not an availability zone name (e.g. us-west-2a)")
        return v


def subnet_zone(key: str, spec: SubnetSpec) -> str | None:
    """A private subnet entry's AZ: its ``az``, else its key when the key names a zone."""
    return spec.az or (key if _AZ_RE.fullmatch(key) else None)


class SubnetsSettings(_Model):
    private: dict[str, SubnetSpec] = Field(default_factory=dict)
    """(default: one per AZ, carved from `vpc.cidr`) by AZ (or by name with `az`)"""
    # Accepted by the schema only to be rejected with a clear message (eksctl documents it but
    # never checks it).
    public: Any = None
    """not allowed: a fully-private cluster has no public subnets"""


class VpcSettings(_Model):
    id: str | None = None
    """(default: a new VPC) an existing VPC; needs `vpc.subnets.private`"""
    cidr: str | None = None
    """(default: `192.168.0.0/16`) the new VPC's CIDR (with `vpc.id`: checked against the VPC's)"""
    subnets: SubnetsSettings | None = None
    """subnets"""
    public_access_cidrs: list[str] = Field(default_factory=list, alias="publicAccessCIDRs")
    """who may reach the API during the window; `0.0.0.0/0` only written out; a union of a /8 (IPv6: /32) or more is warned"""
    cluster_endpoints: Any = None
    """not allowed: API access is managed by the two passes"""
    hostname_type: Literal["ip-name", "resource-name"] | None = None
    """(default: EC2's, `ip-name`) the hostname type of instances launched in the new subnets; not with existing subnets"""

    @model_validator(mode="after")
    def _check(self) -> "VpcSettings":
        # CIDRs are parsed here rather than per field so that one bad CIDR does not hide the
        # section's other problems.
        problems: list[tuple[tuple[Any, ...], str]] = []
        vpc_net = _network(self.cidr or DEFAULT_VPC_CIDR, ("cidr",), problems)
        if self.cluster_endpoints is not None:
            problems.append((("clusterEndpoints",),
                             "may not be set: API access is managed by the runner's two passes "
                             "(bootstrap: public+private, then private only)"))
        if self.subnets is not None and self.subnets.public is not None:
            problems.append((("subnets", "public"), "may not be set: a fully-private cluster has no public subnets"))
        for i, cidr in enumerate(self.public_access_cidrs):
            _network(cidr, ("publicAccessCIDRs", i), problems)
        private = self.subnets.private if self.subnets else {}
        for key, s in private.items():
            if s.id is None and s.cidr is None:
                problems.append((("subnets", "private", key), "needs an id (existing subnet) or a cidr (new subnet)"))
        if self.id is not None and not private:
            problems.append((("subnets", "private"), "is required when vpc.id is set (the private subnets to use)"))
        # With vpc.id every subnet exists already: by id, or looked up by the VPC and its CIDR (as
        # eksctl does). Without it, subnets are either all existing (ids) or all new (CIDRs).
        existing = any(s.id for s in private.values())
        new = any(s.id is None for s in private.values())
        if existing and new and self.id is None:
            problems.append((("subnets", "private"), "mixes existing subnets (id) and new ones (cidr only); "
                             "use one kind, or set vpc.id to look existing subnets up by CIDR"))
        # eksctl refuses it with a pre-existing VPC (validation.go, "vpc.hostnameType is not supported
        # with a pre-existing VPC"): it is a property of the subnets eksctl (here: private-eks) creates.
        if self.hostname_type is not None and (self.id is not None or existing):
            problems.append((("hostnameType",), "is not supported with a pre-existing VPC or existing subnets "
                             "(it is set on the subnets private-eks creates)"))
        if existing and self.cidr is not None and self.id is None:
            problems.append((("cidr",), "is taken from the existing subnets' VPC; remove it or set vpc.id"))
        if new and self.id is None:
            nets: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
            for key, s in private.items():
                if subnet_zone(key, s) is None:
                    problems.append((("subnets", "private", key), "a new subnet needs its availability zone: "
                                     "use the zone as the key or set az"))
                loc = ("subnets", "private", key, "cidr")
                net = _network(s.cidr, loc, problems) if s.cidr else None
                if net is None:
                    continue
                if vpc_net is not None and (net.version != vpc_net.version or not net.subnet_of(vpc_net)):
                    problems.append((loc, f"{net} is not inside the VPC CIDR {vpc_net}"))
                for other_key, other in nets:
                    if net.overlaps(other):
                        problems.append((loc, f"{net} overlaps subnet {other_key!r} ({other})"))
                nets.append((key, net))
        _rules(problems)
        return self


def _check_arn(value: str | None, loc: tuple[Any, ...], problems: list[tuple[tuple[Any, ...], str]], *,
               service: str, resource: str | tuple[str, ...] = ()) -> "re.Match[str] | None":
    """An ARN of ``service`` whose resource starts with one of ``resource``, as eksctl parses ARNs."""
    if value is None:
        return None
    m = _ARN_RE.match(value)
    kinds = (resource,) if isinstance(resource, str) else resource
    if m is None:
        problems.append((loc, f"{value!r} is not an ARN (arn:PARTITION:{service}:REGION:ACCOUNT:RESOURCE)"))
    elif m["service"] != service or (kinds and not m["resource"].startswith(tuple(f"{k}/" for k in kinds))):
        what = " or ".join(f"{service} {k}" for k in kinds) if kinds else service
        problems.append((loc, f"{value!r} is not the ARN of a {what}"))
        return None
    return m


class SecretsEncryption(_Model):
    """Envelope encryption of Kubernetes secrets (eksctl's secretsEncryption)."""

    key_arn: str = Field(alias="keyARN")
    """a KMS key or alias ARN in the cluster's region; adds the `kms` endpoint"""

    @model_validator(mode="after")
    def _check(self) -> "SecretsEncryption":
        problems: list[tuple[tuple[Any, ...], str]] = []
        _check_arn(self.key_arn, ("keyARN",), problems, service="kms", resource=("key", "alias"))
        _rules(problems)
        return self


class KubernetesNetworkConfig(_Model):
    service_ipv4_cidr: str | None = Field(default=None, alias="serviceIPv4CIDR")
    """(default: EKS's, `10.100.0.0/16` or `172.20.0.0/16`) in 10/8, 172.16/12 or 192.168/16, /12 to /24, not overlapping `vpc.cidr`"""

    @model_validator(mode="after")
    def _check(self) -> "KubernetesNetworkConfig":
        # EKS CreateCluster, KubernetesNetworkConfigRequest.serviceIpv4Cidr: inside 10.0.0.0/8,
        # 172.16.0.0/12 or 192.168.0.0/16, between /24 and /12 (the overlap with the VPC is checked
        # with the whole document).
        problems: list[tuple[tuple[Any, ...], str]] = []
        loc = ("serviceIPv4CIDR",)
        net = _network(self.service_ipv4_cidr, loc, problems) if self.service_ipv4_cidr else None
        if net is not None:
            if net.version != 4 or not any(net.subnet_of(ipaddress.ip_network(b)) for b in _RFC1918):
                problems.append((loc, f"{net} must lie in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"))
            elif not 12 <= net.prefixlen <= 24:
                problems.append((loc, f"{net} must be between /12 and /24"))
        _rules(problems)
        return self


_RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


class UpgradePolicy(_Model):
    support_type: Literal["STANDARD", "EXTENDED"] = DEFAULT_SUPPORT_TYPE
    """(default: `"EXTENDED"`, EKS's) standard or extended support"""


class ZonalShiftConfig(_Model):
    enabled: bool = False
    """ARC zonal shift (set on the EKS cluster by a transform)"""


class AccessScope(_Model):
    type: Literal["cluster", "namespace"]
    """the whole cluster or some namespaces"""
    namespaces: list[str] = Field(default_factory=list)
    """required with `namespace`, refused with `cluster`"""


class AccessPolicy(_Model):
    policy_arn: str = Field(alias="policyARN")
    """an EKS `cluster-access-policy` ARN"""
    access_scope: AccessScope
    """where the policy applies"""


_NODE_ENTRY_TYPES = ("EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX")


class AccessEntry(_Model):
    """An EKS access entry, as eksctl's accessConfig.accessEntries[] (access_entry.go)."""

    principal_arn: str = Field(alias="principalARN")
    """the IAM role or user the entry is for"""
    type: Literal["STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX"] = "STANDARD"
    """(default: `STANDARD`) node types take no groups, username or policies"""
    kubernetes_groups: list[str] = Field(default_factory=list)
    """RBAC groups"""
    kubernetes_username: str | None = None
    """the Kubernetes user name"""
    access_policies: list[AccessPolicy] = Field(default_factory=list)
    """access policy associations"""

    @model_validator(mode="after")
    def _check(self) -> "AccessEntry":
        # eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/access_entry.go, validateAccessEntries.
        problems: list[tuple[tuple[Any, ...], str]] = []
        _check_arn(self.principal_arn, ("principalARN",), problems, service="iam", resource=("role", "user"))
        if self.type in _NODE_ENTRY_TYPES:
            if self.kubernetes_groups or self.kubernetes_username:
                problems.append((("type",), f"{self.type} entries cannot have kubernetesGroups or kubernetesUsername"))
            if self.access_policies:
                problems.append((("accessPolicies",), f"cannot be set when type is {self.type}"))
        _check_access_policies(self.access_policies, ("accessPolicies",), problems)
        _rules(problems)
        return self


class WellKnownPolicies(_Model):
    """eksctl's wellKnownPolicies (well_known_iam_policy.go): AWS managed policies for two, inline
    policies of eksctl's own for the others (pkg/cfn/builder/iam_helper.go, createWellKnownPolicies;
    the statements are components/addon_policies.py)."""

    image_builder: bool = False
    """`AmazonEC2ContainerRegistryPowerUser`"""
    auto_scaler: bool = False
    """inline: cluster-autoscaler's Auto Scaling and EC2 actions"""
    aws_load_balancer_controller: bool = False
    """inline: the AWS Load Balancer Controller's policy"""
    external_dns: bool = Field(default=False, alias="externalDNS")
    """inline: Route 53 record changes and hosted zone listing"""
    cert_manager: bool = False
    """inline: Route 53 record changes, hosted zone listing and `GetChange` (DNS01)"""
    ebs_csi_controller: bool = Field(default=False, alias="ebsCSIController")
    """`service-role/AmazonEBSCSIDriverPolicy`"""
    efs_csi_controller: bool = Field(default=False, alias="efsCSIController")
    """inline: the EFS CSI controller's access point actions (tag-scoped)"""

    @property
    def has_policy(self) -> bool:
        """A flag is on (eksctl's HasPolicy): a flag written false gives the role nothing."""
        return any(getattr(self, flag) for flag in type(self).model_fields)


class AddonPodIdentityAssociation(_Model):
    service_account_name: str
    """the add-on's service account"""
    role_arn: str = Field(alias="roleARN")
    """the role it gets"""


class Addon(_Model):
    """An EKS managed add-on (eksctl's addons[])."""

    name: str
    """listed once"""
    version: str | None = None
    """(default: EKS's default for the Kubernetes version) `latest`: the newest for it"""
    configuration_values: str | None = None
    """a JSON (or YAML) object, as a string"""
    service_account_role_arn: str | None = Field(default=None, alias="serviceAccountRoleARN")
    """the add-on's IRSA role; not on `coredns`, `kube-proxy` (pulumi-eks's options lack it)"""
    # eksctl leaves conflicts to EKS's default, none (CreateAddon, resolveConflicts).
    resolve_conflicts: Literal["none", "overwrite", "preserve"] = "none"
    """(default: `none`) `preserve` applies to updates (EKS creates with `NONE`)"""
    tags: Tags = Field(default_factory=dict)
    """not on `vpc-cni`, `coredns`, `kube-proxy`"""
    pod_identity_associations: list[AddonPodIdentityAssociation] = Field(default_factory=list)
    """not on `vpc-cni`, `coredns`, `kube-proxy`"""
    attach_policy_arns: list[str] = Field(default_factory=list, alias="attachPolicyARNs")
    """policy ARNs of an IRSA role made for the add-on's service account (`vpc-cni`, `aws-ebs-csi-driver`, `aws-efs-csi-driver`: known ones); needs `iam.withOIDC`"""  # noqa: E501
    attach_policy: dict[str, Any] = Field(default_factory=dict)
    """an inline IAM policy document on that role; needs `iam.withOIDC`"""
    well_known_policies: WellKnownPolicies = Field(default_factory=WellKnownPolicies)
    """eksctl's well-known policies on that role; one of `wellKnownPolicies`, `attachPolicyARNs`, `attachPolicy`, `serviceAccountRoleARN`; needs `iam.withOIDC`"""  # noqa: E501

    @model_validator(mode="after")
    def _check(self) -> "Addon":
        problems: list[tuple[tuple[Any, ...], str]] = []
        problems += self._role_rules()
        if self.configuration_values is not None and self.configuration_object is None:
            problems.append((("configurationValues",), "must be a JSON (or YAML) object, as EKS takes it"))
        _check_arn(self.service_account_role_arn, ("serviceAccountRoleARN",), problems, service="iam", resource="role")
        for i, pia in enumerate(self.pod_identity_associations):
            _check_arn(pia.role_arn, ("podIdentityAssociations", i, "roleARN"), problems, service="iam", resource="role")
        if self.name in PULUMI_EKS_ADDONS:
            # pulumi-eks creates these itself; its options (CoreDnsAddonOptions, KubeProxyAddonOptions,
            # VpcCniOptions in nodejs/eks/cluster/cluster.ts) carry no tags nor pod identity associations,
            # and only vpc-cni's carries a service account role.
            if self.tags:
                problems.append((("tags",), f"cannot be set on {self.name}: pulumi-eks creates it with the cluster's tags"))
            if self.pod_identity_associations:
                problems.append((("podIdentityAssociations",), f"cannot be set on {self.name}: pulumi-eks creates "
                                 "it without them" + ("; use serviceAccountRoleARN" if self.name == "vpc-cni" else "")))
            if self.service_account_role_arn and self.name != "vpc-cni":
                problems.append((("serviceAccountRoleARN",), f"cannot be set on {self.name}: pulumi-eks creates it "
                                 "without a service account role"))
        _rules(problems)
        return self

    def _role_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        """eksctl makes an IRSA role from attachPolicyARNs, wellKnownPolicies or attachPolicy, only when
        no role is given (pkg/actions/addon/create.go, Create), and takes at most one of those and
        serviceAccountRoleARN (pkg/apis/eksctl.io/v1alpha5/addon.go, checkAtMostOnePolicyProviderIsSet).
        Here the role trusts the add-on's known service account alone."""
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, arn in enumerate(self.attach_policy_arns):
            _check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        if self.attach_policy and "Statement" not in self.attach_policy:
            problems.append((("attachPolicy",), "must be an IAM policy document (with Statement)"))
        providers = [key for key, on in (("wellKnownPolicies", self.well_known_policies.has_policy),
                                         ("serviceAccountRoleARN", self.service_account_role_arn),
                                         ("attachPolicyARNs", self.attach_policy_arns),
                                         ("attachPolicy", self.attach_policy)) if on]
        for key in providers[1:]:
            problems.append(((key,), f"cannot be set together with {providers[0]} (eksctl takes at most one of "
                                     "wellKnownPolicies, serviceAccountRoleARN, attachPolicyARNs and attachPolicy)"))
        if providers and self.pod_identity_associations:
            problems.append(((providers[0],), "cannot be set together with podIdentityAssociations (eksctl takes "
                                              "IRSA or pod identity associations, not both)"))
        if not self.makes_role:
            return problems
        where = (self.role_field,)
        if self.name not in ADDON_SERVICE_ACCOUNTS:
            problems.append((where, f"the service account of add-on {self.name!r} is not known (known: "
                                    f"{', '.join(ADDON_SERVICE_ACCOUNTS)}), so no role can trust it alone; give "
                                    "serviceAccountRoleARN or podIdentityAssociations"))
        return problems

    @property
    def makes_role(self) -> bool:
        """An IRSA role is made for the add-on (from attachPolicyARNs, wellKnownPolicies or attachPolicy)."""
        return bool(self.attach_policy_arns or self.attach_policy or self.well_known_policies.has_policy)

    @property
    def role_field(self) -> str:
        """The field the made role comes from, for the paths of its problems."""
        return ("wellKnownPolicies" if self.well_known_policies.has_policy else
                "attachPolicyARNs" if self.attach_policy_arns else "attachPolicy")

    @property
    def configuration_object(self) -> dict[str, Any] | None:
        """configurationValues parsed (EKS takes a JSON object; eksctl accepts YAML too)."""
        if self.configuration_values is None:
            return None
        try:
            value = yaml.safe_load(self.configuration_values)
        except yaml.YAMLError:
            return None
        return value if isinstance(value, dict) else None

    @property
    def latest(self) -> bool:
        return self.version is not None and self.version.lower() == "latest"


class PodIdentityAssociation(_Model):
    """eksctl's iam.podIdentityAssociations[]: an existing role, or one made from policy ARNs."""

    namespace: str
    """the service account's namespace"""
    service_account_name: str
    """one association per service account"""
    role_arn: str | None = Field(default=None, alias="roleARN")
    """an existing role; else one is made, trusted by EKS Pod Identity, from `permissionPolicyARNs`, `wellKnownPolicies` and `permissionPolicy`"""  # noqa: E501
    role_name: str | None = None
    """(default: generated) the made role's name (not with `roleARN`)"""
    permission_policy_arns: list[str] = Field(default_factory=list, alias="permissionPolicyARNs")
    """policy ARNs attached to the made role (not with `roleARN`)"""
    # An inline IAM policy document, as eksctl takes it.
    permission_policy: dict[str, Any] = Field(default_factory=dict)
    """an inline IAM policy document on the made role (not with `roleARN`)"""
    well_known_policies: WellKnownPolicies = Field(default_factory=WellKnownPolicies)
    """eksctl's well-known policies on the made role (not with `roleARN`)"""
    permissions_boundary_arn: str | None = Field(default=None, alias="permissionsBoundaryARN")
    """the made role's permissions boundary (not with `roleARN`)"""
    target_role_arn: str | None = Field(default=None, alias="targetRoleARN")
    """a role to chain into (another account)"""
    disable_session_tags: bool = False
    """no session tags on the role's sessions"""
    tags: Tags = Field(default_factory=dict)
    """tags on the association and the made role"""
    create_service_account: bool = False
    """create the Kubernetes ServiceAccount too (needs the Kubernetes API: a bootstrap window)"""

    @model_validator(mode="after")
    def _check(self) -> "PodIdentityAssociation":
        # eksctl-io/eksctl pkg/ctl/cmdutils/pod_identity_association.go, validatePodIdentityAssociations.
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.role_arn is None and not (self.permission_policy_arns or self.permission_policy
                                          or self.well_known_policies.has_policy):
            problems.append((("roleARN",), "or permissionPolicyARNs, permissionPolicy or wellKnownPolicies must be set"))
        if self.permission_policy and "Statement" not in self.permission_policy:
            problems.append((("permissionPolicy",), "must be an IAM policy document (with Statement)"))
        if self.role_arn is not None:
            for key, value in (("roleName", self.role_name), ("permissionPolicyARNs", self.permission_policy_arns),
                               ("permissionPolicy", self.permission_policy),
                               ("wellKnownPolicies", self.well_known_policies.has_policy),
                               ("permissionsBoundaryARN", self.permissions_boundary_arn)):
                if value:
                    problems.append(((key,), "cannot be set when roleARN is set"))
        if self.role_name is not None and not _ROLE_NAME_RE.fullmatch(self.role_name):
            problems.append((("roleName",), "IAM takes 1-64 letters, digits and _+=,.@-"))
        _check_arn(self.role_arn, ("roleARN",), problems, service="iam", resource="role")
        _check_arn(self.target_role_arn, ("targetRoleARN",), problems, service="iam", resource="role")
        _check_arn(self.permissions_boundary_arn, ("permissionsBoundaryARN",), problems, service="iam", resource="policy")
        for i, arn in enumerate(self.permission_policy_arns):
            _check_arn(arn, ("permissionPolicyARNs", i), problems, service="iam", resource="policy")
        _rules(problems)
        return self


class ServiceAccountMetadata(_Model):
    name: str
    """the ServiceAccount's name (a DNS subdomain)"""
    namespace: str = "default"
    """(default: `default`, as eksctl) created when missing, and kept on destroy (eksctl creates it too)"""
    labels: Labels = Field(default_factory=dict)
    """labels on the ServiceAccount"""
    annotations: dict[str, str] = Field(default_factory=dict)
    """annotations on the ServiceAccount (`eks.amazonaws.com/role-arn` is set from the role)"""

    @model_validator(mode="after")
    def _check(self) -> "ServiceAccountMetadata":
        # Kubernetes: a ServiceAccount's name is a DNS-1123 subdomain, a namespace a DNS-1123 label
        # (kubernetes/kubernetes pkg/apis/core/validation/validation.go, ValidateServiceAccountName).
        problems: list[tuple[tuple[Any, ...], str]] = []
        if len(self.name) > 253 or not _K8S_PREFIX_RE.fullmatch(self.name):
            problems.append((("name",), f"{_brief(self.name)} is not a Kubernetes name (lower-case letters, digits, "
                                        "'-' and '.', starting and ending with a letter or digit, at most 253)"))
        if not _DNS_LABEL_RE.fullmatch(self.namespace):
            problems.append((("namespace",), f"{_brief(self.namespace)} is not a Kubernetes namespace (up to 63 "
                                             "lower-case letters, digits and '-', starting and ending with a letter or digit)"))
        for key in self.annotations:
            if not _check_label_key(key):
                problems.append((("annotations", key), "is not a Kubernetes qualified name ([prefix/]name)"))
            elif key == ROLE_ARN_ANNOTATION:
                problems.append((("annotations", key), "is set from the role (attachRoleARN or the role made here)"))
        _rules(problems)
        return self


class IamServiceAccount(_Model):
    """eksctl's iam.serviceAccounts[]: an IAM role trusted through the cluster's OIDC provider by one
    ServiceAccount (IRSA), and that ServiceAccount, annotated with the role's ARN."""

    metadata: ServiceAccountMetadata
    """the ServiceAccount"""
    attach_policy_arns: list[str] = Field(default_factory=list, alias="attachPolicyARNs")
    """policy ARNs attached to the made role"""
    attach_policy: dict[str, Any] = Field(default_factory=dict)
    """an inline IAM policy document on the made role"""
    well_known_policies: WellKnownPolicies = Field(default_factory=WellKnownPolicies)
    """eksctl's well-known policies on the made role"""
    attach_role_arn: str | None = Field(default=None, alias="attachRoleARN")
    """an existing role to annotate with (no role is made; not with the role's fields)"""
    role_name: str | None = None
    """(default: generated) the made role's name"""
    role_only: bool = False
    """make the role only: no ServiceAccount (then no Kubernetes API is needed)"""
    permissions_boundary: str | None = None
    """the made role's permissions boundary (a policy ARN)"""
    tags: Tags = Field(default_factory=dict)
    """tags on the made role"""
    subject_pattern: str | None = None
    """(default: the name) the service account names in the namespace the made role trusts, with `*` wildcards (`StringLike`)"""

    @model_validator(mode="after")
    def _check(self) -> "IamServiceAccount":
        # eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/validation.go, ValidateClusterConfig: a policy
        # or a role must be given. With attachRoleARN eksctl makes no role (pkg/actions/irsa), so the
        # role's own fields would be ignored: refused instead.
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not (self.attach_policy_arns or self.attach_policy or self.attach_role_arn or self.well_known_policies.has_policy):
            problems.append(((), "needs wellKnownPolicies, attachPolicyARNs, attachRoleARN or attachPolicy"))
        if self.attach_policy and "Statement" not in self.attach_policy:
            problems.append((("attachPolicy",), "must be an IAM policy document (with Statement)"))
        if self.attach_role_arn is not None:
            for key, value in (("attachPolicyARNs", self.attach_policy_arns), ("attachPolicy", self.attach_policy),
                               ("wellKnownPolicies", self.well_known_policies.has_policy), ("roleName", self.role_name),
                               ("permissionsBoundary", self.permissions_boundary), ("tags", self.tags),
                               ("subjectPattern", self.subject_pattern)):
                if value:
                    problems.append(((key,), "cannot be set when attachRoleARN is set (no role is made)"))
            if self.role_only:
                problems.append((("roleOnly",), "cannot be true with attachRoleARN: there would be nothing to create"))
        if self.role_name is not None and not _ROLE_NAME_RE.fullmatch(self.role_name):
            problems.append((("roleName",), "IAM takes 1-64 letters, digits and _+=,.@-"))
        _check_arn(self.attach_role_arn, ("attachRoleARN",), problems, service="iam", resource="role")
        _check_arn(self.permissions_boundary, ("permissionsBoundary",), problems, service="iam", resource="policy")
        for i, arn in enumerate(self.attach_policy_arns):
            _check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        _rules(problems)
        return self

    @property
    def makes_role(self) -> bool:
        return self.attach_role_arn is None


class IamIdentityMapping(_Model):
    """eksctl's iamIdentityMappings[] (identitymapping.go): an IAM role or user in the aws-auth ConfigMap."""

    arn: str
    """an IAM role or user ARN"""
    username: str | None = None
    """(default: the ARN, as pulumi-eks documents it) the Kubernetes user name"""
    groups: list[str] = Field(default_factory=list)
    """Kubernetes groups"""
    no_duplicate_arns: bool = Field(default=False, alias="noDuplicateARNs")
    """refuse a second mapping of this ARN (an identical one is sent once, as eksctl skips it)"""

    @model_validator(mode="after")
    def _check(self) -> "IamIdentityMapping":
        # eksctl-io/eksctl pkg/iam/mapping.go, NewIdentity: a role or user ARN, and a user name or groups.
        problems: list[tuple[tuple[Any, ...], str]] = []
        _check_arn(self.arn, ("arn",), problems, service="iam", resource=("role", "user"))
        if not self.username and not self.groups:
            problems.append(((), "needs a username or groups"))
        _rules(problems)
        return self

    @property
    def is_role(self) -> bool:
        m = _ARN_RE.match(self.arn)
        return bool(m and m["resource"].startswith("role/"))

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return self.arn, self.username or self.arn, tuple(sorted(self.groups))


class AutoModeConfig(_Model):
    """EKS Auto Mode (eksctl's autoModeConfig, auto_mode.go)."""

    enabled: bool = False
    """turn Auto Mode on"""
    node_pools: list[str] | None = None
    """(default: `[general-purpose, system]`) known pools, once each; `[]` for none"""
    node_role_arn: str | None = Field(default=None, alias="nodeRoleARN")
    """(default: made by pulumi-eks) the node role's ARN; not with `nodePools: []`"""
    permissions_boundary_arn: str | None = Field(default=None, alias="permissionsBoundaryARN")
    """an IAM policy ARN: the permissions boundary of the node role pulumi-eks makes; not with `nodeRoleARN` or `nodePools: []`"""  # noqa: E501

    @model_validator(mode="after")
    def _check(self) -> "AutoModeConfig":
        # eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/auto_mode.go, ValidateAutoModeConfig.
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not self.enabled and (self.node_pools or self.node_role_arn or self.permissions_boundary_arn):
            problems.append((("enabled",), "must be true to set nodePools, nodeRoleARN or permissionsBoundaryARN"))
        if self.node_pools is not None and not self.node_pools and self.node_role_arn:
            problems.append((("nodeRoleARN",), "cannot be set when nodePools is empty"))
        # No node role is made with nodeRoleARN or without node pools: a boundary would go nowhere.
        if self.permissions_boundary_arn is not None:
            if self.node_pools is not None and not self.node_pools:
                problems.append((("permissionsBoundaryARN",), "cannot be set when nodePools is empty"))
            if self.node_role_arn is not None:
                problems.append((("permissionsBoundaryARN",), "cannot be set when nodeRoleARN is set"))
            _check_arn(self.permissions_boundary_arn, ("permissionsBoundaryARN",), problems, service="iam",
                       resource="policy")
        seen: set[str] = set()
        for i, pool in enumerate(self.node_pools or []):
            if pool not in AUTO_MODE_NODE_POOLS:
                problems.append((("nodePools", i), f"unknown node pool {pool!r}; allowed: {', '.join(AUTO_MODE_NODE_POOLS)}"))
            if pool in seen:
                problems.append((("nodePools", i), f"{pool!r} is listed twice"))
            seen.add(pool)
        _check_arn(self.node_role_arn, ("nodeRoleARN",), problems, service="iam", resource="role")
        _rules(problems)
        return self

    @property
    def pools(self) -> list[str]:
        return list(AUTO_MODE_NODE_POOLS) if self.node_pools is None else list(self.node_pools)


class AccessConfig(_Model):
    authentication_mode: Literal["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"] = "API"
    """how nodes and users are authorised (API: access entries, no aws-auth)"""
    bootstrap_cluster_creator_admin_permissions: bool = True
    """the creator gets cluster-admin (set when the cluster is created); `false` only with `API`"""
    access_entries: list[AccessEntry] = Field(default_factory=list)
    """EKS access entries (`aws.eks.AccessEntry`); not in `CONFIG_MAP` mode; one per principal"""

    @model_validator(mode="after")
    def _check(self) -> "AccessConfig":
        problems: list[tuple[tuple[Any, ...], str]] = []
        # eksctl refuses access entries in CONFIG_MAP mode (validation.go, ValidateClusterConfig), and
        # EKS has no access entries there.
        if self.access_entries and not self.uses_access_entries:
            problems.append((("accessEntries",), "needs authenticationMode API or API_AND_CONFIG_MAP "
                             "(CONFIG_MAP mode has no access entries)"))
        seen: dict[str, int] = {}
        for i, entry in enumerate(self.access_entries):
            if entry.principal_arn in seen:
                problems.append((("accessEntries", i, "principalARN"),
                                 f"{entry.principal_arn!r} already has an entry (accessEntries[{seen[entry.principal_arn]}])"))
            seen.setdefault(entry.principal_arn, i)
        # pulumi-eks writes the aws-auth ConfigMap through the Kubernetes API, as the cluster's
        # creator, whenever the mode supports the ConfigMap (nodejs/eks/cluster/cluster.ts): without
        # the creator's admin access that write is refused and the update fails half-way.
        if not self.bootstrap_cluster_creator_admin_permissions and self.uses_config_map:
            problems.append((("bootstrapClusterCreatorAdminPermissions",),
                             f"can be false only with authenticationMode API: in {self.authentication_mode} mode the "
                             "aws-auth ConfigMap is written through the Kubernetes API by the cluster's creator"))
        _rules(problems)
        return self

    @property
    def uses_config_map(self) -> bool:
        """pulumi-eks's supportsConfigMap (nodejs/eks/cluster/authenticationMode.ts)."""
        return self.authentication_mode in ("CONFIG_MAP", "API_AND_CONFIG_MAP")

    @property
    def uses_access_entries(self) -> bool:
        """pulumi-eks's supportsAccessEntries (nodejs/eks/cluster/authenticationMode.ts)."""
        return self.authentication_mode in ("API", "API_AND_CONFIG_MAP")


class IamSettings(_Model):
    with_oidc: bool = Field(default=False, alias="withOIDC")
    """create the OIDC provider (IRSA)"""
    service_role_permissions_boundary: str | None = None
    """an IAM policy ARN: the permissions boundary of the cluster's role (pulumi-eks makes the role)"""
    fargate_pod_execution_role_permissions_boundary: str | None = None
    """an IAM policy ARN: the permissions boundary of the Fargate pod execution role (made with `fargateProfiles`)"""
    pod_identity_associations: list[PodIdentityAssociation] = Field(default_factory=list)
    """EKS Pod Identity associations; need the `eks-pod-identity-agent` add-on (or Auto Mode); add the `eks-auth` endpoint"""
    service_accounts: list[IamServiceAccount] = Field(default_factory=list)
    """IAM roles for service accounts (IRSA) and their ServiceAccounts; need `withOIDC: true`; a ServiceAccount needs the Kubernetes API"""

    @model_validator(mode="after")
    def _check(self) -> "IamSettings":
        # EKS allows one association per service account (CreatePodIdentityAssociation: ResourceInUse).
        problems: list[tuple[tuple[Any, ...], str]] = []
        # eksctl puts them on the roles it makes (pkg/cfn/builder/iam.go, fargate.go); IAM takes a policy ARN.
        for field_name, arn in (("serviceRolePermissionsBoundary", self.service_role_permissions_boundary),
                                ("fargatePodExecutionRolePermissionsBoundary",
                                 self.fargate_pod_execution_role_permissions_boundary)):
            _check_arn(arn, (field_name,), problems, service="iam", resource="policy")
        seen: dict[tuple[str, str], int] = {}
        for i, pia in enumerate(self.pod_identity_associations):
            key = (pia.namespace, pia.service_account_name)
            if key in seen:
                problems.append((("podIdentityAssociations", i), f"service account {key[0]}/{key[1]} already has an "
                                 f"association (podIdentityAssociations[{seen[key]}])"))
            seen.setdefault(key, i)
        # eksctl validation.go, ValidateClusterConfig: IRSA needs the OIDC provider, and each
        # <namespace>/<name> is listed once.
        if self.service_accounts and not self.with_oidc:
            problems.append((("serviceAccounts",), "needs iam.withOIDC: true (the roles trust the cluster's OIDC provider)"))
        names: dict[tuple[str, str], str] = {}
        for i, pia in enumerate(self.pod_identity_associations):
            if pia.create_service_account:
                names.setdefault((pia.namespace, pia.service_account_name), f"podIdentityAssociations[{i}]")
        for i, sa in enumerate(self.service_accounts):
            key = (sa.metadata.namespace, sa.metadata.name)
            if key in names:
                problems.append((("serviceAccounts", i, "metadata"), f"service account {key[0]}/{key[1]} is already "
                                 f"listed ({names[key]})"))
            names.setdefault(key, f"serviceAccounts[{i}]")
        _rules(problems)
        return self


class ClusterLogging(_Model):
    enable_types: list[str] = Field(default_factory=list)
    """`api`, `audit`, `authenticator`, `controllerManager`, `scheduler`, or `all`; adds the `logs` endpoint"""
    log_retention_in_days: int | None = None
    ("""(default: never expire) one of eksctl's values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, """
     """3653); needs `enableTypes`; makes the log group `/aws/eks/<name>/cluster` before the cluster""")

    @model_validator(mode="after")
    def _check(self) -> "ClusterLogging":
        # eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/validation.go, validateCloudWatchLogging.
        problems: list[tuple[tuple[Any, ...], str]] = []
        days = self.log_retention_in_days
        if days is not None:
            if not self.enable_types:
                problems.append((("logRetentionInDays",), "cannot be set without enableTypes"))
            if days not in LOG_RETENTION_DAYS:
                problems.append((("logRetentionInDays",), f"{days} is not one of {', '.join(map(str, LOG_RETENTION_DAYS))}"))
        _rules(problems)
        return self

    @field_validator("enable_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        if "all" in v or "*" in v:
            return list(LOG_TYPES)
        bad = [t for t in v if t not in LOG_TYPES]
        if bad:
            raise ValueError(f"unknown log type(s) {', '.join(map(repr, bad))}; allowed: {', '.join(LOG_TYPES)}, all")
        return v


class CloudWatch(_Model):
    cluster_logging: ClusterLogging = Field(default_factory=ClusterLogging)
    """control-plane logging"""


class Taint(_Model):
    key: str
    """the taint's key"""
    value: str | None = None
    """the taint's value"""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
    """the taint's effect"""

    # Kubernetes validates a taint's key as a label key and its value as a label value
    # (kubernetes/kubernetes pkg/apis/core/validation/validation.go, validateTaints).
    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not _check_label_key(v):
            raise ValueError(f"{v!r} is not a Kubernetes qualified name ([prefix/]name, the name up to 63 letters, "
                             "digits, '-', '_', '.', starting and ending with a letter or digit)")
        return v

    @field_validator("value")
    @classmethod
    def _value(cls, v: str | None) -> str | None:
        if v and not _K8S_NAME_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not a Kubernetes label value (up to 63 letters, digits, '-', '_', '.', "
                             "starting and ending with a letter or digit)")
        return v


class AddonPolicies(_Model):
    """eksctl's iam.withAddonPolicies: AWS managed policies for some, inline policies of eksctl's own
    for the others (pkg/cfn/builder/iam_helper.go; the statements are components/addon_policies.py)."""

    image_builder: bool = False
    """`AmazonEC2ContainerRegistryPowerUser`"""
    auto_scaler: bool = False
    """inline: cluster-autoscaler's Auto Scaling and EC2 actions"""
    external_dns: bool = Field(default=False, alias="externalDNS")
    """inline: Route 53 record changes and hosted zone listing"""
    cert_manager: bool = False
    """inline: Route 53 record changes, hosted zone listing and `GetChange` (DNS01)"""
    app_mesh: bool = False
    """inline: Cloud Map and Route 53 health checks, `appmesh:*`"""
    app_mesh_preview: bool = False
    """inline: as `appMesh`, with `appmesh-preview:*`"""
    ebs: bool = False
    """`service-role/AmazonEBSCSIDriverPolicy`"""
    fsx: bool = False
    """inline: `fsx:*` and service-linked roles"""
    efs: bool = False
    """inline: `elasticfilesystem:*` and the network interface actions"""
    aws_load_balancer_controller: bool = False
    """inline: the AWS Load Balancer Controller's policy"""
    alb_ingress: bool = False
    """deprecated name of `awsLoadBalancerController` (not with it)"""
    x_ray: bool = False
    """inline: X-Ray trace and sampling actions"""
    cloud_watch: bool = False
    """`CloudWatchAgentServerPolicy`"""

    @model_validator(mode="after")
    def _check(self) -> "AddonPolicies":
        # eksctl validation.go, validateDeprecatedIAMFields.
        if self.alb_ingress and self.aws_load_balancer_controller:
            _rules([(("albIngress",), "cannot be set together with awsLoadBalancerController (albIngress is its "
                     "deprecated name)")])
        return self


class NodeGroupIAM(_Model):
    attach_policy_arns: list[str] = Field(default_factory=list, alias="attachPolicyARNs")
    """(default: eksctl's node policies) policy ARNs; they replace the default policies, as in eksctl"""
    instance_role_arn: str | None = Field(default=None, alias="instanceRoleARN")
    """(default: a new role) an existing node role's ARN (not in `CONFIG_MAP` mode; not with `attachPolicyARNs` or `withAddonPolicies`)"""
    instance_role_permissions_boundary: str | None = None
    """an IAM policy ARN: the node role's permissions boundary (not with `instanceRoleARN`)"""
    with_addon_policies: AddonPolicies = Field(default_factory=AddonPolicies)
    """eksctl's add-on policies on the node role (not with `instanceRoleARN`)"""

    @model_validator(mode="after")
    def _check(self) -> "NodeGroupIAM":
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, arn in enumerate(self.attach_policy_arns):
            _check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        _check_arn(self.instance_role_arn, ("instanceRoleARN",), problems, service="iam", resource="role")
        _check_arn(self.instance_role_permissions_boundary, ("instanceRolePermissionsBoundary",), problems,
                   service="iam", resource="policy")
        # eksctl validation.go, validateNodeGroupIAM: an existing role takes none of the role-making fields.
        if self.instance_role_arn is not None:
            if self.attach_policy_arns:
                problems.append((("attachPolicyARNs",), "cannot be set when instanceRoleARN is set"))
            if self.instance_role_permissions_boundary is not None:
                problems.append((("instanceRolePermissionsBoundary",), "cannot be set when instanceRoleARN is set"))
            # eksctl refuses the flags that are on (validateNodeGroupIAMWithAddonPolicies).
            for flag, f in AddonPolicies.model_fields.items():
                if getattr(self.with_addon_policies, flag):
                    problems.append((("withAddonPolicies", f.alias or to_camel(flag)),
                                     "cannot be set when instanceRoleARN is set"))
        _rules(problems)
        return self


def _node_config_problems(text: str) -> list[tuple[tuple[Any, ...], str]]:
    """An AmazonLinux2023 overrideBootstrapCommand is a nodeadm NodeConfig (eksctl nodebootstrap/al2023.go,
    stringToNodeConfig; nodeadm reads documents of kind NodeConfig, apiVersion node.eks.aws/...)."""
    try:
        doc = input_files.load_yaml_snippet(text)
    except yaml.YAMLError as e:
        return [(("overrideBootstrapCommand",), f"is not a nodeadm NodeConfig on AmazonLinux2023: {yaml_error_message(e)}")]
    if not isinstance(doc, Mapping) or doc.get("kind") != "NodeConfig" \
            or not str(doc.get("apiVersion", "")).startswith("node.eks.aws/"):
        return [(("overrideBootstrapCommand",), "must be a nodeadm NodeConfig on AmazonLinux2023 (a YAML document with "
                 "apiVersion: node.eks.aws/v1alpha1 and kind: NodeConfig), not a script")]
    return []


_VOLUME_IOPS = {"gp3": (3000, 16000), "io1": (100, 64000), "io2": (100, 256000)}
_THROUGHPUT = (DEFAULT_GP3_THROUGHPUT, 1000)


# The keys EC2 ImportKeyPair takes: RSA or ED25519 public keys (EC2 API Reference, ImportKeyPair), in
# OpenSSH's one-line form as eksctl reads them (pkg/ssh/client/ssh.go, ssh.ParseAuthorizedKey).
SSH_KEY_TYPES = ("ssh-rsa", "ssh-ed25519")


def _ssh_public_key_problem(key: str) -> str | None:
    """Why ``key`` is not an OpenSSH public key EC2 would import, or None: ``TYPE BASE64 [comment]`` on
    one line, the base64 blob starting with the same type name (the SSH wire format, RFC 4253 6.6)."""
    parts = key.strip().split(None, 2)
    if "\n" in key.strip() or len(parts) < 2:
        return "is not an OpenSSH public key (one line: the key type, the base64 key and an optional comment)"
    kind, blob = parts[0], parts[1]
    if kind not in SSH_KEY_TYPES:
        return (f"{_brief(kind)} keys are not imported by EC2 (ImportKeyPair takes {', '.join(SSH_KEY_TYPES)} "
                "public keys)")
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return "is not an OpenSSH public key: the key is not base64"
    n = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else -1
    if raw[4:4 + n] != kind.encode() or len(raw) <= 4 + n:
        return f"is not an OpenSSH public key: the key's data is not a {kind} key"
    return None


class NodeSSH(_Model):
    """SSH to the nodes with an EC2 key pair; reachable from inside the VPC only (eksctl's NodeGroupSSH)."""

    allow: bool = False
    """open port 22 from the VPC CIDR, or from `sourceSecurityGroupIds` (eksctl's rule for private nodes); needs a key"""
    public_key_name: str | None = None
    """an existing EC2 key pair's name; not with `publicKey`"""
    public_key: str | None = None
    """an OpenSSH public key (`ssh-rsa` or `ssh-ed25519`, one line) imported as the group's EC2 key pair; not with `publicKeyName`"""  # noqa: E501
    source_security_group_ids: list[str] = Field(default_factory=list, alias="sourceSecurityGroupIds")
    """(default: the VPC CIDR) security groups (`sg-...`) SSH is opened from instead; needs `allow: true`"""

    @model_validator(mode="after")
    def _check(self) -> "NodeSSH":
        problems: list[tuple[tuple[Any, ...], str]] = []
        # eksctl validation.go, validateNodeGroupSSH: one key source per node group.
        if self.public_key_name and self.public_key:
            problems.append((("publicKey",), "cannot be set together with publicKeyName (eksctl: only one of "
                             "publicKeyName, publicKeyPath or publicKey)"))
        elif self.public_key is not None and (why := _ssh_public_key_problem(self.public_key)):
            problems.append((("publicKey",), why))
        # eksctl would upload ~/.ssh/id_rsa.pub without a key (defaults.go, setSSHDefaults); private-eks
        # reads no local files.
        if self.allow and not (self.public_key_name or self.public_key):
            problems.append((("publicKeyName",), "or publicKey is required with allow: true (private-eks does not "
                             "read ~/.ssh/id_rsa.pub as eksctl would)"))
        # eksctl makeSSHIngressRules opens SSH from these groups only when allow is true; ignoring them
        # silently would leave the user thinking SSH is open from them.
        if self.source_security_group_ids and not self.allow:
            problems.append((("sourceSecurityGroupIds",), "needs allow: true (SSH is opened from them only then)"))
        _check_security_group_ids(self.source_security_group_ids, "sourceSecurityGroupIds", problems)
        _rules(problems)
        return self


# eksctl's kubelet settings that kubeletExtraConfig may not override (validation.go,
# validateNodeGroupKubeletExtraConfig: "critical to eksctl functionality").
KUBELET_FORBIDDEN = ("kind", "apiVersion", "address", "clusterDomain", "authentication", "authorization",
                     "serverTLSBootstrap")
# Bottlerocket's settings.kubernetes keys that come from the cluster or from other node group fields
# (eksctl validation.go checkBottlerocketSettings, nodebootstrap/managed_bottlerocket.go
# validateBottlerocketSettings; pulumi-eks nodes/userdata.ts merges the user's keys over its own).
_BOTTLEROCKET_OWNED = {"node-labels": "use labels", "node-taints": "use taints", "max-pods": "use maxPodsPerNode",
                       "cluster-name": "set from the cluster", "api-server": "set from the cluster",
                       "cluster-certificate": "set from the cluster"}
_LAUNCH_TEMPLATE_ID_RE = re.compile(r"^lt-[0-9a-f]+$")


class NodeGroupBottlerocket(_Model):
    """Bottlerocket's settings (eksctl's bottlerocket; pulumi-eks bottlerocketSettings)."""

    enable_admin_container: bool | None = None
    """(default: on with `ssh.allow`, as eksctl; else Bottlerocket's, off) `settings.host-containers.admin.enabled`"""
    settings: dict[str, Any] | None = None
    """Bottlerocket API settings (TOML as a mapping); not `kubernetes.node-labels`, `node-taints`, `max-pods` or the cluster's own keys"""


class LaunchTemplate(_Model):
    """An existing EC2 launch template for a managed node group (eksctl's launchTemplate)."""

    id: str
    """the launch template's id (`lt-...`); it must require IMDSv2 tokens"""
    version: str | None = None
    """(default: the template's default version) a version number, quoted, 1 or more"""

    @model_validator(mode="after")
    def _check(self) -> "LaunchTemplate":
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not _LAUNCH_TEMPLATE_ID_RE.fullmatch(self.id):
            problems.append((("id",), f"{_brief(self.id)} is not a launch template id (lt- and hexadecimal digits)"))
        # eksctl validation.go: a version number >= 1 ($Default and $Latest are not supported there).
        if self.version is not None and (not self.version.isdigit() or int(self.version) < 1):
            problems.append((("version",), f"{_brief(self.version)} is not a version number (1 or more)"))
        _rules(problems)
        return self


# EC2 security group ids: sg- and 8 or 17 hexadecimal digits.
_SG_RE = re.compile(r"^sg-([0-9a-f]{8}|[0-9a-f]{17})$")


def _check_security_group_ids(ids: list[str], field: str, problems: list[tuple[tuple[Any, ...], str]]) -> None:
    """Each an EC2 security group id, listed once."""
    seen: set[str] = set()
    for i, sg in enumerate(ids):
        if not _SG_RE.fullmatch(sg):
            problems.append(((field, i), f"{_brief(sg)} is not a security group id (sg- and 8 or 17 hexadecimal digits)"))
        elif sg in seen:
            problems.append(((field, i), f"{sg!r} is listed twice"))
        seen.add(sg)


class NodeSecurityGroups(_Model):
    """eksctl's securityGroups of a node group (types.go, NodeGroupSGs)."""

    attach_ids: list[str] = Field(default_factory=list, alias="attachIDs")
    """existing security groups (`sg-...`) for the nodes, besides the group's own"""
    with_shared: bool | None = None
    ("""(default: `true` for self-managed groups) the security group shared by all self-managed groups, open to the """
     """cluster security group of managed nodes and the control plane; not on managed groups""")
    with_local: bool | None = None
    """(default: `true` for self-managed groups) the group's own security group; pulumi-eks always makes it, so `true` only; not on managed groups"""  # noqa: E501

    @model_validator(mode="after")
    def _check(self) -> "NodeSecurityGroups":
        problems: list[tuple[tuple[Any, ...], str]] = []
        _check_security_group_ids(self.attach_ids, "attachIDs", problems)
        _rules(problems)
        return self


class _NodeGroupBase(_Model):
    name: str
    """unique across all node groups; a letter or digit, then letters, digits, `-` (at most 63)"""
    instance_type: str | None = None
    ("""(default: `m5.large`) the instance type (managed node groups: not with `instanceTypes`; self-managed: unset or """
     """`mixed` with `instancesDistribution`)""")
    desired_capacity: int | None = Field(default=None, ge=0)
    """(default: minSize) how many nodes"""
    min_size: int | None = Field(default=None, ge=0)
    """(default: desiredCapacity, else 2) `minSize <= desiredCapacity <= maxSize`; `minSize: 0` alone scales from zero"""
    max_size: int | None = Field(default=None, ge=1)
    """(default: desiredCapacity, else minSize (1 when that is 0)) the most nodes"""
    volume_size: int | None = Field(default=None, ge=1)
    """(default: 80) root volume, GiB (gp3)"""
    labels: Labels = Field(default_factory=dict)
    """Kubernetes node labels (Kubernetes' rules for label keys and values)"""
    taints: list[Taint] = Field(default_factory=list)
    """`{key, value, effect}`"""
    tags: Tags = Field(default_factory=dict)
    """tags on the node group's resources"""
    # No default on purpose: unset is an error, as in eksctl's privateCluster validation.
    private_networking: bool | None = None
    """(default: **none**: it must be written) must be `true`"""
    # The node OS: the families pulumi-eks builds nodes for (OperatingSystem: AL2, AL2023, Bottlerocket).
    ami_family: Literal["AmazonLinux2023", "AmazonLinux2", "Bottlerocket"] = DEFAULT_AMI_FAMILY
    ("""(default: `AmazonLinux2023`) the node OS (pulumi-eks's operating systems); `AmazonLinux2` only before Kubernetes 1.33 """
     """unless `ami` is given""")
    ami: str | None = None
    """(default: the EKS-optimised AMI) a custom AMI of the family"""
    volume_type: Literal["gp2", "gp3", "io1", "io2", "sc1", "st1"] = DEFAULT_VOLUME_TYPE
    """the root volume's EBS type"""
    volume_iops: int | None = Field(default=None, alias="volumeIOPS")
    """(default: gp3 3000, io1/io2 100) gp3 3000–16000, io1 100–64000, io2 100–256000"""
    volume_throughput: int | None = None
    """(default: 125 with gp3) MiB/s; gp3 only, 125–1000"""
    volume_encrypted: bool | None = None
    """(default: the account's EBS default) encrypt the root volume"""
    volume_kms_key_id: str | None = Field(default=None, alias="volumeKmsKeyID")
    """the KMS key (id, alias or ARN); needs `volumeEncrypted: true`"""
    iam: NodeGroupIAM = Field(default_factory=NodeGroupIAM)
    """the node role"""
    availability_zones: list[str] = Field(default_factory=list)
    """(default: all the cluster's) only AZs of the cluster's private subnets"""
    subnets: list[str] = Field(default_factory=list)
    ("""(default: all the private subnets) names (keys of `vpc.subnets.private`) or ids of the cluster's private subnets only; """
     """not with `availabilityZones`""")
    ssh: NodeSSH = Field(default_factory=NodeSSH)
    """SSH access"""
    security_groups: NodeSecurityGroups = Field(default_factory=NodeSecurityGroups)
    """the nodes' security groups"""
    # IMDSv2 is always required here; eksctl's field is accepted when it says the same.
    disable_imdsv1: bool = Field(default=True, alias="disableIMDSv1")
    """must be `true`: IMDSv2 is always required"""
    max_pods_per_node: int = Field(default=0, ge=0)
    """(default: the AMI's, from the instance type) the kubelet's `maxPods`; 0 leaves it to the AMI"""
    pre_bootstrap_commands: list[str] = Field(default_factory=list)
    ("""shell commands run before the node joins (AmazonLinux2023: before nodeadm starts the kubelet; AmazonLinux2: only with """
     """`overrideBootstrapCommand`); not on Bottlerocket""")
    override_bootstrap_command: str | None = None
    ("""AmazonLinux2023: a nodeadm `NodeConfig` document merged last; AmazonLinux2: the script that joins the node, in """
     """place of pulumi-eks's (managed node groups: only with `ami`); not on Bottlerocket""")
    bottlerocket: NodeGroupBottlerocket | None = None
    """Bottlerocket settings; only with `amiFamily: Bottlerocket`"""

    @model_validator(mode="after")
    def _check(self) -> "_NodeGroupBase":
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.private_networking is None:
            problems.append((("privateNetworking",), "must be set to true in a fully-private cluster (it is not defaulted)"))
        elif self.private_networking is False:
            problems.append((("privateNetworking",), "must be true in a fully-private cluster"))
        if not _NAME_RE.fullmatch(self.name) or len(self.name) > NODE_GROUP_NAME_MAX:
            problems.append((("name",), f"{NAME_RULE} (at most {NODE_GROUP_NAME_MAX})"))
        lo, want, hi = self.min_size, self.desired_capacity, self.max_size
        if lo is not None and want is not None and lo > want:
            problems.append((("minSize",), f"{lo} is greater than desiredCapacity {want}"))
        if want is not None and hi is not None and want > hi:
            problems.append((("desiredCapacity",), f"{want} is greater than maxSize {hi}"))
        if lo is not None and hi is not None and lo > hi:
            problems.append((("minSize",), f"{lo} is greater than maxSize {hi}"))
        elif hi is not None and want is None and lo is None and hi < DEFAULT_NODE_COUNT:
            problems.append((("maxSize",), f"{hi} is less than the default minSize {DEFAULT_NODE_COUNT}; "
                                           "set minSize or desiredCapacity too"))
        problems += self._image_and_volume_rules()
        problems += self._bootstrap_rules()
        if not self.disable_imdsv1:
            problems.append((("disableIMDSv1",), "must be true: nodes here always require IMDSv2"))
        if self.instance_type == MIXED_INSTANCE_TYPE and getattr(self, "instances_distribution", None) is None:
            # eksctl's name for "the types are instancesDistribution's" (pkg/eks/nodegroup_service.go).
            problems.append((("instanceType",), f'"{MIXED_INSTANCE_TYPE}" needs instancesDistribution (self-managed '
                             "node groups only)"))
        if self.availability_zones and self.subnets:
            problems.append((("subnets",), "cannot be set together with availabilityZones"))
        if len(set(self.availability_zones)) != len(self.availability_zones):
            problems.append((("availabilityZones",), "lists an availability zone twice"))
        _rules(problems)
        return self

    def _image_and_volume_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.ami is not None and not _AMI_RE.match(self.ami):
            problems.append((("ami",), f"{self.ami!r} is not an AMI id (ami- and 8 or 17 hexadecimal digits), "
                                       "auto or auto-ssm"))
        # eksctl validation.go, validateVolumeOpts: IOPS for gp3, io1 and io2 within their ranges,
        # throughput for gp3 only; a KMS key only with volumeEncrypted explicitly true.
        kind = self.volume_type
        if self.volume_iops is not None:
            if kind not in _VOLUME_IOPS:
                problems.append((("volumeIOPS",), f"is only supported for gp3, io1 and io2 volumes, not {kind}"))
            else:
                lo, hi = _VOLUME_IOPS[kind]
                if not lo <= self.volume_iops <= hi:
                    problems.append((("volumeIOPS",), f"must be within {lo}-{hi} for {kind}"))
        if self.volume_throughput is not None:
            if kind != "gp3":
                problems.append((("volumeThroughput",), f"is only supported for gp3 volumes, not {kind}"))
            elif not _THROUGHPUT[0] <= self.volume_throughput <= _THROUGHPUT[1]:
                problems.append((("volumeThroughput",), f"must be within {_THROUGHPUT[0]}-{_THROUGHPUT[1]}"))
        if self.volume_kms_key_id is not None:
            if self.volume_encrypted is not True:
                problems.append((("volumeKmsKeyID",), "needs volumeEncrypted: true"))
            # EC2 LaunchTemplateEbsBlockDeviceRequest.KmsKeyId: a key id, alias, key ARN or alias ARN.
            if self.volume_kms_key_id.startswith("arn:"):
                _check_arn(self.volume_kms_key_id, ("volumeKmsKeyID",), problems, service="kms", resource=("key", "alias"))
        return problems

    def _bootstrap_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        """eksctl's rules for the bootstrap fields (validation.go, ValidateNodeGroup and
        ValidateManagedNodeGroup), and pulumi-eks's where it cannot carry one (nodes/userdata.ts)."""
        problems: list[tuple[tuple[Any, ...], str]] = []
        family, managed = self.ami_family, isinstance(self, ManagedNodeGroup)
        if self.bottlerocket is not None and family != "Bottlerocket":
            problems.append((("bottlerocket",), f"can only be used with amiFamily Bottlerocket, not {family}"))
        if family == "Bottlerocket":
            # Bottlerocket runs no user data scripts: its user data is TOML settings.
            for field, value in (("preBootstrapCommands", self.pre_bootstrap_commands),
                                 ("overrideBootstrapCommand", self.override_bootstrap_command)):
                if value:
                    problems.append(((field,), "is not supported for Bottlerocket node groups (no user data scripts)"))
            if self.bottlerocket is not None:
                problems += self._bottlerocket_rules(managed)
        elif family == "AmazonLinux2023":
            if self.override_bootstrap_command is not None:
                problems += _node_config_problems(self.override_bootstrap_command)
        else:  # AmazonLinux2: pulumi-eks runs bootstrap.sh itself, extra user data only after it.
            if self.pre_bootstrap_commands and self.override_bootstrap_command is None:
                problems.append((("preBootstrapCommands",), "needs overrideBootstrapCommand on AmazonLinux2 (pulumi-eks "
                                 "runs its own user data after bootstrap.sh, not before); or use AmazonLinux2023"))
            if self.override_bootstrap_command is not None and self.max_pods_per_node:
                problems.append((("maxPodsPerNode",), "cannot be set with overrideBootstrapCommand on AmazonLinux2; "
                                 "pass --max-pods in the bootstrap command"))
        # Self-managed node groups only (the field is NodeGroup's).
        kubelet = getattr(self, "kubelet_extra_config", None)
        if kubelet is not None:
            if self.ami_family == "Bottlerocket":
                problems.append((("kubeletExtraConfig",), "is not supported for Bottlerocket node groups; "
                                 "use bottlerocket.settings.kubernetes"))
            elif self.ami_family == "AmazonLinux2":
                # pulumi-eks's AmazonLinux2 user data passes kubelet flags only (nodes/userdata.ts).
                problems.append((("kubeletExtraConfig",), "is supported on AmazonLinux2023 only (pulumi-eks gives "
                                 "AmazonLinux2 nodes kubelet flags, not a kubelet configuration)"))
            for key in kubelet:
                if key in KUBELET_FORBIDDEN:
                    problems.append((("kubeletExtraConfig", key), "may not be overridden (eksctl: it is critical to "
                                     "the node's bootstrap)"))
        if not managed and family == "AmazonLinux2" and self.override_bootstrap_command is not None:
            # pulumi-eks refuses nodeUserDataOverride with labels or taints (nodes/nodegroup.ts).
            for field, given in (("labels", bool(self.labels)), ("taints", bool(self.taints))):
                if given:
                    problems.append(((field,), "cannot be set with overrideBootstrapCommand on AmazonLinux2; pass "
                                     "them in the bootstrap command (--kubelet-extra-args)"))
        if managed and self.override_bootstrap_command is not None and family != "AmazonLinux2023" \
                and self.custom_ami is None:
            problems.append((("overrideBootstrapCommand",), "can only be set when a custom AMI (ami) is specified"))
        if managed and self.custom_ami is not None and self.max_pods_per_node:
            problems.append((("maxPodsPerNode",), "is not supported when using a custom AMI (ami)"))
        return problems

    def _bottlerocket_rules(self, managed: bool) -> list[tuple[tuple[Any, ...], str]]:
        assert self.bottlerocket is not None
        problems: list[tuple[tuple[Any, ...], str]] = []
        settings = self.bottlerocket.settings or {}
        kube = settings.get("kubernetes")
        if kube is not None and not isinstance(kube, Mapping):
            problems.append((("bottlerocket", "settings", "kubernetes"), "must be a mapping of settings"))
            kube = {}
        owned = dict(_BOTTLEROCKET_OWNED)
        if managed:  # eksctl managed_bottlerocket.go: EKS injects the cluster DNS address too
            owned["cluster-dns-ip"] = "set from the cluster"
        for key in kube or {}:
            if key in owned:
                problems.append((("bottlerocket", "settings", "kubernetes", key), f"may not be set: {owned[key]}"))
        admin = settings.get("host-containers")
        admin = admin.get("admin") if isinstance(admin, Mapping) else None
        if managed and self.bottlerocket.enable_admin_container is not None and isinstance(admin, Mapping) \
                and "enabled" in admin:
            problems.append((("bottlerocket", "enableAdminContainer"), "cannot be set together with "
                             "bottlerocket.settings.host-containers.admin.enabled"))
        return problems

    @property
    def custom_ami(self) -> str | None:
        """The AMI id, or None for the EKS-optimised AMI of the family (eksctl's auto and auto-ssm)."""
        return None if self.ami in (None, "auto", "auto-ssm") else self.ami

    @property
    def volume_iops_or_default(self) -> int | None:
        """eksctl's defaults.go: gp3 3000, io1 and io2 100 IOPS when not given."""
        if self.volume_iops is not None:
            return self.volume_iops
        return _VOLUME_IOPS[self.volume_type][0] if self.volume_type in _VOLUME_IOPS else None

    @property
    def volume_throughput_or_default(self) -> int | None:
        if self.volume_type != "gp3":
            return None
        return self.volume_throughput if self.volume_throughput is not None else DEFAULT_GP3_THROUGHPUT

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(min, desired, max) as eksctl completes them (validation.go, validateManagedNodeGroup, and
        cfn/builder/nodegroup.go): min defaults to desired, else 2; max to desired, else min, and
        to 1 when that is 0; desired to min. So ``minSize: 0`` alone scales from zero."""
        want_given, lo_given, hi_given = self.desired_capacity, self.min_size, self.max_size
        lo = lo_given if lo_given is not None else (want_given if want_given is not None else DEFAULT_NODE_COUNT)
        hi = hi_given if hi_given is not None else (want_given if want_given is not None else lo)
        if hi == 0:
            hi = DEFAULT_MAX_SIZE
        want = want_given if want_given is not None else lo
        return lo, want, hi

    @property
    def effective_volume_size(self) -> int:
        return self.volume_size if self.volume_size is not None else DEFAULT_VOLUME_SIZE


# Elastic Load Balancing's CreateLoadBalancer, LoadBalancerName: up to 32 alphanumerics and hyphens,
# not beginning or ending with a hyphen.
_ELB_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")


class AsgMetricsCollection(_Model):
    granularity: Literal["1Minute"] = "1Minute"
    """the only granularity EC2 Auto Scaling has"""
    metrics: list[str] = Field(min_length=1)
    """e.g. `GroupMinSize`, `GroupInServiceInstances`"""


# An Auto Scaling group's spot allocation strategies (botocore autoscaling InstancesDistribution,
# SpotAllocationStrategy). eksctl accepts EC2's list (validation.go, validateSpotAllocationStrategy), whose
# "diversified" is EC2 Fleet's only: an Auto Scaling group refuses it.
SpotAllocationStrategy = Literal["lowest-price", "capacity-optimized", "capacity-optimized-prioritized",
                                 "price-capacity-optimized"]
# pulumi-eks's parse of an instance type (nodejs/eks/nodes/nodegroup.ts, ec2InstanceRegex, searched, not
# anchored): a "g" processor letter is a Graviton (arm64) type, isGravitonInstance.
_INSTANCE_TYPE_RE = re.compile(r"([a-z]+)([0-9]+)([a-z])?-?([a-z]+)?\.([a-zA-Z0-9-]+)")
MAX_MIXED_INSTANCE_TYPES = 20
MAX_INSTANCE_TYPE_LENGTH = 64


class InstancesDistribution(_Model):
    """eksctl's instancesDistribution: a self-managed group's mix of instance types, spot and on-demand
    (an Auto Scaling group's mixed instances policy)."""

    instance_types: list[str]
    """1–20 instance types of one CPU architecture; the first is the launch template's, the rest override it"""
    max_price: float | None = Field(default=None, ge=0.001, allow_inf_nan=False)
    """(default: the on-demand price) the most to pay for a spot instance, USD per hour (AWS takes 0.001 or more)"""
    on_demand_base_capacity: int | None = Field(default=None, ge=0)
    """(default: 0, AWS's) nodes that are always on-demand"""
    on_demand_percentage_above_base_capacity: int | None = Field(default=None, ge=0, le=100)
    """(default: 100, AWS's: no spot) 0–100: the on-demand share of the nodes above the base, the rest spot"""
    spot_instance_pools: int | None = Field(default=None, ge=1, le=20)
    """(default: 2, AWS's) 1–20 spot pools per zone; only with `spotAllocationStrategy` `lowest-price`"""
    spot_allocation_strategy: SpotAllocationStrategy | None = None
    """(default: `lowest-price`, AWS's) how spot instances are picked"""
    capacity_rebalance: bool = False
    """replace spot instances EC2 says are at risk of interruption before it interrupts them"""

    @model_validator(mode="after")
    def _check(self) -> "InstancesDistribution":
        # eksctl validation.go, validateInstancesDistribution: 1 to 20 different types; pools 1-20, and
        # not with the capacity-optimized strategies; an Auto Scaling group takes pools with lowest-price
        # only (botocore autoscaling InstancesDistribution.SpotInstancePools: "Valid only when the
        # SpotAllocationStrategy is lowest-price"), so price-capacity-optimized is refused too.
        problems: list[tuple[tuple[Any, ...], str]] = []
        # Each different type once (a list may repeat one thousands of times), and only up to 20 of them.
        first_index = {kind: i for i, kind in reversed(list(enumerate(self.instance_types)))}
        arches: dict[bool, str] = {}
        if not first_index:
            problems.append((("instanceTypes",), "needs at least one instance type"))
        elif len(first_index) > MAX_MIXED_INSTANCE_TYPES:
            problems.append((("instanceTypes",), f"takes at most {MAX_MIXED_INSTANCE_TYPES} different instance types"))
        else:
            for kind, i in sorted(first_index.items(), key=lambda item: item[1]):
                # EC2's instance type names are under 30 characters; a longer string is none, and the
                # search below (which backtracks) stays short.
                m = _INSTANCE_TYPE_RE.search(kind) if len(kind) <= MAX_INSTANCE_TYPE_LENGTH else None
                if m is None:
                    problems.append((("instanceTypes", i), f"{_brief(kind)} is not an EC2 instance type (e.g. m5.large)"))
                    continue
                arches.setdefault(m.group(3) == "g", kind)
        if len(arches) > 1:
            # pulumi-eks picks one AMI for the group from the first type (getArchitecture refuses a mix).
            problems.append((("instanceTypes",), f"mixes CPU architectures ({arches[True]} is arm64, {arches[False]} "
                             "x86_64): the nodes share one AMI"))
        strategy = self.spot_allocation_strategy or "lowest-price"
        if self.spot_instance_pools is not None and strategy != "lowest-price":
            problems.append((("spotInstancePools",), f"cannot be set with spotAllocationStrategy {strategy} "
                             "(only with lowest-price)"))
        _rules(problems)
        return self

    @property
    def spot_max_price(self) -> str | None:
        """maxPrice as eksctl sends it (cfn/builder/nodegroup.go: fmt "%f")."""
        return None if self.max_price is None else f"{self.max_price:f}"


class NodeGroup(_NodeGroupBase):
    """A self-managed node group."""

    instance_name: str | None = None
    """the instances' `Name` tag"""
    asg_metrics_collection: list[AsgMetricsCollection] = Field(default_factory=list)
    """one entry: the Auto Scaling group's metrics"""
    target_group_arns: list[str] = Field(default_factory=list, alias="targetGroupARNs")
    """target group ARNs; the Auto Scaling group registers its instances there"""
    classic_load_balancer_names: list[str] = Field(default_factory=list)
    """Classic Load Balancers (internal ones: there is no internet here) the Auto Scaling group registers its instances with"""
    # eksctl has it on self-managed node groups only (types.go, NodeGroup.KubeletExtraConfig).
    kubelet_extra_config: dict[str, Any] | None = None
    ("""kubelet configuration (KubeletConfiguration fields), AmazonLinux2023 only; not `kind`, `apiVersion`, `address`, """
     """`clusterDomain`, `authentication`, `authorization`, `serverTLSBootstrap`""")
    instances_distribution: InstancesDistribution | None = None
    ("""mixed instance types, spot and on-demand (an Auto Scaling mixed instances policy); `instanceType` then unset or """
     """`mixed`""")

    @property
    def launch_instance_type(self) -> str:
        """The launch template's instance type: the first of a distribution's, as eksctl's
        (cfn/builder/nodegroup.go), else instanceType or the default."""
        if self.instances_distribution is not None:
            return self.instances_distribution.instance_types[0]
        return self.instance_type or DEFAULT_INSTANCE_TYPE

    @property
    def shared_security_group(self) -> bool:
        """eksctl's withShared, defaulted as eksctl does for self-managed groups (defaults.go)."""
        return self.security_groups.with_shared is not False

    @model_validator(mode="after")
    def _self_managed(self) -> "NodeGroup":
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, arn in enumerate(self.target_group_arns):
            _check_arn(arn, ("targetGroupARNs", i), problems, service="elasticloadbalancing", resource="targetgroup")
        for i, lb in enumerate(self.classic_load_balancer_names):
            if not _ELB_NAME_RE.fullmatch(lb):
                problems.append((("classicLoadBalancerNames", i), f"{_brief(lb)} is not a load balancer name "
                                 "(1-32 letters, digits and '-', not starting or ending with '-')"))
        # pulumi-eks gives every NodeGroupV2 a security group of its own (nodejs/eks/nodes/nodegroup.ts,
        # createNodeGroupSecurityGroup unless nodeSecurityGroup is given): eksctl's withLocal: false cannot be had.
        if self.security_groups.with_local is False:
            problems.append((("securityGroups", "withLocal"), "can only be true: pulumi-eks always gives a self-managed "
                             "node group its own security group (with the control plane's rules)"))
        # eksctl validation.go: one metrics collection entry (an ASG has one granularity).
        if len(self.asg_metrics_collection) > 1:
            problems.append((("asgMetricsCollection",), "takes one entry (an Auto Scaling group has one granularity)"))
        # eksctl validation.go, validateInstancesDistribution: the types are the distribution's.
        if self.instances_distribution is not None and self.instance_type not in (None, MIXED_INSTANCE_TYPE):
            problems.append((("instanceType",), f'must be unset or "{MIXED_INSTANCE_TYPE}" with instancesDistribution '
                             "(the instance types are instancesDistribution.instanceTypes)"))
        _rules(problems)
        return self


class UpdateConfig(_Model):
    max_unavailable: int | None = Field(default=None, ge=1)
    """not with the percentage"""
    max_unavailable_percentage: int | None = Field(default=None, ge=1, le=100)
    """1–100; not with `maxUnavailable`"""

    @model_validator(mode="after")
    def _check(self) -> "UpdateConfig":
        # EKS NodegroupUpdateConfig: maxUnavailable or maxUnavailablePercentage, not both.
        if self.max_unavailable is not None and self.max_unavailable_percentage is not None:
            _rules([(("maxUnavailablePercentage",), "cannot be set together with maxUnavailable")])
        return self


class NodeRepairOverride(_Model):
    node_monitoring_condition: str
    """the condition, e.g. `NetworkNotReady`"""
    node_unhealthy_reason: str
    """the reason, e.g. `InterfaceNotUp`"""
    min_repair_wait_time_mins: int = Field(ge=0)
    """minutes to wait before repairing"""
    # Passed on as eksctl does (its examples use values the EKS API documents differently).
    repair_action: str
    """passed to EKS as eksctl does"""


class NodeRepairConfig(_Model):
    enabled: bool = False
    """must be `true` for the limits below"""
    max_unhealthy_node_threshold_percentage: int | None = Field(default=None, ge=1, le=100)
    """1–100; not with the count"""
    max_unhealthy_node_threshold_count: int | None = Field(default=None, ge=1)
    """nodes unhealthy before repair stops"""
    max_parallel_nodes_repaired_percentage: int | None = Field(default=None, ge=1, le=100)
    """1–100; not with the count"""
    max_parallel_nodes_repaired_count: int | None = Field(default=None, ge=1)
    """nodes repaired at once"""
    node_repair_config_overrides: list[NodeRepairOverride] = Field(default_factory=list)
    """repair actions for given conditions"""

    @model_validator(mode="after")
    def _check(self) -> "NodeRepairConfig":
        # EKS NodeRepairConfig: each limit as a count or a percentage, not both.
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.max_unhealthy_node_threshold_percentage is not None and self.max_unhealthy_node_threshold_count is not None:
            problems.append((("maxUnhealthyNodeThresholdCount",), "cannot be set together with "
                             "maxUnhealthyNodeThresholdPercentage"))
        if self.max_parallel_nodes_repaired_percentage is not None and self.max_parallel_nodes_repaired_count is not None:
            problems.append((("maxParallelNodesRepairedCount",), "cannot be set together with "
                             "maxParallelNodesRepairedPercentage"))
        limits = (self.max_unhealthy_node_threshold_percentage, self.max_unhealthy_node_threshold_count,
                  self.max_parallel_nodes_repaired_percentage, self.max_parallel_nodes_repaired_count)
        if not self.enabled and (any(v is not None for v in limits) or self.node_repair_config_overrides):
            problems.append((("enabled",), "must be true to set the repair limits"))
        _rules(problems)
        return self


class ManagedNodeGroup(_NodeGroupBase):
    instance_types: list[str] = Field(default_factory=list)
    """several types (e.g. for spot); not with `instanceType`"""
    spot: bool = False
    """spot capacity"""
    update_config: UpdateConfig | None = None
    """(default: EKS's, 1 node at a time) how many nodes an update may take down"""
    node_repair_config: NodeRepairConfig | None = None
    """(default: off) EKS node auto repair"""
    release_version: str | None = None
    ("""(default: the newest for the cluster's version) pin the EKS-optimised AMI release, e.g. `"1.33.0-20250704"`; """
     """its Kubernetes version at most the cluster's and within the kubelet skew; not with `ami` or the bootstrap """
     """fields""")
    force_update_version: bool | None = None
    """(default: false) replace nodes on a version update even when a PodDisruptionBudget keeps pods from draining"""
    launch_template: LaunchTemplate | None = None
    ("""an existing launch template (requiring IMDSv2, without an AMI: checked by preflight); not with `instanceType`, `ami`, """
     """the volume fields, `ssh`, `securityGroups.attachIDs`, `maxPodsPerNode`, the bootstrap commands or """
     """`bottlerocket`""")

    @model_validator(mode="after")
    def _launch_template(self) -> "ManagedNodeGroup":
        if self.launch_template is None:
            return self
        # eksctl validation.go, ValidateManagedNodeGroup: these belong in the launch template. The
        # volume fields, the key pair and bottlerocket too: pulumi-eks makes no launch template of
        # its own then (nodes/nodegroup.ts, customLaunchTemplateArgs), so nothing would carry them.
        given = self.model_fields_set
        fields = {"instanceType": "instance_type", "ami": "ami", "volumeSize": "volume_size",
                  "volumeType": "volume_type", "volumeIOPS": "volume_iops", "volumeThroughput": "volume_throughput",
                  "volumeEncrypted": "volume_encrypted", "volumeKmsKeyID": "volume_kms_key_id",
                  "maxPodsPerNode": "max_pods_per_node", "preBootstrapCommands": "pre_bootstrap_commands",
                  "overrideBootstrapCommand": "override_bootstrap_command", "bottlerocket": "bottlerocket"}
        problems: list[tuple[tuple[Any, ...], str]] = [
            ((alias,), "cannot be set with launchTemplate; set it in the launch template")
                    for alias, name in fields.items() if name in given and getattr(self, name) not in (None, 0, [])]
        for key, value in (("publicKeyName", self.ssh.public_key_name), ("publicKey", self.ssh.public_key)):
            if value:
                problems.append((("ssh", key), "cannot be set with launchTemplate; set the key pair in the "
                                 "launch template"))
        # eksctl validation.go, ValidateManagedNodeGroup: ssh.allow and ssh.sourceSecurityGroupIds too.
        if self.ssh.allow:
            problems.append((("ssh", "allow"), "cannot be set with launchTemplate; set the security groups in the "
                             "launch template"))
        if self.security_groups.attach_ids:
            problems.append((("securityGroups", "attachIDs"), "cannot be set with launchTemplate; set the security "
                             "groups in the launch template"))
        _rules(problems)
        return self

    @model_validator(mode="after")
    def _security_groups(self) -> "ManagedNodeGroup":
        # eksctl validation.go, ValidateManagedNodeGroup: EKS gives managed nodes the cluster security group.
        sgs = self.security_groups
        problems = [(("securityGroups", key), "is not supported for managed node groups (their nodes get the "
                     "cluster security group; use attachIDs)") for key, value in (
                        ("withShared", sgs.with_shared), ("withLocal", sgs.with_local)) if value]
        _rules(problems)
        return self

    @model_validator(mode="after")
    def _types(self) -> "ManagedNodeGroup":
        if self.instance_type and self.instance_types:
            _rules([(("instanceTypes",), "cannot be set together with instanceType")])
        return self

    @field_validator("release_version", mode="before")
    @classmethod
    def _no_release_version(cls, v: Any) -> Any:
        # eksctl writes `releaseVersion: ""` for "none" (types.go: no omitempty on the field).
        return None if v == "" else v

    @model_validator(mode="after")
    def _release_version(self) -> "ManagedNodeGroup":
        if self.release_version is None:
            return self
        from components import upgrades

        _rules([(("releaseVersion",), message) for message in upgrades.release_version_problems(self)])
        return self


class FargateSelector(_Model):
    namespace: str
    """the pods' namespace (a Kubernetes namespace: a DNS label)"""
    labels: Labels = Field(default_factory=dict)
    """the pods' labels"""

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        # A Kubernetes namespace is a DNS-1123 label (kubernetes/apimachinery validation.go).
        if not _DNS_LABEL_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not a Kubernetes namespace (up to 63 lower-case letters, digits and '-', "
                             "starting and ending with a letter or digit)")
        return v


class FargateProfile(_Model):
    name: str
    """the profile's name: a letter or digit, then letters, digits, `-`, `_` (at most 100); not `eks-…` (reserved)"""
    selectors: list[FargateSelector] = Field(min_length=1)
    """which pods run on Fargate: at least one"""
    tags: Tags = Field(default_factory=dict)
    """tags on the profile"""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _EKS_NAME_RE.fullmatch(v):
            raise ValueError("must start with a letter or digit and contain only letters, digits, '-' and '_' "
                             "(at most 100), as EKS requires")
        if v.startswith("eks-"):  # eksctl: the prefix is reserved for profiles EKS makes itself
            raise ValueError("may not start with 'eks-' (reserved; eksctl refuses it too)")
        return v


class ControlPlaneScalingConfig(_Model):
    """EKS Provisioned Control Plane (eksctl's controlPlaneScalingConfig)."""

    tier: Literal["standard", "tier-xl", "tier-2xl", "tier-4xl", "tier-8xl"] | None = None
    """(default: EKS's, `standard`) the control plane scaling tier (set on the EKS cluster by a transform)"""


# EKS AssociateIdentityProviderConfig (botocore eks service-2.json, requiredClaimsKey/Value): claim
# names of 1-63 characters, values of 1-253.
_CLAIM_KEY_MAX, _CLAIM_VALUE_MAX = 63, 253


class IdentityProvider(_Model):
    """An OIDC identity provider for users of the Kubernetes API (eksctl's identityProviders[])."""

    name: str
    """the identity provider configuration's name"""
    type: Literal["oidc"]
    """`oidc`, the one type eksctl and EKS know"""
    issuer_url: str = Field(alias="issuerURL")
    """`https://` URL of the issuer (no query), reachable from the internet by EKS"""
    client_id: str = Field(alias="clientID")
    """the client ID (audience) of the tokens"""
    username_claim: str | None = None
    """(default: EKS's, `sub`) the claim used as the user name"""
    username_prefix: str | None = None
    """prefix of user names (`-` for none)"""
    groups_claim: str | None = None
    """the claim holding the user's groups"""
    groups_prefix: str | None = None
    """prefix of group names"""
    required_claims: dict[str, str] = Field(default_factory=dict)
    """claims a token must carry with these values"""
    tags: Tags = Field(default_factory=dict)
    """tags on the identity provider configuration"""

    @model_validator(mode="after")
    def _check(self) -> "IdentityProvider":
        # eksctl (validation.go, validateIdentityProvider): name, clientID and issuerURL are required.
        # EKS (OidcIdentityProviderConfigRequest): the issuer URL begins with https:// and has no query.
        problems: list[tuple[tuple[Any, ...], str]] = []
        for field, value in (("name", self.name), ("clientID", self.client_id), ("issuerURL", self.issuer_url)):
            if not value:
                problems.append(((field,), "must be set to a non-empty value"))
        if self.issuer_url and (not self.issuer_url.startswith("https://") or "?" in self.issuer_url
                                or len(self.issuer_url) <= len("https://")):
            problems.append((("issuerURL",), f"{_brief(self.issuer_url)} must be an https:// URL without a query"))
        for key, value in self.required_claims.items():
            if not 1 <= len(key) <= _CLAIM_KEY_MAX:
                problems.append((("requiredClaims", key), f"a claim name has 1-{_CLAIM_KEY_MAX} characters"))
            if not 1 <= len(value) <= _CLAIM_VALUE_MAX:
                problems.append((("requiredClaims", key), f"a claim value has 1-{_CLAIM_VALUE_MAX} characters"))
        _rules(problems)
        return self


# EKS Capabilities (eksctl pkg/apis/eksctl.io/v1alpha5/capability.go; EKS CreateCapability in botocore's
# eks service-2.json): a name of letters, digits, '-' and '_'; an IAM Identity Center instance ARN as
# sso-admin's InstanceArn (botocore sso-admin service-2.json); EC2 resource ids (vpce-) of 8 or 17
# hexadecimal digits, as the AMI ids above.
_CAPABILITY_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_IDC_INSTANCE_ARN_RE = re.compile(r"^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$")
_VPCE_RE = re.compile(r"^vpce-([0-9a-f]{8}|[0-9a-f]{17})$")
# The service principal eksctl's capability roles trust (pkg/cfn/builder/iam.go,
# NewIAMRoleResourceSetForCapability), with sts:AssumeRole and sts:TagSession.
CAPABILITIES_PRINCIPAL = "capabilities.eks.amazonaws.com"
# Where Argo CD's server endpoint is made private (EKS user guide, "Configure private endpoint access
# for Argo CD"): an interface endpoint for this service, listed in networkAccess.vpceIds.
ARGOCD_ENDPOINT_SERVICE = "eks-capabilities"


def _check_access_policies(policies: "list[AccessPolicy]", loc: tuple[Any, ...],
                           problems: list[tuple[tuple[Any, ...], str]]) -> None:
    """eksctl's rules for accessPolicies (access_entry.go, validateAccessEntries)."""
    for i, ap in enumerate(policies):
        here = loc + (i,)
        _check_arn(ap.policy_arn, here + ("policyARN",), problems, service="eks", resource="cluster-access-policy")
        if ap.access_scope.type == "cluster" and ap.access_scope.namespaces:
            problems.append((here + ("accessScope", "namespaces"), "cannot be set when accessScope.type is cluster"))
        if ap.access_scope.type == "namespace" and not ap.access_scope.namespaces:
            problems.append((here + ("accessScope", "namespaces"), "needs at least one namespace when "
                             "accessScope.type is namespace"))


class SsoIdentity(_Model):
    id: str
    """the IAM Identity Center user or group id"""
    type: Literal["SSO_USER", "SSO_GROUP"]
    """a user or a group"""


class ArgoCDRoleMapping(_Model):
    role: Literal["ADMIN", "EDITOR", "VIEWER"]
    """the Argo CD role"""
    identities: list[SsoIdentity]
    """the IAM Identity Center users and groups given the role"""


class ArgoCDNetworkAccess(_Model):
    vpce_ids: list[str] = Field(default_factory=list, alias="vpceIds")
    """ids of existing interface endpoints for `eks-capabilities`: the Argo CD server is then reachable only through them"""


class ArgoCDAwsIdc(_Model):
    idc_instance_arn: str = Field(alias="idcInstanceArn")
    """the IAM Identity Center instance (`arn:aws:sso:::instance/ssoins-...`)"""
    idc_region: str | None = None
    """(default: EKS's) the instance's region"""


class ArgoCDConfiguration(_Model):
    namespace: str | None = None
    """(default: EKS's) the namespace of Argo CD's resources"""
    network_access: ArgoCDNetworkAccess | None = None
    """private access to the Argo CD server (public without it: a warning)"""
    rbac_role_mappings: list[ArgoCDRoleMapping] = Field(default_factory=list, alias="rbacRoleMappings")
    """Argo CD roles of IAM Identity Center users and groups"""
    aws_idc: ArgoCDAwsIdc | None = Field(default=None, alias="awsIdc")
    """sign-in through IAM Identity Center (required)"""


class CapabilityConfiguration(_Model):
    argocd: ArgoCDConfiguration | None = None
    """Argo CD's configuration (type `ARGOCD` only)"""


class Capability(_Model):
    """An EKS Capability (eksctl's capabilities[]: managed ACK, kro or Argo CD)."""

    name: str
    """letters, digits, `-` and `_`; unique in the cluster"""
    type: Literal["ACK", "KRO", "ARGOCD"]
    """one capability of each type per cluster"""
    role_arn: str | None = Field(default=None, alias="roleArn")
    """an existing role trusted by `capabilities.eks.amazonaws.com`; else one is made from `attachPolicyARNs`, `attachPolicy`, `permissionsBoundary`"""  # noqa: E501
    delete_propagation_policy: Literal["RETAIN"] = "RETAIN"
    """(default: `RETAIN`) the one policy EKS takes: the capability's Kubernetes resources stay when it is deleted"""
    configuration: CapabilityConfiguration | None = None
    """required for `ARGOCD`, refused for the others"""
    tags: Tags = Field(default_factory=dict)
    """tags on the capability and the made role"""
    access_policies: list[AccessPolicy] = Field(default_factory=list)
    """access policies associated with the role's access entry, which EKS makes with the capability"""
    attach_policy_arns: list[str] = Field(default_factory=list, alias="attachPolicyARNs")
    """policy ARNs attached to the made role (not with `roleArn`)"""
    attach_policy: dict[str, Any] = Field(default_factory=dict)
    """an inline IAM policy document on the made role (not with `roleArn`)"""
    permissions_boundary: str | None = None
    """the made role's permissions boundary (not with `roleArn`)"""

    @model_validator(mode="after")
    def _check(self) -> "Capability":
        # eksctl capability.go (Capability.Validate): name and type required, ARGOCD needs
        # configuration.argocd.awsIdc; pkg/cfn/builder/capability.go reads configuration as Argo CD's
        # only. EKS CreateCapability (botocore eks service-2.json): awsIdc.idcInstanceArn required.
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not _CAPABILITY_NAME_RE.fullmatch(self.name):
            problems.append((("name",), f"{_brief(self.name)} must be letters, digits, '-' and '_' (EKS's capability names)"))
        argocd = self.configuration.argocd if self.configuration else None
        if self.type == "ARGOCD":
            if argocd is None:
                problems.append((("configuration", "argocd"), "is required for an ARGOCD capability"))
            elif argocd.aws_idc is None:
                problems.append((("configuration", "argocd", "awsIdc"), "is required for an ARGOCD capability "
                                 "(Argo CD signs users in through IAM Identity Center)"))
        elif self.configuration is not None:
            problems.append((("configuration",), f"applies to ARGOCD capabilities only, not {self.type}"))
        if argocd is not None:
            loc = ("configuration", "argocd")
            if argocd.namespace is not None and not _DNS_LABEL_RE.fullmatch(argocd.namespace):
                problems.append((loc + ("namespace",), f"{_brief(argocd.namespace)} is not a Kubernetes namespace name"))
            idc = argocd.aws_idc
            if idc is not None and not _IDC_INSTANCE_ARN_RE.fullmatch(idc.idc_instance_arn):
                problems.append((loc + ("awsIdc", "idcInstanceArn"), f"{_brief(idc.idc_instance_arn)} is not an IAM "
                                 "Identity Center instance ARN (arn:aws:sso:::instance/ssoins-<16 characters>)"))
            if idc is not None and idc.idc_region is not None and catalog.known_partition(idc.idc_region) is None:
                problems.append((loc + ("awsIdc", "idcRegion"), f"{_brief(idc.idc_region)} is not an AWS region name"))
            for i, vpce in enumerate(argocd.network_access.vpce_ids if argocd.network_access else []):
                if not _VPCE_RE.fullmatch(vpce):
                    problems.append((loc + ("networkAccess", "vpceIds", i), f"{_brief(vpce)} is not a VPC endpoint id "
                                     "(vpce- and 8 or 17 hexadecimal digits)"))
            for i, mapping in enumerate(argocd.rbac_role_mappings):
                for j, identity in enumerate(mapping.identities):
                    if not identity.id:
                        problems.append((loc + ("rbacRoleMappings", i, "identities", j, "id"), "must not be empty"))
        # eksctl makes a role only without roleArn (pkg/actions/capability/creator.go) and ignores the
        # role's settings otherwise: here they are refused rather than dropped silently.
        if self.role_arn is not None:
            for key, value in (("attachPolicyARNs", self.attach_policy_arns), ("attachPolicy", self.attach_policy),
                               ("permissionsBoundary", self.permissions_boundary)):
                if value:
                    problems.append(((key,), "cannot be set when roleArn is set (it applies to the role made here)"))
        if self.attach_policy and "Statement" not in self.attach_policy:
            problems.append((("attachPolicy",), "must be an IAM policy document (with Statement)"))
        _check_arn(self.role_arn, ("roleArn",), problems, service="iam", resource="role")
        _check_arn(self.permissions_boundary, ("permissionsBoundary",), problems, service="iam", resource="policy")
        for i, arn in enumerate(self.attach_policy_arns):
            _check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        _check_access_policies(self.access_policies, ("accessPolicies",), problems)
        _rules(problems)
        return self

    @property
    def argocd(self) -> ArgoCDConfiguration | None:
        return self.configuration.argocd if self.configuration else None


class ClusterSettings(_Model):
    """``private-eks:cluster``: eksctl's ClusterConfig, restricted to fully-private clusters."""

    metadata: Metadata
    """the cluster's identity"""
    private_cluster: PrivateClusterSettings = Field(default_factory=PrivateClusterSettings)
    """fully-private options"""
    availability_zones: list[str] = Field(default_factory=list)
    """(default: the first 3 of the region) at least two AZs of the region"""
    local_zones: list[str] = Field(default_factory=list)
    """not allowed in a fully-private cluster"""
    vpc: VpcSettings = Field(default_factory=VpcSettings)
    """the network"""
    access_config: AccessConfig = Field(default_factory=AccessConfig)
    """cluster access"""
    iam: IamSettings = Field(default_factory=IamSettings)
    """IAM options"""
    cloud_watch: CloudWatch = Field(default_factory=CloudWatch)
    """CloudWatch options"""
    secrets_encryption: SecretsEncryption | None = None
    """envelope encryption of Kubernetes secrets"""
    kubernetes_network_config: KubernetesNetworkConfig = Field(default_factory=KubernetesNetworkConfig)
    """the cluster's Kubernetes network"""
    upgrade_policy: UpgradePolicy = Field(default_factory=UpgradePolicy)
    """the cluster's support policy"""
    zonal_shift_config: ZonalShiftConfig = Field(default_factory=ZonalShiftConfig)
    """ARC zonal shift"""
    control_plane_scaling_config: ControlPlaneScalingConfig = Field(default_factory=ControlPlaneScalingConfig)
    """EKS Provisioned Control Plane"""
    identity_providers: list[IdentityProvider] = Field(default_factory=list)
    """OIDC identity providers for users of the Kubernetes API (EKS allows one)"""
    capabilities: list[Capability] = Field(default_factory=list)
    """EKS Capabilities (managed ACK, kro, Argo CD); need `API` or `API_AND_CONFIG_MAP`"""
    addons: list[Addon] = Field(default_factory=list)
    ("""(default: vpc-cni, kube-proxy, coredns) EKS managed add-ons; vpc-cni and kube-proxy through pulumi-eks's own """
     """options, coredns (after the capacity that runs it) and others as `aws.eks.Addon`""")
    auto_mode_config: AutoModeConfig = Field(default_factory=AutoModeConfig)
    """EKS Auto Mode; needs `API` or `API_AND_CONFIG_MAP`; adds the `eks-auth` endpoint"""
    iam_identity_mappings: list[IamIdentityMapping] = Field(default_factory=list, alias="iamIdentityMappings")
    ("""aws-auth mappings of IAM roles and users (pulumi-eks's `roleMappings`, `userMappings`); not in `API` mode """
     """(use `accessConfig.accessEntries`)""")
    node_groups: list[NodeGroup] = Field(default_factory=list)
    """self-managed node groups"""
    managed_node_groups: list[ManagedNodeGroup] = Field(default_factory=list)
    """EKS managed node groups"""
    fargate_profiles: list[FargateProfile] = Field(default_factory=list)
    """Fargate profiles, on the private subnets"""
    deletion_protection: bool = False
    ("""(default: false, EKS's) EKS refuses to delete the cluster, and `private-eks destroy` refuses the stack, until it is """
     """set back to false and applied with `up`""")

    @field_validator("local_zones")
    @classmethod
    def _local_zones(cls, v: list[str]) -> list[str]:
        if v:
            raise ValueError("cannot be used in a fully-private cluster")
        return v

    @field_validator("availability_zones")
    @classmethod
    def _zones(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("lists an availability zone twice")
        if v and len(v) < 2:
            raise ValueError("needs at least two availability zones")
        return v

    @model_validator(mode="after")
    def _check(self) -> "ClusterSettings":
        # Rules across sections: they run once every section is well formed.
        problems: list[tuple[tuple[Any, ...], str]] = []
        seen: dict[str, str] = {}
        for kind, groups in (("nodeGroups", self.node_groups), ("managedNodeGroups", self.managed_node_groups)):
            for i, ng in enumerate(groups):
                if ng.name in seen:
                    problems.append(((kind, i, "name"), f"{ng.name!r} is already used by {seen[ng.name]}"))
                else:
                    seen[ng.name] = f"{kind}[{i}]"
        fp_seen: set[str] = set()
        for i, fp in enumerate(self.fargate_profiles):
            if fp.name in fp_seen:
                problems.append((("fargateProfiles", i, "name"), f"{fp.name!r} is listed twice"))
            fp_seen.add(fp.name)
        problems += self._cluster_rules()
        zones = self.subnet_zones()
        if not self.availability_zones and zones is not None and len(zones) < 2:
            problems.append((("vpc", "subnets", "private"), "needs subnets in at least two availability zones"))
        if self.availability_zones and zones is not None:
            missing = sorted(set(zones) - set(self.availability_zones))
            if missing:
                problems.append((("vpc", "subnets", "private"),
                                 f"has subnets in {', '.join(missing)}, not in availabilityZones"))
        _rules(problems)
        return self

    def _cluster_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        service = self.kubernetes_network_config.service_ipv4_cidr
        if service and self.vpc.cidr:
            # EKS: the service CIDR must not overlap the VPC's (CreateCluster, serviceIpv4Cidr).
            svc, vpc = ipaddress.ip_network(service), ipaddress.ip_network(self.vpc.cidr)
            if svc.version == vpc.version and svc.overlaps(vpc):
                problems.append((("kubernetesNetworkConfig", "serviceIPv4CIDR"), f"{svc} overlaps the VPC CIDR {vpc}"))
        names: dict[str, int] = {}
        for i, addon in enumerate(self.addons):
            if addon.name in names:
                problems.append((("addons", i, "name"), f"{addon.name!r} is already listed (addons[{names[addon.name]}])"))
            names.setdefault(addon.name, i)
        # eksctl refuses pod identity associations without the agent add-on unless Auto Mode, which
        # runs the agent itself (pkg/ctl/cmdutils/configfile.go, ErrPodIdentityAgentNotInstalled).
        wants_pod_identity = self.iam.pod_identity_associations or any(a.pod_identity_associations for a in self.addons)
        if wants_pod_identity and POD_IDENTITY_AGENT not in names and not self.auto_mode_config.enabled:
            where = (("iam", "podIdentityAssociations") if self.iam.pod_identity_associations else
                     ("addons", next(i for i, a in enumerate(self.addons) if a.pod_identity_associations),
                      "podIdentityAssociations"))
            problems.append((where, f"needs the {POD_IDENTITY_AGENT!r} add-on in addons (or autoModeConfig.enabled)"))
        # EKS associates at most one OIDC identity provider with a cluster (EKS user guide, "Grant
        # users access to Kubernetes with an external OIDC provider").
        if len(self.identity_providers) > 1:
            problems.append((("identityProviders", 1), "EKS associates one OIDC identity provider with a cluster"))
        problems += self._node_group_rules()
        problems += self._service_account_rules()
        from components import upgrades

        problems += upgrades.skew_problems(self)
        problems += self._capability_rules()
        # pulumi-eks refuses Auto Mode without access entries (nodejs/eks/cluster/cluster.ts).
        if self.auto_mode_config.enabled and not self.access_config.uses_access_entries:
            problems.append((("autoModeConfig", "enabled"), "needs accessConfig.authenticationMode API or "
                             "API_AND_CONFIG_MAP (Auto Mode nodes join through access entries)"))
        return problems

    def _capability_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not self.capabilities:
            return problems
        # EKS gives a capability's role an access entry (EKS user guide, "Amazon EKS capability IAM
        # role"): there are none in CONFIG_MAP mode.
        if not self.access_config.uses_access_entries:
            problems.append((("capabilities",), "needs accessConfig.authenticationMode API or API_AND_CONFIG_MAP "
                             "(EKS authorises a capability through an access entry; CONFIG_MAP mode has none)"))
        # EKS CreateCapability: one capability of each type per cluster, names unique in the cluster.
        names: dict[str, int] = {}
        types_: dict[str, int] = {}
        for i, cap in enumerate(self.capabilities):
            if cap.name in names:
                problems.append((("capabilities", i, "name"), f"{cap.name!r} is already used (capabilities[{names[cap.name]}])"))
            names.setdefault(cap.name, i)
            if cap.type in types_:
                problems.append((("capabilities", i, "type"), f"EKS allows one {cap.type} capability per cluster "
                                 f"(capabilities[{types_[cap.type]}])"))
            types_.setdefault(cap.type, i)
        # EKS makes the role's access entry itself; one given in accessEntries would be a second entry
        # for the same principal (CreateAccessEntry: one entry per principal ARN).
        entries = {e.principal_arn: j for j, e in enumerate(self.access_config.access_entries)}
        for i, cap in enumerate(self.capabilities):
            if cap.role_arn in entries:
                problems.append((("capabilities", i, "roleArn"), f"has an entry in accessConfig.accessEntries"
                                 f"[{entries[cap.role_arn]}]; EKS makes the capability role's access entry itself "
                                 "(list its policies in accessPolicies)"))
        # A role may serve several capabilities (EKS user guide, "Amazon EKS capability IAM role"), but
        # a policy is associated with its access entry once (AssociateAccessPolicy: one association
        # per principal and policy).
        associated: dict[tuple[str, str], str] = {}
        for i, cap in enumerate(self.capabilities):
            for j, policy in enumerate(cap.access_policies):
                key = (cap.role_arn or f"made for capabilities[{i}]", policy.policy_arn)
                if key in associated:
                    problems.append((("capabilities", i, "accessPolicies", j, "policyARN"), f"is already associated "
                                     f"with the same role ({associated[key]})"))
                associated.setdefault(key, f"capabilities[{i}].accessPolicies[{j}]")
        return problems

    def _node_group_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        minor = int(self.metadata.version.split(".")[1])
        zones = self.availability_zones or self.subnet_zones()
        names = self.private_subnets
        ids = {s.id for s in names.values() if s.id}
        for kind, groups in (("nodeGroups", self.node_groups), ("managedNodeGroups", self.managed_node_groups)):
            for i, ng in enumerate(groups):
                # EKS publishes no Amazon Linux 2 AMIs for Kubernetes 1.33 and later (EKS user guide,
                # "Amazon Linux 2 AMI deprecation"); pulumi-eks would find none.
                if ng.ami_family == "AmazonLinux2" and minor >= 33 and ng.custom_ami is None:
                    problems.append(((kind, i, "amiFamily"), f"AmazonLinux2 has no EKS-optimised AMI for Kubernetes "
                                     f"{self.metadata.version}; use AmazonLinux2023 or Bottlerocket"))
                # Nodes go only on the cluster's private subnets: a subset of them, never others.
                for j, az in enumerate(ng.availability_zones):
                    if zones and az not in zones:
                        problems.append(((kind, i, "availabilityZones", j), f"{az!r} is not one of the cluster's "
                                         f"availability zones ({', '.join(zones)})"))
                for j, subnet in enumerate(ng.subnets):
                    if subnet not in names and subnet not in ids:
                        known = ", ".join(list(names) + sorted(ids)) or "none: set vpc.subnets.private"
                        problems.append(((kind, i, "subnets", j), f"{subnet!r} is not a private subnet of the cluster "
                                         f"(by name or id: {known})"))
                if self.access_config.authentication_mode == "CONFIG_MAP" and ng.iam.instance_role_arn:
                    # pulumi-eks puts node roles into aws-auth only as roles it is given
                    # (instanceRoles), and refuses a managed node group whose role is not there.
                    problems.append(((kind, i, "iam", "instanceRoleARN"), "cannot be used in CONFIG_MAP mode: "
                                     "pulumi-eks maps into aws-auth only the node roles it creates"))
        return problems

    def _service_account_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, addon in enumerate(self.addons):
            # eksctl makes an add-on's IRSA role only with the OIDC provider (pkg/actions/addon/create.go).
            if addon.makes_role and not self.iam.with_oidc:
                problems.append((("addons", i, addon.role_field), "needs iam.withOIDC: true (the role trusts the cluster's "
                                 "OIDC provider)"))
        # pulumi-eks refuses role and user mappings without the ConfigMap (nodejs/eks/cluster/
        # authenticationMode.ts, validateAuthenticationMode).
        if self.iam_identity_mappings and not self.access_config.uses_config_map:
            problems.append((("iamIdentityMappings",), f"cannot be used with authenticationMode "
                             f"{self.access_config.authentication_mode}: it has no aws-auth ConfigMap; use "
                             "accessConfig.accessEntries (or authenticationMode API_AND_CONFIG_MAP)"))
        seen: dict[str, tuple[int, IamIdentityMapping]] = {}
        for i, m in enumerate(self.iam_identity_mappings):
            # eksctl pkg/actions/iamidentitymapping/create.go: with noDuplicateARNs an identical mapping
            # is skipped and a different one of the same ARN refused.
            first = seen.get(m.arn)
            if first is not None and (m.no_duplicate_arns or first[1].no_duplicate_arns) and m.key != first[1].key:
                problems.append((("iamIdentityMappings", i, "arn"), f"{m.arn!r} is already mapped "
                                 f"(iamIdentityMappings[{first[0]}]) and noDuplicateARNs is set"))
            seen.setdefault(m.arn, (i, m))
        return problems

    @property
    def aws_auth_mappings(self) -> list[IamIdentityMapping]:
        """iamIdentityMappings as they go into aws-auth: an identical repeat of a noDuplicateARNs
        mapping once (eksctl skips it)."""
        out: list[IamIdentityMapping] = []
        for m in self.iam_identity_mappings:
            if not any(o.key == m.key and (o.no_duplicate_arns or m.no_duplicate_arns) for o in out):
                out.append(m)
        return out

    @property
    def service_accounts(self) -> list[tuple[str, str]]:
        """The ServiceAccounts this program creates (namespace, name): IRSA ones (but roleOnly) and
        those of pod identity associations with createServiceAccount."""
        iam = self.iam
        return ([(sa.metadata.namespace, sa.metadata.name) for sa in iam.service_accounts if not sa.role_only]
                + [(p.namespace, p.service_account_name) for p in iam.pod_identity_associations if p.create_service_account])

    @property
    def pod_identity(self) -> bool:
        """Pods get credentials from EKS Pod Identity (through the eks-auth service)."""
        return (bool(self.iam.pod_identity_associations) or self.auto_mode_config.enabled
                or any(a.name == POD_IDENTITY_AGENT or a.pod_identity_associations for a in self.addons))

    @property
    def new_vpc(self) -> bool:
        return not self.vpc.id and not any(s.id for s in self.private_subnets.values())

    @property
    def private_subnets(self) -> dict[str, SubnetSpec]:
        return self.vpc.subnets.private if self.vpc.subnets else {}

    def subnet_zones(self) -> list[str] | None:
        """The AZs of the configured private subnets, when they can be told from the config."""
        subnets = self.private_subnets
        if not subnets:
            return None
        zones = []
        for key, s in subnets.items():
            az = subnet_zone(key, s)
            if az is None:
                return None
            zones.append(az)
        return sorted(set(zones))

    @property
    def logging_enabled(self) -> bool:
        return bool(self.cloud_watch.cluster_logging.enable_types)

    @property
    def vpc_cidr(self) -> str:
        return self.vpc.cidr or DEFAULT_VPC_CIDR


@dataclass(frozen=True)
class StackSettings:
    """Everything the program needs: the region, the cluster settings, and where they came from."""

    stack: str
    region: str
    cluster: ClusterSettings
    source: str
    warnings: tuple[str, ...] = ()
    # `up --apply-desired-size`: node groups' desiredCapacity is applied on this run, not only at
    # creation (after it the autoscaler owns it: components/upgrades.py).
    apply_desired_size: bool = False

    def endpoint_services(self) -> list[catalog.EndpointService]:
        pc = self.cluster.private_cluster
        return catalog.endpoint_services(
            logging_enabled=self.cluster.logging_enabled,
            encryption=self.cluster.secrets_encryption is not None,
            pod_identity=self.cluster.pod_identity,
            additional=pc.additional_endpoint_services,
            skip=pc.skip_endpoint_creation,
        )


# ---------------------------------------------------------------------------------- validation


def _network(cidr: str, loc: tuple[Any, ...], problems: list[tuple[tuple[Any, ...], str]]):
    try:
        return ipaddress.ip_network(cidr, strict=True)
    except ValueError as e:
        problems.append((loc, f"{cidr!r} is not a valid CIDR ({e})"))
        return None


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in options}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_of(annotation: Any) -> Any:
    """The model class inside ``X | None``, ``list[X]`` or ``dict[str, X]``, with how to step in."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                return _model_of(arg)
        return None, None
    if origin is list:
        return _model_of(get_args(annotation)[0])[0], "list"
    if origin is dict:
        return _model_of(get_args(annotation)[1])[0], "dict"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, "model"
    return None, None


def _unknown_keys(model: type[BaseModel], data: Any, loc: tuple[Any, ...]) -> list[Problem]:
    """Unknown keys anywhere in the document, each with the closest known key suggested."""
    if not isinstance(data, Mapping):
        return []
    known = {(f.alias or name): f for name, f in model.model_fields.items()}
    problems = []
    for key, value in data.items():
        if key not in known:
            names = list(known)
            problems.append(Problem(format_path(loc + (key,)), f"unknown field{_suggest(str(key), names)}"))
            continue
        sub, how = _model_of(known[key].annotation)
        if sub is None:
            continue
        if how == "model":
            problems += _unknown_keys(sub, value, loc + (key,))
        elif how == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                problems += _unknown_keys(sub, item, loc + (key, i))
        elif how == "dict" and isinstance(value, Mapping):
            for k, item in value.items():
                problems += _unknown_keys(sub, item, loc + (key, k))
    return problems


# Every whole number in the settings reaches an AWS API ``integer`` (botocore's models, e.g.
# botocore/data/eks/2017-11-01/service-2.json NodegroupScalingConfig): 32 bits, signed.
INT32_MAX = 2**31 - 1


def _oversized_numbers(data: Any) -> list[Problem]:
    """Whole numbers beyond what AWS accepts, anywhere in the document (walked without recursion:
    a hostile document may nest thousands deep)."""
    found: list[Problem] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, Mapping):
            stack.extend((loc + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((loc + (i,), v) for i, v in enumerate(node))
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT32_MAX:
            found.append(Problem(format_path(loc), f"{_brief(node)} is out of range (AWS takes whole numbers up "
                                                   f"to {INT32_MAX:,})"))
    return sorted(found, key=lambda p: p.path)


def _brief(value: Any) -> str:
    """A value as quoted in a message: short, whatever its size or depth (a hostile file's value
    may nest thousands deep or have thousands of digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, (dict, list)) and not input_files.json_depth_ok(value, 8):
        return f"a {type(value).__name__} nested more than 8 deep"
    try:
        text = repr(value)
    except ValueError:  # an integer of over 4,300 digits inside
        return f"a {type(value).__name__} holding a number of too many digits"
    return text if len(text) <= 200 else text[:197] + "..."


_TYPE_MESSAGES = {
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "list_type": "must be a list",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "missing": "is required",
}


def _problems_from(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            continue  # reported with a suggestion by _unknown_keys
        if kind == "rules":
            for sub, msg in err["ctx"]["problems"]:
                problems.append(Problem(format_path(loc + tuple(sub)), msg))
            continue
        msg = _TYPE_MESSAGES.get(kind)
        if msg is None:
            msg = err["msg"].removeprefix("Value error, ")
            if kind == "literal_error":
                msg = f"{_brief(err['input'])} is not allowed; expected {err['ctx']['expected']}"
        elif kind not in ("missing",):
            msg = f"{msg}, not {type(err['input']).__name__} {_brief(err['input'])}"
        problems.append(Problem(format_path(loc), msg))
    return problems


def _path_key(path: str) -> tuple:
    """A problem's path as a sort key: document fields by name, list items by number."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\[\]]+", path) if p)


def _one_per_typo(problems: list[Problem]) -> list[Problem]:
    """A misspelt key is one problem: the unknown key (with its suggestion), not also the field it
    meant as missing. Then a stable order: by path, then message."""
    meant = set()
    for p in problems:
        m = re.search(r"unknown (?:field|key) \(did you mean '([^']+)'\?\)", p.message)
        if m:
            parent = p.path.rsplit(".", 1)[0] if "." in p.path else ""
            meant.add(f"{parent}.{m[1]}" if parent else m[1])
    kept = [p for p in problems if not (p.path in meant and p.message in ("is required", "is missing"))]
    return sorted(kept, key=lambda p: (_path_key(p.path), p.message))


def validate_cluster(data: Any, region: Any, *, stack: str, source: str) -> StackSettings:
    """Validate ``private-eks:cluster`` and the region; raise SettingsError with every problem."""
    problems: list[Problem] = []
    warnings: list[str] = []
    if not isinstance(region, str) or not region:
        problems.append(Problem(REGION_KEY, "is required (e.g. us-west-2)"))
        region = ""
    elif not _REGION_RE.fullmatch(region):
        problems.append(Problem(REGION_KEY, f"{_brief(region)} is not an AWS region name (e.g. us-west-2)"))
        region = ""
    elif region in UNSUPPORTED_REGIONS:
        problems.append(Problem(REGION_KEY, UNSUPPORTED_REGIONS[region]))
    elif catalog.known_partition(region) is None:
        problems.append(Problem(REGION_KEY, f"{region!r} is not a region of a partition this project knows "
                                            f"({', '.join(catalog.PARTITIONS)}); endpoint service names would be guesses"))
        region = ""  # one problem: the availability zones are not checked against it
    elif eks_versions.aws_regions() and region not in eks_versions.aws_regions():
        problems.append(Problem(REGION_KEY, f"{region!r} is not an AWS region"
                                            f"{_suggest(region, sorted(eks_versions.aws_regions()))}"))
        region = ""

    if not isinstance(data, Mapping):
        what = "missing" if data is None else f"a {type(data).__name__}, not a mapping"
        raise SettingsError(source, problems + [Problem(CONFIG_KEY, f"is {what}")])

    problems += _unknown_keys(ClusterSettings, data, ())
    problems += _oversized_numbers(data)
    cluster = None
    try:
        cluster = ClusterSettings.model_validate(data)
    except ValidationError as e:
        problems += _problems_from(e)

    if cluster is not None and region:
        for i, az in enumerate(cluster.availability_zones):
            if not az.startswith(region) or not _AZ_RE.fullmatch(az):
                problems.append(Problem(f"availabilityZones[{i}]", f"{az!r} is not an availability zone of {region}"))
        for key, s in cluster.private_subnets.items():
            zone = subnet_zone(key, s)
            if zone and (not zone.startswith(region) or not _AZ_RE.fullmatch(zone)):
                problems.append(Problem(f"vpc.subnets.private.{key}", f"{zone!r} is not an availability zone of {region}"))
    if cluster is not None and region and cluster.secrets_encryption is not None:
        # EKS: the key must be in the cluster's region (EncryptionConfig, Provider.keyArn).
        m = _ARN_RE.match(cluster.secrets_encryption.key_arn)
        if m and m["region"] != region:
            problems.append(Problem("secretsEncryption.keyARN", f"the key is in {m['region'] or 'no region'}; "
                                                                f"EKS needs a key in the cluster's region {region}"))
    if cluster is not None:
        wide = wide_window(cluster.vpc.public_access_cidrs)
        if wide:
            warnings.append(f"vpc.publicAccessCIDRs: {wide}")
        for i, cap in enumerate(cluster.capabilities):
            # EKS ArgoCdNetworkAccessConfigRequest: without VPC endpoint ids the Argo CD server EKS runs
            # for the capability is public (users sign in through IAM Identity Center).
            if cap.argocd is not None and not (cap.argocd.network_access and cap.argocd.network_access.vpce_ids):
                warnings.append(
                    f"capabilities[{i}].configuration.argocd.networkAccess.vpceIds: not set, so the Argo CD server of "
                    f"{cap.name!r} is reachable from the internet; to keep it inside the VPC, create an interface "
                    f"endpoint for com.amazonaws.{region or '<region>'}.{ARGOCD_ENDPOINT_SERVICE} and list its id here")

    problems = _one_per_typo(list(dict.fromkeys(problems)))
    if problems or cluster is None:
        raise SettingsError(source, problems)
    return StackSettings(stack=stack, region=region, cluster=cluster, source=source, warnings=tuple(warnings))


# A bootstrap window this wide is named in a warning: a /8 of IPv4, a /32 of IPv6 (an ISP's block).
WIDE_ADDRESSES = {4: 2**24, 6: 2**96}


def wide_window(cidrs: Iterable[str]) -> str | None:
    """A warning when the union of ``cidrs`` is very large — however it is spelled
    (``0.0.0.0/0.0.0.0``, ``0:0:0:0:0:0:0:0/0``, ``0.0.0.0/1`` + ``128.0.0.0/1``) — else None."""
    nets: dict[int, list[Any]] = {4: [], 6: []}
    for cidr in cidrs:
        try:
            net = ipaddress.ip_network(str(cidr).strip(), strict=False)
        except ValueError:
            continue  # reported as a bad CIDR elsewhere
        nets[net.version].append(net)
    found = []
    for version, group in nets.items():
        union = list(ipaddress.collapse_addresses(group))
        size = sum(n.num_addresses for n in union)
        spelled = ", ".join(str(c) for c in cidrs if _version(c) == version)
        if any(n.prefixlen == 0 for n in union):
            found.append(f"{spelled} opens the bootstrap window to the whole internet (IPv{version})")
        elif size >= WIDE_ADDRESSES[version]:
            prefix = (32 if version == 4 else 128) - (size.bit_length() - 1)
            found.append(f"{spelled} opens the bootstrap window very wide (as many addresses as a /{prefix} of "
                         f"IPv{version}): name the addresses you reach AWS from")
    return "; ".join(found) or None


def _version(cidr: str) -> int:
    try:
        return ipaddress.ip_network(str(cidr).strip(), strict=False).version
    except ValueError:
        return 0


def yaml_error_message(e: yaml.YAMLError) -> str:
    """``YAML syntax error at line L, column C: reason`` — where a person looks first."""
    mark = getattr(e, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"YAML syntax error{where}: {getattr(e, 'problem', None) or e}"


# Pulumi's rule for a stack name (pulumi/pulumi sdk/go/common/tokens: ``^[A-Za-z0-9_.-]{1,100}$``,
# optionally qualified as ``org/project/stack``), and a first character that is a letter or digit:
# the name becomes a file name (``Pulumi.<stack>.yaml``), which must not be hidden or ``..``.
STACK_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def check_stack_name(stack: str) -> None:
    """Raise SettingsError (exit 2) unless ``stack`` is a valid, optionally qualified, stack name."""
    parts = stack.split("/") if isinstance(stack, str) else [stack]
    if len(parts) > 3 or not all(isinstance(p, str) and STACK_NAME_RE.fullmatch(p) for p in parts):
        raise SettingsError(f"--stack {stack!r}", [Problem("", (
            "not a stack name: letters, digits, '-', '_' and '.', starting with a letter or digit, at most 100 "
            "(optionally qualified as org/project/stack)"))])


def stack_name_from_path(path: Path, document: Any = None) -> str:
    m = re.match(r"^Pulumi\.(.+)\.ya?ml$", path.name)
    if m:
        return m.group(1)
    try:
        return str(document["config"][CONFIG_KEY]["metadata"]["name"])
    except (TypeError, KeyError):
        return path.stem


def load_stack_file(path: str | Path, *, stack: str | None = None, display: str | None = None) -> StackSettings:
    """Read a stack file (``config:`` → ``aws:region`` + ``private-eks:cluster``) and validate it.

    Every failure — a missing file, a YAML syntax error, a wrong shape — is a SettingsError.
    """
    path = Path(path)
    source = display or str(path)
    try:
        text = input_files.read_text(path, what="stack file")
    except FileNotFoundError:
        raise SettingsError(source, [Problem("", "no such stack file")]) from None
    except input_files.InputFileError as e:
        raise SettingsError(source, [Problem("", str(e))]) from None
    try:
        # Limits on size, depth and alias expansion; a key written twice is refused.
        doc = input_files.load_yaml(text)
    except yaml.YAMLError as e:
        raise SettingsError(source, [Problem("", yaml_error_message(e))]) from None
    return settings_from_document(doc, stack=stack or stack_name_from_path(path, doc), source=source)


def settings_from_document(doc: Any, *, stack: str, source: str) -> StackSettings:
    if doc is None:
        raise SettingsError(source, [Problem("", "the stack file is empty; it needs a config: mapping")])
    if not isinstance(doc, Mapping):
        raise SettingsError(source, [Problem("", f"the stack file must be a mapping, not a {type(doc).__name__}")])
    config = doc.get("config")
    if not isinstance(config, Mapping):
        what = "missing" if config is None else f"a {type(config).__name__}, not a mapping"
        raise SettingsError(source, [Problem("config", f"is {what}")])
    # A misspelt `private-eks:cluster` or `aws:region` is that one problem (with a suggestion), and
    # what it holds is still checked.
    typos: list[Problem] = []
    values = {}
    for wanted in (CONFIG_KEY, REGION_KEY):
        values[wanted] = config.get(wanted)
        if wanted in config:
            continue
        for key in config:
            if isinstance(key, str) and difflib.get_close_matches(key, [wanted], n=1, cutoff=0.8):
                typos.append(Problem(key, f"unknown key (did you mean {wanted!r}?)"))
                values[wanted] = config[key]
                break
    try:
        settings = validate_cluster(values[CONFIG_KEY], values[REGION_KEY], stack=stack, source=source)
    except SettingsError as e:
        if typos:
            raise SettingsError(source, _one_per_typo(typos + e.problems)) from None
        raise
    if typos:
        raise SettingsError(source, typos)
    return settings


def settings_from_pulumi_config() -> StackSettings:
    """The settings inside a running Pulumi program, from the stack's config."""
    import pulumi

    cluster = pulumi.Config(PROJECT).get_object("cluster")
    region = pulumi.Config("aws").get("region")
    stack = pulumi.get_stack()
    return validate_cluster(cluster, region, stack=stack, source=f"stacks/Pulumi.{stack}.yaml")


def field_paths(model: type[BaseModel] = ClusterSettings, prefix: str = "") -> list[str]:
    """Every settings path the models accept, e.g. ``nodeGroups[].privateNetworking``."""
    paths = []
    for name, f in model.model_fields.items():
        path = f"{prefix}{f.alias or name}"
        paths.append(path)
        sub, how = _model_of(f.annotation)
        if sub is not None:
            step = {"model": ".", "list": "[].", "dict": ".<name>."}[how]
            paths += field_paths(sub, path + step)
    return paths
