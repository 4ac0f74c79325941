"""Stack settings: the schema (eksctl's ClusterConfig names), defaults, and every validation rule.

A stack file holds ``aws:region`` and one structured key, ``private-eks:cluster``. Validation
reports every problem at once as ``PATH: message`` (PATH like ``nodeGroups[0].privateNetworking``),
headed by the stack file's name, the way eksctl's validation names config paths.

Two kinds of check run together: the shape (unknown keys with a suggestion, types, enums, CIDRs),
and the rules of each section (model validators that may report several problems at once through
``_rules``). Rules that span the whole document run once every section is well formed.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from components import catalog

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
DEFAULT_NODE_COUNT = 2
DEFAULT_MAX_SIZE = 1  # when the sizes would give a maximum of 0 (scale from zero)
DEFAULT_VOLUME_SIZE = 80
DEFAULT_VOLUME_TYPE = "gp3"
DEFAULT_GP3_THROUGHPUT = 125
_AZ_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+[a-z]$")
# Names as EKS and eksctl allow them: eksctl refuses anything outside [a-zA-Z0-9-]
# (validation.go, IsInvalidNameArg), EKS wants a letter or digit first (CreateCluster and
# CreateNodegroup: ^[0-9A-Za-z][A-Za-z0-9\-_]*), a cluster name up to 100 and a node group name up
# to 63 characters.
_NAME_RE = re.compile(r"^[0-9A-Za-z][-a-zA-Z0-9]*$")
CLUSTER_NAME_MAX = 100
NODE_GROUP_NAME_MAX = 63
NAME_RULE = "must start with a letter or digit and contain only letters, digits and '-'"


# --------------------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SettingsError(Exception):
    """The stack settings are invalid. ``problems`` holds every one of them."""

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
    """Kubernetes version, quoted (`"1.30"`, not `1.30`)"""
    tags: dict[str, str] = Field(default_factory=dict)
    """tags on every resource"""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.match(v) or len(v) > CLUSTER_NAME_MAX:
            raise ValueError(f"{NAME_RULE} (at most {CLUSTER_NAME_MAX})")
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        # YAML reads 1.30 as the float 1.3: insist on quotes rather than guess.
        if isinstance(v, float):
            raise ValueError(f'write the version as a string, e.g. "{v}" (YAML reads {v} as a number)')
        if isinstance(v, str) and not re.match(r"^1\.\d+$", v):
            raise ValueError(f"{v!r} is not a Kubernetes version like \"1.33\"")
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


def subnet_zone(key: str, spec: SubnetSpec) -> str | None:
    """A private subnet entry's AZ: its ``az``, else its key when the key names a zone."""
    return spec.az or (key if _AZ_RE.match(key) else None)


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
    """who may reach the API during the bootstrap window; `0.0.0.0/0` only written out, with a warning"""
    cluster_endpoints: Any = None
    """not allowed: API access is managed by the two passes"""

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


class AccessConfig(_Model):
    authentication_mode: Literal["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"] = "API"
    """how nodes and users are authorised (API: access entries, no aws-auth)"""
    bootstrap_cluster_creator_admin_permissions: bool = True
    """the creator gets cluster-admin (set when the cluster is created); `false` only with `API`"""

    @model_validator(mode="after")
    def _check(self) -> "AccessConfig":
        # pulumi-eks writes the aws-auth ConfigMap through the Kubernetes API, as the cluster's
        # creator, whenever the mode supports the ConfigMap (nodejs/eks/cluster/cluster.ts): without
        # the creator's admin access that write is refused and the update fails half-way.
        if not self.bootstrap_cluster_creator_admin_permissions and self.uses_config_map:
            _rules([(("bootstrapClusterCreatorAdminPermissions",),
                     f"can be false only with authenticationMode API: in {self.authentication_mode} mode the "
                     "aws-auth ConfigMap is written through the Kubernetes API by the cluster's creator")])
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


class ClusterLogging(_Model):
    enable_types: list[str] = Field(default_factory=list)
    """`api`, `audit`, `authenticator`, `controllerManager`, `scheduler`, or `all`; adds the `logs` endpoint"""

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


class _NodeGroupBase(_Model):
    name: str
    """unique across all node groups; a letter or digit, then letters, digits, `-` (at most 63)"""
    instance_type: str | None = None
    """(default: `m5.large`) the instance type (managed node groups: not with `instanceTypes`)"""
    desired_capacity: int | None = Field(default=None, ge=0)
    """(default: minSize) how many nodes"""
    min_size: int | None = Field(default=None, ge=0)
    """(default: desiredCapacity, else 2) `minSize <= desiredCapacity <= maxSize`; `minSize: 0` alone scales from zero"""
    max_size: int | None = Field(default=None, ge=1)
    """(default: desiredCapacity, else minSize (1 when that is 0)) the most nodes"""
    volume_size: int | None = Field(default=None, ge=1)
    """(default: 80) root volume, GiB (gp3)"""
    labels: dict[str, str] = Field(default_factory=dict)
    """Kubernetes node labels"""
    taints: list[Taint] = Field(default_factory=list)
    """`{key, value, effect}`"""
    tags: dict[str, str] = Field(default_factory=dict)
    """tags on the node group's resources"""
    # No default on purpose: unset is an error, as in eksctl's privateCluster validation.
    private_networking: bool | None = None
    """(default: **none**: it must be written) must be `true`"""

    @model_validator(mode="after")
    def _check(self) -> "_NodeGroupBase":
        problems: list[tuple[tuple[Any, ...], str]] = []
        if self.private_networking is None:
            problems.append((("privateNetworking",), "must be set to true in a fully-private cluster (it is not defaulted)"))
        elif self.private_networking is False:
            problems.append((("privateNetworking",), "must be true in a fully-private cluster"))
        if not _NAME_RE.match(self.name) or len(self.name) > NODE_GROUP_NAME_MAX:
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
        _rules(problems)
        return self

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


