"""The endpoint services what runs on the cluster calls, derived from the settings (docs/architecture.md §5).

Each row names the service, why, and the source it is taken from (the add-on's own documentation
or source). ``needed_services`` reads every row for one cluster; ``NEED_SOURCES`` is the extension
point: a module that knows another controller's calls (Karpenter's) appends a function
``(ClusterSettings) -> Iterable[Need]`` and its needs are created, checked and audited like these.

``select`` turns the needs and the ``privateCluster`` fields into what the stack creates and what it
expects to find (reused, or everything with ``skipEndpointCreation``). This module imports the
settings only for typing: the settings layer calls it (docs/architecture.md §2).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from components import catalog

if TYPE_CHECKING:
    from components.settings.cluster import ClusterSettings
    from components.settings.iam import WellKnownPolicies


@dataclass(frozen=True)
class Need:
    service: str
    why: str
    source_path: str
    source: str = ""

    def __str__(self) -> str:
        return f"{self.service} ({self.source_path}: {self.why})"


# EKS add-on name -> (service, why, source). Services every cluster gets (ec2, ecr.*, sts, s3) are
# listed too, so that a reused or skipped set names the add-on that needs them.
ADDON_NEEDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "aws-efs-csi-driver": (
        ("elasticfilesystem", "the EFS CSI controller describes file systems and creates access points",
         "kubernetes-sigs/aws-efs-csi-driver pkg/cloud/cloud.go (the EFS client)"),),
    "aws-ebs-csi-driver": (
        ("ec2", "the EBS CSI controller creates, attaches and snapshots volumes",
         "kubernetes-sigs/aws-ebs-csi-driver pkg/cloud/cloud.go (the EC2 client)"),),
    "amazon-cloudwatch-observability": (
        ("monitoring", "the CloudWatch agent puts metrics (Container Insights)",
         "aws/amazon-cloudwatch-agent plugins/outputs/cloudwatch (PutMetricData)"),
        ("logs", "Fluent Bit and the agent put container and application logs",
         "aws/amazon-cloudwatch-agent plugins/outputs/cloudwatchlogs (PutLogEvents)")),
    "aws-guardduty-agent": (
        ("guardduty-data", "the security agent delivers runtime events to guardduty-data.<region>.amazonaws.com",
         "GuardDuty User Guide, 'How the security agent connects to GuardDuty'"),),
    "eks-pod-identity-agent": (
        ("eks-auth", "the agent calls AssumeRoleForPodIdentity",
         "EKS User Guide, 'Learn how EKS Pod Identity grants pods access to AWS services' (eks-auth API)"),),
    "aws-secrets-store-csi-driver-provider": (
        ("secretsmanager", "the provider reads secrets",
         "aws/secrets-store-csi-driver-provider-aws provider/secretsmanager_provider.go"),
        ("ssm", "the provider reads Parameter Store parameters",
         "aws/secrets-store-csi-driver-provider-aws provider/parameter_store_provider.go")),
    "aws-mountpoint-s3-csi-driver": (
        ("s3", "Mountpoint reads and writes the bucket", "awslabs/mountpoint-s3-csi-driver README"),),
}

# eksctl's wellKnownPolicies flag -> (service, why, source): the controller the policy is made for.
WELL_KNOWN_NEEDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "auto_scaler": (
        ("autoscaling", "cluster-autoscaler describes and resizes Auto Scaling groups",
         "kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/aws_wrapper.go (autoscaling client)"),),
    "aws_load_balancer_controller": (
        ("elasticloadbalancing", "the controller creates load balancers, listeners and target groups",
         "kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json (elasticloadbalancing:*)"),),
    "efs_csi_controller": ADDON_NEEDS["aws-efs-csi-driver"],
    "ebs_csi_controller": ADDON_NEEDS["aws-ebs-csi-driver"],
    "image_builder": (
        ("ecr.api", "pushing images to ECR", "AmazonEC2ContainerRegistryPowerUser (ecr:* actions)"),),
    "external_dns": (
        ("route53", "external-dns changes Route 53 records",
         "kubernetes-sigs/external-dns provider/aws/aws.go (route53 client)"),),
    "cert_manager": (
        ("route53", "cert-manager's DNS01 solver changes Route 53 records",
         "cert-manager pkg/issuer/acme/dns/route53/route53.go"),),
}


def _well_known(flags: "WellKnownPolicies", path: str) -> list[Need]:
    return [Need(s, why, f"{path}.wellKnownPolicies", src)
            for flag, rows in WELL_KNOWN_NEEDS.items() if getattr(flags, flag)
            for s, why, src in rows]


def builtin_needs(cluster: "ClusterSettings") -> list[Need]:
    """The needs of the cluster's own settings, add-ons and IAM roles; the order is the endpoints' order."""
    out: list[Need] = []
    if cluster.logging_enabled:
        # eksctl endpoint_service.go, MapOptionalEndpointServices: logs is added when logging is on.
        out.append(Need("logs", "control-plane logging is on", "cloudWatch.clusterLogging.enableTypes",
                        "eksctl pkg/apis/eksctl.io/v1alpha5/endpoint_service.go"))
    if cluster.secrets_encryption is not None:
        out.append(Need("kms", "envelope encryption of secrets", "secretsEncryption.keyARN"))
    if cluster.pod_identity:
        path = ("autoModeConfig.enabled" if cluster.auto_mode_config.enabled else
                "iam.podIdentityAssociations" if cluster.iam.pod_identity_associations else "addons")
        out.append(Need("eks-auth", "EKS Pod Identity (AssumeRoleForPodIdentity)", path,
                        "EKS User Guide, 'EKS Pod Identity' (eks-auth API)"))
    for i, addon in enumerate(cluster.addons):
        out += [Need(s, why, f"addons[{i}] ({addon.name})", src) for s, why, src in ADDON_NEEDS.get(addon.name, ())]
        out += _well_known(addon.well_known_policies, f"addons[{i}]")
    for i, sa in enumerate(cluster.iam.service_accounts):
        out += _well_known(sa.well_known_policies, f"iam.serviceAccounts[{i}]")
    for i, pia in enumerate(cluster.iam.pod_identity_associations):
        out += _well_known(pia.well_known_policies, f"iam.podIdentityAssociations[{i}]")
    # EKS Capabilities (ACK, kro, Argo CD) run in EKS's own accounts, not on the nodes: nothing here
    # (EKS User Guide, "EKS Capabilities"); Argo CD's private access is its own endpoint, warned at validate.
    return out


def karpenter_needs(cluster: "ClusterSettings") -> list[Need]:
    """Karpenter's controller and nodes' services (their sources: components/settings/karpenter.py)."""
    # Imported here: the settings package imports this module while it initialises.
    from components.settings.karpenter import karpenter_services

    return [Need(s, why, "karpenter", "Karpenter docs, 'Private Clusters'") for s, why in karpenter_services(cluster)]


# The extension point: functions (ClusterSettings) -> Iterable[Need], read in this order.
NEED_SOURCES: list[Callable[["ClusterSettings"], Iterable[Need]]] = [builtin_needs, karpenter_needs]


def needed_services(cluster: "ClusterSettings") -> list[Need]:
    """Every service the cluster's add-ons, roles, Pod Identity and Auto Mode call, with the path that needs it."""
    return [need for source in NEED_SOURCES for need in source(cluster)]


