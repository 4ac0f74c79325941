"""The network sections: privateCluster (the VPC endpoints), vpc (the VPC, its private subnets and
the CIDRs of the bootstrap window, with the warning for a wide one) and kubernetesNetworkConfig."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Iterable, Literal

from pydantic import Field, field_validator, model_validator

from components import catalog
from components.endpoint_policy import endpoint_policy_problems
from components.settings.base import AZ_RE, SettingsModel, brief, raise_rules
from components.settings.defaults import DEFAULT_VPC_CIDR
from components.settings.images import PullThroughCacheRule
from components.settings.relay import ApiRelay


class PrivateClusterSettings(SettingsModel):
    enabled: bool = True
    """must be `true`: this program builds only fully-private clusters"""
    skip_endpoint_creation: bool = False
    """create no VPC endpoints (they exist already); `validate` names the ones the add-ons need"""
    additional_endpoint_services: list[str] = Field(default_factory=list)
    """extra endpoints: any AWS PrivateLink service, by short name (`sqs`, `monitoring`, `ecr.api`) or full name of the stack's region (`com.amazonaws.<region>.sqs`); the ones the add-ons and roles need are added without it; not with `skipEndpointCreation`"""  # noqa: E501
    existing_endpoint_services: list[str] = Field(default_factory=list)
    """services whose endpoints exist already, in the VPC or shared from a hub VPC through a private hosted zone associated with it; not created, checked by preflight and audit"""  # noqa: E501
    endpoint_policies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """an endpoint policy (an IAM policy document with `Principal`) per created endpoint, by service name; up to 20,480 characters"""  # noqa: E501
    s3_endpoint_buckets: list[str] | None = Field(default=None, alias="s3EndpointBuckets")
    """(default: the S3 gateway endpoint allows all of S3) when set, even to `[]`, the S3 gateway endpoint allows only ECR's image layer bucket of the region, the Amazon Linux repository buckets and these buckets"""  # noqa: E501
    pull_through_cache: list[PullThroughCacheRule] = Field(default_factory=list)
    """ECR pull-through cache rules; nodes (AmazonLinux2023, Bottlerocket) pull these registries through the cache"""
    api_relay: ApiRelay = Field(default_factory=ApiRelay)
    """the Kubernetes API relay (docs/architecture.md §11)"""

    @model_validator(mode="after")
    def _check(self) -> "PrivateClusterSettings":
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not self.enabled:
            problems.append((("enabled",), "must be true: this program builds only fully-private clusters"))
        if self.skip_endpoint_creation:
            for key, value in (("additionalEndpointServices", self.additional_endpoint_services),
                               ("existingEndpointServices", self.existing_endpoint_services),
                               ("endpointPolicies", self.endpoint_policies),
                               ("s3EndpointBuckets", self.s3_endpoint_buckets)):
                if value:
                    problems.append(((key,), "cannot be set together with skipEndpointCreation: true"))
        problems += _service_names(self.additional_endpoint_services, "additionalEndpointServices", required_ok=False)
        problems += _service_names(self.existing_endpoint_services, "existingEndpointServices", required_ok=True)
        for i, name in enumerate(self.existing_endpoint_services):
            if name in self.additional_endpoint_services:
                problems.append((("existingEndpointServices", i), f"{name!r} is also in additionalEndpointServices; "
                                 "list a service in one of them"))
        for key, document in self.endpoint_policies.items():
            loc = ("endpointPolicies", key)
            if problem := catalog.name_problem(key):
                problems.append((loc, problem))
            elif key in self.existing_endpoint_services:
                problems.append((loc, f"{key!r} is in existingEndpointServices: its endpoint is not made here"))
            problems += endpoint_policy_problems(document, loc, gateway=key.split(".")[-1] in catalog.GATEWAY_NAMES)
        if self.s3_endpoint_buckets is not None and "s3" in self.endpoint_policies:
            problems.append((("s3EndpointBuckets",), "cannot be set together with endpointPolicies.s3 (that is the "
                             "S3 endpoint's whole policy)"))
        if self.s3_endpoint_buckets is not None and "s3" in self.existing_endpoint_services:
            problems.append((("s3EndpointBuckets",), "the S3 endpoint is in existingEndpointServices: its policy is "
                             "not made here"))
        for i, bucket in enumerate(self.s3_endpoint_buckets or []):
            if not S3_BUCKET_RE.fullmatch(bucket) or ".." in bucket:
                problems.append((("s3EndpointBuckets", i), f"{brief(bucket)} is not an S3 bucket name (3 to 63 "
                                 "lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)"))
        raise_rules(problems)
        return self


def _service_names(names: list[str], key: str, *, required_ok: bool) -> list[tuple[tuple[Any, ...], str]]:
    # eksctl's ValidateAdditionalEndpointServices (endpoint_service.go) refuses duplicates and any
    # service outside its three; here any PrivateLink service name is taken and the preflight asks
    # the region whether it offers it.
    problems: list[tuple[tuple[Any, ...], str]] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        loc = (key, i)
        if problem := catalog.name_problem(name):
            problems.append((loc, problem))
        elif not required_ok and name in catalog.REQUIRED_NAMES:
            problems.append((loc, f"{name!r} is always created; list only additional services"))
        if name in seen:
            problems.append((loc, f"{name!r} is listed twice"))
        seen.add(name)
    return problems


# S3 bucket naming rules (S3 User Guide, "General purpose bucket naming rules").
S3_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class SubnetSpec(SettingsModel):
    id: str | None = None
    """an existing subnet (with its own non-main route table)"""
    cidr: str | None = None
    """a new subnet, inside `vpc.cidr`, not overlapping; with `vpc.id`, the existing subnet of that VPC with this CIDR"""
    az: str | None = None
    """(default: the key) the AZ when the key is a name"""

    @field_validator("az")
    @classmethod
    def _az(cls, v: str | None) -> str | None:
        if v is not None and not AZ_RE.fullmatch(v):
            raise ValueError(f"{brief(v)} is not an availability zone name (e.g. us-west-2a)")
        return v


def subnet_zone(key: str, spec: SubnetSpec) -> str | None:
    """A private subnet entry's AZ: its ``az``, else its key when the key names a zone."""
    return spec.az or (key if AZ_RE.fullmatch(key) else None)


class SubnetsSettings(SettingsModel):
    private: dict[str, SubnetSpec] = Field(default_factory=dict)
    """(default: one per AZ, carved from `vpc.cidr`) by AZ (or by name with `az`)"""
    # Accepted by the schema only to be rejected with a clear message (eksctl documents it but
    # never checks it).
    public: Any = None
    """not allowed: a fully-private cluster has no public subnets"""


class VpcSettings(SettingsModel):
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
        raise_rules(problems)
        return self


class KubernetesNetworkConfig(SettingsModel):
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
        raise_rules(problems)
        return self


_RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def _network(cidr: str, loc: tuple[Any, ...], problems: list[tuple[tuple[Any, ...], str]]):
    try:
        return ipaddress.ip_network(cidr, strict=True)
    except ValueError as e:
        problems.append((loc, f"{cidr!r} is not a valid CIDR ({e})"))
        return None


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