class NodeGroup(_NodeGroupBase):
    """A self-managed node group."""


class ManagedNodeGroup(_NodeGroupBase):
    instance_types: list[str] = Field(default_factory=list)
    """several types (e.g. for spot); not with `instanceType`"""
    spot: bool = False
    """spot capacity"""

    @model_validator(mode="after")
    def _types(self) -> "ManagedNodeGroup":
        if self.instance_type and self.instance_types:
            _rules([(("instanceTypes",), "cannot be set together with instanceType")])
        return self


class FargateSelector(_Model):
    namespace: str
    """the pods' namespace"""
    labels: dict[str, str] = Field(default_factory=dict)
    """the pods' labels"""


class FargateProfile(_Model):
    name: str
    """the profile's name"""
    selectors: list[FargateSelector] = Field(min_length=1)
    """which pods run on Fargate: at least one"""
    tags: dict[str, str] = Field(default_factory=dict)
    """tags on the profile"""


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
    node_groups: list[NodeGroup] = Field(default_factory=list)
    """self-managed node groups"""
    managed_node_groups: list[ManagedNodeGroup] = Field(default_factory=list)
    """EKS managed node groups"""
    fargate_profiles: list[FargateProfile] = Field(default_factory=list)
    """Fargate profiles, on the private subnets"""

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

    def endpoint_services(self) -> list[catalog.EndpointService]:
        pc = self.cluster.private_cluster
        return catalog.endpoint_services(
            logging_enabled=self.cluster.logging_enabled,
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
                msg = f"{err['input']!r} is not allowed; expected {err['ctx']['expected']}"
        elif kind not in ("missing",):
            msg = f"{msg}, not {type(err['input']).__name__} {err['input']!r}"
        problems.append(Problem(format_path(loc), msg))
    return problems


def validate_cluster(data: Any, region: Any, *, stack: str, source: str) -> StackSettings:
    """Validate ``private-eks:cluster`` and the region; raise SettingsError with every problem."""
    problems: list[Problem] = []
    warnings: list[str] = []
    if not isinstance(region, str) or not region:
        problems.append(Problem(REGION_KEY, "is required (e.g. us-west-2)"))
        region = ""
    elif region in UNSUPPORTED_REGIONS:
        problems.append(Problem(REGION_KEY, UNSUPPORTED_REGIONS[region]))
    elif catalog.known_partition(region) is None:
        problems.append(Problem(REGION_KEY, f"{region!r} is not a region of a partition this project knows "
                                            f"({', '.join(catalog.PARTITIONS)}); endpoint service names would be guesses"))

    if not isinstance(data, Mapping):
        what = "missing" if data is None else f"a {type(data).__name__}, not a mapping"
        raise SettingsError(source, problems + [Problem(CONFIG_KEY, f"is {what}")])

    problems += _unknown_keys(ClusterSettings, data, ())
    cluster = None
    try:
        cluster = ClusterSettings.model_validate(data)
    except ValidationError as e:
        problems += _problems_from(e)

    if cluster is not None and region:
        for i, az in enumerate(cluster.availability_zones):
            if not az.startswith(region) or not _AZ_RE.match(az):
                problems.append(Problem(f"availabilityZones[{i}]", f"{az!r} is not an availability zone of {region}"))
        for key, s in cluster.private_subnets.items():
            zone = subnet_zone(key, s)
            if zone and not zone.startswith(region):
                problems.append(Problem(f"vpc.subnets.private.{key}", f"{zone!r} is not an availability zone of {region}"))
    if cluster is not None:
        for cidr in cluster.vpc.public_access_cidrs:
            if cidr in ("0.0.0.0/0", "::/0"):
                warnings.append(
                    f"vpc.publicAccessCIDRs: {cidr} opens the bootstrap window to the whole internet"
                )

    problems = list(dict.fromkeys(problems))
    if problems or cluster is None:
        raise SettingsError(source, problems)
    return StackSettings(stack=stack, region=region, cluster=cluster, source=source, warnings=tuple(warnings))


def yaml_error_message(e: yaml.YAMLError) -> str:
    """``YAML syntax error at line L, column C: reason`` — where a person looks first."""
    mark = getattr(e, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"YAML syntax error{where}: {getattr(e, 'problem', None) or e}"


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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(source, [Problem("", "no such stack file")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(source, [Problem("", f"cannot read the stack file: {e}")]) from None
    try:
        doc = yaml.safe_load(text)
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
    return validate_cluster(config.get(CONFIG_KEY), config.get(REGION_KEY), stack=stack, source=source)


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
