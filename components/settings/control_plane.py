"""The sections of the EKS cluster itself: metadata (name, version, tags), secretsEncryption,
upgradePolicy, zonalShiftConfig, cloudWatch logging, controlPlaneScalingConfig and autoModeConfig."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from components import eks_versions
from components.settings.base import CLUSTER_NAME_MAX, NAME_RE, NAME_RULE, SettingsModel, Tags, check_arn, raise_rules
from components.settings.defaults import (
    AUTO_MODE_NODE_POOLS,
    DEFAULT_SUPPORT_TYPE,
    DEFAULT_VERSION,
    LOG_RETENTION_DAYS,
    LOG_TYPES,
)


class Metadata(SettingsModel):
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
        if not NAME_RE.fullmatch(v) or len(v) > CLUSTER_NAME_MAX:
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


class SecretsEncryption(SettingsModel):
    """Envelope encryption of Kubernetes secrets (eksctl's secretsEncryption)."""

    key_arn: str = Field(alias="keyARN")
    """a KMS key or alias ARN in the cluster's region; adds the `kms` endpoint"""

    @model_validator(mode="after")
    def _check(self) -> "SecretsEncryption":
        problems: list[tuple[tuple[Any, ...], str]] = []
        check_arn(self.key_arn, ("keyARN",), problems, service="kms", resource=("key", "alias"))
        raise_rules(problems)
        return self


class UpgradePolicy(SettingsModel):
    support_type: Literal["STANDARD", "EXTENDED"] = DEFAULT_SUPPORT_TYPE
    """(default: `"EXTENDED"`, EKS's) standard or extended support"""


class ZonalShiftConfig(SettingsModel):
    enabled: bool = False
    """ARC zonal shift (set on the EKS cluster by a transform)"""


class ClusterLogging(SettingsModel):
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
        raise_rules(problems)
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


class CloudWatch(SettingsModel):
    cluster_logging: ClusterLogging = Field(default_factory=ClusterLogging)
    """control-plane logging"""


class ControlPlaneScalingConfig(SettingsModel):
    """EKS Provisioned Control Plane (eksctl's controlPlaneScalingConfig)."""

    tier: Literal["standard", "tier-xl", "tier-2xl", "tier-4xl", "tier-8xl"] | None = None
    """(default: EKS's, `standard`) the control plane scaling tier (set on the EKS cluster by a transform)"""


class AutoModeConfig(SettingsModel):
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
            check_arn(self.permissions_boundary_arn, ("permissionsBoundaryARN",), problems, service="iam",
                      resource="policy")
        seen: set[str] = set()
        for i, pool in enumerate(self.node_pools or []):
            if pool not in AUTO_MODE_NODE_POOLS:
                problems.append((("nodePools", i), f"unknown node pool {pool!r}; allowed: {', '.join(AUTO_MODE_NODE_POOLS)}"))
            if pool in seen:
                problems.append((("nodePools", i), f"{pool!r} is listed twice"))
            seen.add(pool)
        check_arn(self.node_role_arn, ("nodeRoleARN",), problems, service="iam", resource="role")
        raise_rules(problems)
        return self

    @property
    def pools(self) -> list[str]:
        return list(AUTO_MODE_NODE_POOLS) if self.node_pools is None else list(self.node_pools)