@dataclass(frozen=True)
class EndpointSelection:
    create: list[catalog.EndpointService]
    """what the stack creates, in a stable order"""
    expected: list[catalog.EndpointService]
    """what must already be there: the reused services, or every one with skipEndpointCreation"""
    needs: list[Need]
    no_endpoint: list[Need]
    """needs of services that have no regional endpoint (catalog.NO_ENDPOINT)"""


def _resolve_all(names: Iterable[str], region: str) -> list[catalog.EndpointService]:
    out: list[catalog.EndpointService] = []
    for name in names:
        try:
            out.append(catalog.resolve(name, region))
        except ValueError:
            continue  # refused at validate, by path
    return out


def select(cluster: "ClusterSettings", region: str) -> EndpointSelection:
    """What to create and what to expect: the required services, the derived needs (settings first, in
    the order eksctl adds them), then ``additionalEndpointServices``; minus ``existingEndpointServices``."""
    pc = cluster.private_cluster
    needs = needed_services(cluster)
    wanted: dict[str, catalog.EndpointService] = {n: catalog.BY_NAME[n] for n in catalog.REQUIRED_NAMES}
    derived = [n for n in needs if n.service not in catalog.NO_ENDPOINT]
    builtin_order = ("logs", "kms", "eks-auth")
    for name in [n.service for n in derived if n.service in builtin_order]:
        wanted.setdefault(name, catalog.resolve(name, region))
    for listed in _resolve_all(pc.additional_endpoint_services, region):
        wanted.setdefault(listed.name, listed)
    for n in derived:
        wanted.setdefault(n.service, catalog.resolve(n.service, region))
    no_endpoint = [n for n in needs if n.service in catalog.NO_ENDPOINT]
    if pc.skip_endpoint_creation:
        return EndpointSelection([], list(wanted.values()), needs, no_endpoint)
    reused = {s.name: s for s in _resolve_all(pc.existing_endpoint_services, region)}
    create = [s for name, s in wanted.items() if name not in reused]
    return EndpointSelection(create, list(reused.values()), needs, no_endpoint)


def endpoint_warnings(cluster: "ClusterSettings", region: str) -> list[str]:
    """At validate: derived needs the stack does not create and no setting says are there, and needs
    of services that have no endpoint at all."""
    selection = select(cluster, region)
    out: list[str] = []
    if cluster.private_cluster.skip_endpoint_creation:
        derived = [n for n in selection.needs
                   if n.service not in catalog.REQUIRED_NAMES and n.service not in catalog.NO_ENDPOINT]
        if derived:
            out.append("privateCluster.skipEndpointCreation: no endpoint is created; besides the required ones the "
                       "VPC must already reach " + "; ".join(str(n) for n in derived))
    for n in selection.no_endpoint:
        out.append(f"{n.source_path}: {n.why}, but {catalog.NO_ENDPOINT[n.service]}")
    pc = cluster.private_cluster
    for key, names in (("additionalEndpointServices", pc.additional_endpoint_services),
                       ("existingEndpointServices", pc.existing_endpoint_services)):
        for i, name in enumerate(names):
            # Any name is taken (the preflight asks the region); one a letter or two from a known
            # service is most likely a typo of it.
            close = difflib.get_close_matches(name, catalog.KNOWN_NAMES, n=1, cutoff=0.85)
            if name not in catalog.KNOWN_NAMES and "." not in name.replace("ecr.", "") and close:
                out.append(f"privateCluster.{key}[{i}]: {name!r} is not a service the catalog knows; did you mean "
                           f"{close[0]!r}? (the preflight asks {region} whether it offers {name!r})")
    return out
