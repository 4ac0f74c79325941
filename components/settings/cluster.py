"""The whole ``private-eks:cluster`` document (ClusterSettings) with the rules that span its
sections, and StackSettings: one stack's validated settings as the program reads them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator, model_validator

from components import catalog, endpoint_needs
from components.settings.access import AccessConfig, IamIdentityMapping, IdentityProvider
from components.settings.addons import Addon
from components.settings.base import SettingsModel, raise_rules
from components.settings.capabilities import Capability
from components.settings.control_plane import (
    AutoModeConfig,
    CloudWatch,
    ControlPlaneScalingConfig,
    Metadata,
    SecretsEncryption,
    UpgradePolicy,
    ZonalShiftConfig,
)
from components.settings.defaults import DEFAULT_VPC_CIDR, POD_IDENTITY_AGENT
from components.settings.iam import IamSettings
from components.settings.images import pull_through_problems
from components.settings.karpenter import (
    KarpenterSettings,
    karpenter_problems,
    karpenter_service_accounts,
)
from components.settings.network import KubernetesNetworkConfig, PrivateClusterSettings, SubnetSpec, VpcSettings, subnet_zone
from components.settings.nodes import FargateProfile, ManagedNodeGroup, NodeGroup
from components.settings.relay import relay_rules


class ClusterSettings(SettingsModel):
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
    karpenter: KarpenterSettings | None = None
    """Karpenter's AWS side: controller role (Pod Identity), node role and access entry, interruption queue"""
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
        raise_rules(problems)
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
        problems += karpenter_problems(self) + pull_through_problems(self)
        # pulumi-eks refuses Auto Mode without access entries (nodejs/eks/cluster/cluster.ts).
        if self.auto_mode_config.enabled and not self.access_config.uses_access_entries:
            problems.append((("autoModeConfig", "enabled"), "needs accessConfig.authenticationMode API or "
                             "API_AND_CONFIG_MAP (Auto Mode nodes join through access entries)"))
        problems += relay_rules(self.private_cluster.api_relay, authentication_mode=self.access_config.authentication_mode,
                                service_accounts=self.service_accounts)
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
                + [(p.namespace, p.service_account_name) for p in iam.pod_identity_associations if p.create_service_account]
                + karpenter_service_accounts(self))

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
        """The endpoints the stack creates (components/endpoint_needs.py)."""
        return self.endpoint_selection().create

    def endpoint_selection(self) -> endpoint_needs.EndpointSelection:
        return endpoint_needs.select(self.cluster, self.region)
