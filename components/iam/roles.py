"""The IAM roles made for a cluster: its service role when pulumi-eks's would not fit, the node
groups' roles (eksctl's policies), the Fargate pod execution role and Pod Identity roles; and the
names and permissions boundaries of the roles pulumi-eks makes itself.
"""

from __future__ import annotations

import json
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws

from components import names
from components.iam import well_known_policies
from components.iam.service_accounts import role_policies
from components.images import node_pull_policy
from components.scope import ClusterScope
from components.settings import NodeGroupBase, PodIdentityAssociation
from components.transforms import ChildInputs

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
FARGATE_POLICY = "AmazonEKSFargatePodExecutionRolePolicy"
ROLE = "aws:iam/role:Role"
# The roles pulumi-eks makes for a cluster, by the end of their names: ServiceRole components named
# "<cluster>-eksRole" and "<cluster>-nodeRole" (nodejs/eks/cluster/cluster.ts), each making its role
# "<component>-role" (nodejs/eks/servicerole.ts).
SERVICE_ROLE_SUFFIX = "-eksRole-role"
AUTO_MODE_NODE_ROLE_SUFFIX = "-nodeRole-role"
# EKS Pod Identity's service principal, with the two actions its trust policy needs (EKS user guide,
# "Create an IAM role for Pod Identity").
POD_IDENTITY_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
                   "Action": ["sts:AssumeRole", "sts:TagSession"]}],
})


def assume_role_policy(service: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    })


def node_policies(ng: NodeGroupBase, *, managed: bool) -> list[str]:
    """A node role's policies as eksctl's makeManagedPolicies picks them: the defaults unless
    attachPolicyARNs is given (then those, and for a self-managed group the registry read policy),
    plus the add-on policies; a default the given ARNs already name is not attached twice."""
    iam = ng.iam
    names = [] if iam.attach_policy_arns else list(NODE_POLICIES)
    if iam.attach_policy_arns and not managed and not iam.with_addon_policies.image_builder:
        names.append("AmazonEC2ContainerRegistryReadOnly")
    names += well_known_policies.managed_policies(iam.with_addon_policies)
    given = {arn.rsplit("/", 1)[-1] for arn in iam.attach_policy_arns}
    return list(iam.attach_policy_arns) + [n for n in dict.fromkeys(names) if n.rsplit("/", 1)[-1] not in given]


def role_name(arn: str) -> str:
    """An IAM role's name from its ARN (``arn:aws:iam::1:role/path/name`` → ``name``)."""
    return arn.rsplit("/", 1)[-1]


def permissions_boundaries(*, service_role: Optional[str], auto_mode_node_role: Optional[str]) -> list[ChildInputs]:
    """Permissions boundaries on the roles pulumi-eks makes (it takes none as an input)."""
    return [ChildInputs(ROLE, {"permissionsBoundary": arn}, suffix) for arn, suffix in (
        (service_role, SERVICE_ROLE_SUFFIX), (auto_mode_node_role, AUTO_MODE_NODE_ROLE_SUFFIX)) if arn]


def auto_mode_node_role_name(scope: ClusterScope, cluster_resource: str) -> list[ChildInputs]:
    """A bounded name for Auto Mode's node role pulumi-eks makes, when its own would not fit."""
    child = cluster_resource + AUTO_MODE_NODE_ROLE_SUFFIX
    name = names.physical_name(child, ROLE, scope.region)
    return [ChildInputs(ROLE, {"name": name}, AUTO_MODE_NODE_ROLE_SUFFIX)] if name else []


