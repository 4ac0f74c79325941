"""karpenter: eksctl's fields for Karpenter's AWS side (pkg/apis/eksctl.io/v1alpha5/types.go,
``Karpenter``), the rules across sections, and the AWS services the controller calls (the VPC
endpoints a private cluster needs for it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import field_validator

from components.settings.base import SettingsModel
from components.settings.defaults import POD_IDENTITY_AGENT

if TYPE_CHECKING:
    from components.settings.cluster import ClusterSettings

# eksctl types.go supportedKarpenterVersion; validation.go validateKarpenterConfig refuses older ones.
MIN_VERSION = (0, 20, 0)
# What hashicorp/go-version (eksctl's parser) reads: an optional v, numbers, a pre-release, metadata.
VERSION_RE = re.compile(r"^v?(\d+(?:\.\d+)*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
# IAM CreateInstanceProfile: InstanceProfileName, 1-128 of [\w+=,.@-].
PROFILE_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
# eksctl pkg/karpenter/karpenter.go DefaultNamespace, DefaultServiceAccountName.
NAMESPACE = "karpenter"
# The first Karpenter release after EKS Pod Identity's launch (see pod_identity_warning).
POD_IDENTITY_SINCE = (0, 33, 0)
SERVICE_ACCOUNT = "karpenter"


def version_tuple(version: str) -> tuple[int, ...]:
    m = VERSION_RE.match(version)
    if m is None:
        raise ValueError(version)
    parts = tuple(int(p) for p in m.group(1).split("."))
    return parts + (0,) * (3 - len(parts))


class KarpenterSettings(SettingsModel):
    version: str
    """the Karpenter version (`v0.20.0` or later) its Helm chart is installed at; picks the controller policy (1.x: Karpenter's own scoped policy)"""  # noqa: E501
    create_service_account: bool = False
    """(default: false, eksctl's) true: the Helm chart creates the `karpenter/karpenter` ServiceAccount; false: private-eks creates it (through the Kubernetes API, in the window)"""  # noqa: E501
    default_instance_profile: str | None = None
    """(default: `KarpenterNodeInstanceProfile-<cluster>`) the name of the node instance profile made for Karpenter's nodes"""
    with_spot_interruption_queue: bool = False
    """the SQS interruption queue, with the EventBridge rules (spot interruption, rebalance, instance state, AWS Health) and the `sqs` endpoint"""  # noqa: E501

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        # eksctl validation.go validateKarpenterConfig: required, parsed by go-version, at least v0.20.0.
        if not v:
            raise ValueError("is required (the version of Karpenter to install)")
        try:
            parsed = version_tuple(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a version (e.g. 1.8.1 or v0.37.0)") from None
        if parsed < MIN_VERSION:
            raise ValueError(f"{v!r}: the minimum supported version is v0.20.0 (eksctl's)")
        return v

    @field_validator("default_instance_profile")
    @classmethod
    def _profile(cls, v: str | None) -> str | None:
        if v is not None and not PROFILE_RE.fullmatch(v):
            raise ValueError(f"{v!r} is not an instance profile name (IAM: 1-128 letters, digits and + = , . @ _ -)")
        return v

    @property
    def v1(self) -> bool:
        """Karpenter 1.x (its scoped controller policy, its ``settings.*`` Helm values)."""
        return version_tuple(self.version) >= (1, 0, 0)

    @property
    def flat_settings(self) -> bool:
        """The chart takes ``settings.clusterName`` (v0.33 and later) rather than
        ``settings.aws.clusterName`` (eksctl pkg/karpenter/karpenter.go, Install)."""
        return version_tuple(self.version) >= (0, 33, 0)


def pod_identity_warning(version: str) -> str:
    """EKS Pod Identity was launched in November 2023; Karpenter releases before v0.33 (December 2023)
    predate it and their AWS SDK may not read its credentials."""
    return (f"karpenter.version: {version} predates EKS Pod Identity (Karpenter v0.33, December 2023, and later "
            "read its credentials), which gives the controller its role here; use v0.33 or later")


def karpenter_problems(cfg: "ClusterSettings") -> list[tuple[tuple[Any, ...], str]]:
    """The rules across sections. eksctl requires iam.withOIDC (validation.go): its controller role is
    an IRSA role. Here the role is given through EKS Pod Identity, an EKS API call that needs no
    Kubernetes API and no OIDC provider, so withOIDC is not required; the Pod Identity agent is."""
    k = cfg.karpenter
    if k is None:
        return []
    problems: list[tuple[tuple[Any, ...], str]] = []
    agent = any(a.name == POD_IDENTITY_AGENT for a in cfg.addons) or cfg.auto_mode_config.enabled
    if not agent:
        problems.append((("karpenter",), f"needs the {POD_IDENTITY_AGENT!r} add-on in addons (or autoModeConfig."
                         "enabled): the controller's role is given through EKS Pod Identity"))
    # Karpenter's nodes join through an EC2_LINUX access entry for its node role (CONFIG_MAP mode
    # has none; eksctl writes aws-auth through the Kubernetes API instead: pkg/actions/karpenter/create.go).
    if not cfg.access_config.uses_access_entries:
        problems.append((("karpenter",), "needs accessConfig.authenticationMode API or API_AND_CONFIG_MAP "
                         "(Karpenter's nodes join through an access entry of its node role)"))
    return problems


def karpenter_service_accounts(cfg: "ClusterSettings") -> list[tuple[str, str]]:
    """The ServiceAccount private-eks writes for Karpenter: with createServiceAccount false eksctl makes
    it itself (pkg/actions/karpenter/create.go), otherwise the Helm chart does."""
    k = cfg.karpenter
    return [(NAMESPACE, SERVICE_ACCOUNT)] if k is not None and not k.create_service_account else []


def karpenter_services(cfg: "ClusterSettings") -> list[tuple[str, str]]:
    """The AWS services Karpenter's controller and nodes call, each with why: the Karpenter docs'
    "Private Clusters" list (getting-started-with-karpenter, "Advanced Installation") — ec2, ecr.api,
    ecr.dkr, s3, sts, ssm, sqs (interruption handling), eks — and eks-auth for EKS Pod Identity
    (EKS user guide, "EKS Pod Identity": the agent calls AssumeRoleForPodIdentity). The pricing API
    has no endpoint (the docs' note; the chart's settings.isolatedVPC stops the calls)."""
    k = cfg.karpenter
    if k is None:
        return []
    out = [
        ("ec2", "Karpenter launches, describes and terminates instances (CreateFleet, RunInstances)"),
        ("ecr.api", "Karpenter's nodes pull images"),
        ("ecr.dkr", "Karpenter's nodes pull images"),
        ("s3", "image layers"),
        ("sts", "AWS credentials of Karpenter's nodes and pods"),
        ("ssm", "Karpenter resolves the EKS-optimised AMIs from SSM public parameters"),
        ("eks", "Karpenter reads the cluster (DescribeCluster: its endpoint and service CIDR)"),
        ("eks-auth", "the controller's credentials through EKS Pod Identity"),
    ]
    if k.with_spot_interruption_queue:
        out.append(("sqs", "Karpenter reads its interruption queue"))
    return out
