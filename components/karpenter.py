"""Karpenter's AWS side, all through AWS APIs (no Kubernetes API, so no window): the controller's
role given through EKS Pod Identity, its policies, the node role with its instance profile and
EC2_LINUX access entry, the interruption queue and its EventBridge rules, and the values its Helm
chart needs. The chart itself stays the user's: it is installed through the Kubernetes API
(README, "Karpenter").

What eksctl makes (pkg/cfn/builder/karpenter.go, pkg/actions/karpenter/create.go) is followed,
with three differences: the controller's role is a Pod Identity role rather than an IRSA one (an
EKS API call instead of a ServiceAccount annotation, and no OIDC provider needed); the node role
joins through an access entry rather than aws-auth; the policies of Karpenter 1.x are Karpenter's
own scoped ones (components/karpenter_policy.py).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components import images, karpenter_policy, names
from components.iam.roles import POD_IDENTITY_TRUST, assume_role_policy
from components.images import node_pull_policy
from components.nodes.registry_mirrors import NodeMirrors
from components.nodes.user_data import mime_parts, mirror_parts
from components.scope import ClusterScope
from components.settings import StackSettings
from components.settings.karpenter import NAMESPACE, SERVICE_ACCOUNT, karpenter_services

__all__ = ["DISCOVERY_TAG", "NODE_POLICIES", "VERSION_TAG", "default_names", "helm_values", "karpenter", "karpenter_services"]

# Karpenter's node role policies (cloudformation.yaml, KarpenterNodeRole; eksctl karpenter.go the same).
NODE_POLICIES = ("AmazonEKS_CNI_Policy", "AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly",
                 "AmazonSSMManagedInstanceCore")
# eksctl tags its Karpenter stack, and so every resource in it, with the version (pkg/actions/karpenter/tasks.go).
VERSION_TAG = "alpha.eksctl.io/karpenter-version"
# Karpenter finds subnets and security groups by this tag; eksctl tags the EKS cluster security group
# with it when metadata.tags has it (pkg/actions/karpenter/create.go), since EKS does not.
DISCOVERY_TAG = "karpenter.sh/discovery"


def helm_values(settings: Any, *, cluster_name: str, endpoint: Any, queue: Optional[str],
                instance_profile: str) -> dict[str, Any]:
    """The chart values a private cluster needs: the cluster, its endpoint (no DescribeCluster), the
    interruption queue, and isolatedVPC (the pricing API has no VPC endpoint: Karpenter docs,
    "Private Clusters"). Before v0.33 the chart read them under ``settings.aws`` (eksctl
    pkg/karpenter/karpenter.go, Install)."""
    own: dict[str, Any] = {"clusterName": cluster_name, "clusterEndpoint": endpoint, "isolatedVPC": True}
    if settings.flat_settings:
        if queue is not None:
            own["interruptionQueue"] = queue
        chart_settings: dict[str, Any] = own
    else:
        own["defaultInstanceProfile"] = instance_profile
        if queue is not None:
            own["interruptionQueueName"] = queue
        chart_settings = {"aws": own}
    return {"settings": chart_settings,
            "serviceAccount": {"create": settings.create_service_account, "name": SERVICE_ACCOUNT}}


def _named(name: str, typ: str, region: str) -> str:
    """Karpenter's documented name, cut with a digest when a long cluster name makes it too long for IAM."""
    return name if len(name) <= names.NAME_LIMITS[typ] else names.bounded(name, typ, region)


def default_names(settings: StackSettings) -> tuple[str, str]:
    """The node role's and the instance profile's names (Karpenter's cloudformation.yaml and "Private
    Clusters": KarpenterNodeRole-<cluster>, KarpenterNodeInstanceProfile-<cluster>)."""
    cluster, region = settings.cluster.metadata.name, settings.region
    k = settings.cluster.karpenter
    profile = (k.default_instance_profile if k is not None else None) or _named(
        f"KarpenterNodeInstanceProfile-{cluster}", names.INSTANCE_PROFILE, region)
    return _named(f"KarpenterNodeRole-{cluster}", names.ROLE, region), profile


def _document(policy_name: str, documents: dict[str, str]) -> str:
    return documents[policy_name]


def _queue(scope: ClusterScope, tags: dict[str, str], opts: pulumi.ResourceOptions) -> aws.sqs.Queue:
    """The interruption queue, named after the cluster, SSE on, 5 minutes' retention, with its policy and
    the four EventBridge rules that feed it (cloudformation.yaml; eksctl addSpotInterruptionQueueWithRules)."""
    name = f"{scope.name}-karpenter"
    queue = aws.sqs.Queue(f"{name}-queue", name=scope.cluster_name[:80], message_retention_seconds=300,
                          sqs_managed_sse_enabled=True, tags=tags, opts=opts)
    aws.sqs.QueuePolicy(f"{name}-queue-policy", queue_url=queue.id,
                        policy=queue.arn.apply(karpenter_policy.queue_policy), opts=opts)
    for rule_name, (source, detail_type) in karpenter_policy.EVENT_RULES.items():
        rule = aws.cloudwatch.EventRule(
            f"{name}-{rule_name}", event_pattern=pulumi.Output.json_dumps({"source": [source],
                                                                           "detail-type": [detail_type]}),
            tags=tags, opts=opts)
        aws.cloudwatch.EventTarget(f"{name}-{rule_name}-target", rule=rule.name, target_id="KarpenterInterruptionQueueTarget",
                                   arn=queue.arn, opts=opts)
    return queue