def service_role(scope: ClusterScope, cluster_resource: str,
                 before_cluster: list[pulumi.Resource]) -> Optional[aws.iam.Role]:
    """The cluster's service role, made here when pulumi-eks's (``<component>-eksRole-role``,
    nodejs/eks/cluster/cluster.ts and servicerole.ts) would be named over IAM's limit; with its
    policies and trust (sts:TagSession for Auto Mode) and the permissions boundary. Its policy
    attachments join ``before_cluster``."""
    if names.fits(cluster_resource + SERVICE_ROLE_SUFFIX, ROLE):
        return None
    cfg = scope.settings.cluster
    policies = ["AmazonEKSClusterPolicy"]
    if cfg.auto_mode_config.enabled:
        policies += ["AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy",
                     "AmazonEKSNetworkingPolicy"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
    child = scope.child()
    slug = f"{cluster_resource}-service"
    role = aws.iam.Role(f"{slug}-role", name=names.bounded(f"{slug}-role", ROLE, scope.region),
                        assume_role_policy=trust, permissions_boundary=cfg.iam.service_role_permissions_boundary,
                        tags=scope.tags or None, opts=child)
    before_cluster += [aws.iam.RolePolicyAttachment(
        f"{slug}-{policy}", role=role.name, policy_arn=f"arn:{scope.partition}:iam::aws:policy/{policy}",
        opts=child) for policy in policies]
    return role


def pod_identity_role(scope: ClusterScope, slug: str, pia: PodIdentityAssociation) -> aws.iam.Role:
    """The role of a Pod Identity association that names none, trusted by EKS Pod Identity, with its policies."""
    child = scope.child()
    role = aws.iam.Role(f"{slug}-role", assume_role_policy=POD_IDENTITY_TRUST,
                        name=pia.role_name or names.physical_name(f"{slug}-role", ROLE, scope.region),
                        permissions_boundary=pia.permissions_boundary_arn,
                        tags={**scope.tags, **pia.tags} or None, opts=child)
    role_policies(slug, role, partition=scope.partition, policy_arns=pia.permission_policy_arns,
                  flags=pia.well_known_policies,
                  policy=json.dumps(pia.permission_policy) if pia.permission_policy else None, opts=child)
    return role


class CapacityRoles:
    """The roles of the capacity (node groups, Fargate pods), with the policies on each: nodes and
    pods wait for those (``attachments``), as a node that boots before its policies never joins."""

    def __init__(self, scope: ClusterScope):
        self._scope = scope
        self._attachments: dict[int, list[pulumi.CustomResource]] = {}

    def attachments(self, role: Optional[aws.iam.Role]) -> list[pulumi.CustomResource]:
        return self._attachments.get(id(role), [])

    def role(self, name: str, service: str, policies: Sequence[str],
             inline: Sequence[well_known_policies.InlinePolicy] = (), boundary: Optional[str] = None) -> aws.iam.Role:
        """A role for ``service`` with ``policies`` attached: AWS managed policy names (``path/Name``)
        or full policy ARNs; the ``inline`` policies, named as eksctl names them; the permissions boundary."""
        scope = self._scope
        child = scope.child()
        role = aws.iam.Role(f"{name}-role", name=names.physical_name(f"{name}-role", ROLE, scope.region),
                            assume_role_policy=assume_role_policy(service),
                            permissions_boundary=boundary, tags=scope.tags or None, opts=child)
        attachments: list[pulumi.CustomResource] = []
        for policy in policies:
            arn = policy if policy.startswith("arn:") else f"arn:{scope.partition}:iam::aws:policy/{policy}"
            attachments.append(aws.iam.RolePolicyAttachment(
                f"{name}-{policy.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn, opts=child))
        for doc in inline:
            attachments.append(aws.iam.RolePolicy(f"{name}-{doc.name}", role=role.name, name=doc.name,
                                                  policy=doc.document(scope.partition), opts=child))
        self._attachments[id(role)] = attachments
        return role

    def node_role(self, name: str, ng: NodeGroupBase, *, managed: bool) -> Optional[aws.iam.Role]:
        """The node group's role, or None when it names its own (iam.instanceRoleARN)."""
        if ng.iam.instance_role_arn is not None:
            return None
        pull = node_pull_policy(self._scope.settings)
        return self.role(name, "ec2.amazonaws.com", node_policies(ng, managed=managed),
                         [*well_known_policies.inline_policies(ng.iam.with_addon_policies), *([pull] if pull else [])],
                         boundary=ng.iam.instance_role_permissions_boundary)

    def fargate_pod_role(self, name: str) -> aws.iam.Role:
        """The Fargate pod execution role (``<name>-fargate``), with its permissions boundary."""
        return self.role(name, "eks-fargate-pods.amazonaws.com", (FARGATE_POLICY,),
                         boundary=self._scope.settings.cluster.iam.fargate_pod_execution_role_permissions_boundary)


def node_role_arn(ng: NodeGroupBase, role: Optional[aws.iam.Role]) -> pulumi.Input[str]:
    """The node group's role ARN: the role made for it, or its own."""
    return role.arn if role is not None else ng.iam.instance_role_arn  # type: ignore[return-value]