def karpenter(scope: ClusterScope, cluster: eks.Cluster) -> Optional[dict[str, Any]]:
    """``karpenter``'s resources, after the cluster; the outputs the Helm chart needs, or None without it."""
    cfg = scope.settings.cluster
    k = cfg.karpenter
    if k is None:
        return None
    cached = images.mirrors(scope.settings)
    mirrors = NodeMirrors(cached, images.ecr_domain(scope.region)) if cached else None
    name = f"{scope.name}-karpenter"
    tags = {**scope.tags, VERSION_TAG: k.version}
    child = scope.child()
    node_role_name, profile_name = default_names(scope.settings)
    node_role = aws.iam.Role(f"{name}-node-role", name=node_role_name, assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
                             permissions_boundary=cfg.iam.service_role_permissions_boundary, tags=tags, opts=child)
    for policy in NODE_POLICIES:
        aws.iam.RolePolicyAttachment(f"{name}-node-{policy}", role=node_role.name,
                                     policy_arn=f"arn:{scope.partition}:iam::aws:policy/{policy}", opts=child)
    pull = node_pull_policy(scope.settings)
    if pull is not None:
        aws.iam.RolePolicy(f"{name}-node-{pull.name}", role=node_role.name, name=pull.name,
                           policy=pull.document(scope.partition), opts=child)
    # No IAM endpoint exists: in a private cluster Karpenter cannot make instance profiles, so its
    # EC2NodeClass names this one (spec.instanceProfile; Karpenter docs, "Private Clusters").
    aws.iam.InstanceProfile(f"{name}-node-profile", name=profile_name, role=node_role.name, tags=tags, opts=child)
    aws.eks.AccessEntry(f"{name}-node-access", cluster_name=scope.cluster_name, principal_arn=node_role.arn,
                        type="EC2_LINUX", tags=tags, opts=scope.child(depends_on=[cluster]))

    queue = _queue(scope, tags, child) if k.with_spot_interruption_queue else None
    controller = aws.iam.Role(f"{name}-controller-role", assume_role_policy=POD_IDENTITY_TRUST, tags=tags, opts=child)
    # The cluster as EKS describes it once it exists: its ARN (the account) and API endpoint.
    found = aws.eks.get_cluster_output(name=scope.cluster_name,
                                       opts=pulumi.InvokeOutputOptions(parent=scope.parent, depends_on=[cluster]))
    documents = pulumi.Output.all(found.arn, node_role.arn, queue.arn if queue is not None else None).apply(
        lambda a: karpenter_policy.controller_policies(v1=k.v1, partition=scope.partition, region=scope.region,
                                                        cluster_arn=a[0], node_role_arn=a[1], queue_arn=a[2]))
    policy_names = ["KarpenterControllerPolicy"] if not k.v1 else [
        "KarpenterControllerNodeLifecyclePolicy", "KarpenterControllerIAMIntegrationPolicy",
        "KarpenterControllerEKSIntegrationPolicy", "KarpenterControllerResourceDiscoveryPolicy",
        *(["KarpenterControllerInterruptionPolicy"] if queue is not None else [])]
    for policy_name in policy_names:
        aws.iam.RolePolicy(f"{name}-{policy_name}", role=controller.name, name=policy_name,
                           policy=documents.apply(partial(_document, policy_name)), opts=child)
    aws.eks.PodIdentityAssociation(f"{name}-pod-identity", cluster_name=scope.cluster_name, namespace=NAMESPACE,
                                   service_account=SERVICE_ACCOUNT, role_arn=controller.arn, tags=tags,
                                   opts=scope.child(depends_on=[cluster]))
    discovery = cfg.metadata.tags.get(DISCOVERY_TAG)
    if discovery is not None:
        aws.ec2.Tag(f"{name}-discovery-tag", key=DISCOVERY_TAG, value=discovery,
                    resource_id=found.vpc_config.cluster_security_group_id,
                    opts=scope.child(depends_on=[cluster]))
    return {
        "version": k.version,
        "namespace": NAMESPACE,
        "serviceAccount": SERVICE_ACCOUNT,
        "nodeRoleName": node_role.name,
        "instanceProfile": profile_name,
        "interruptionQueue": queue.name if queue is not None else None,
        "helmValues": helm_values(k, cluster_name=scope.cluster_name, endpoint=found.endpoint,
                                  queue=scope.cluster_name[:80] if queue is not None else None,
                                  instance_profile=profile_name),
        "endpointServices": [service for service, _ in karpenter_services(cfg)],
        # Karpenter's nodes take their user data from the EC2NodeClass (spec.userData): the registry
        # mirrors of privateCluster.pullThroughCache for AL2023 nodes, to copy there.
        "al2023MirrorUserData": mime_parts(mirror_parts(mirrors)) if mirrors is not None else None,
    }
