"""EKS Capabilities (managed ACK, kro and Argo CD), as eksctl creates them (pkg/actions/capability/creator.go).

For each capability: the role when ``roleArn`` is not given (trusted by the EKS capabilities service,
with the policies asked for), then ``aws.eks.Capability``, then the access policies on the role's
access entry — which EKS creates with the capability, so the associations come after it. These are
EKS and IAM API calls: nothing here needs the Kubernetes API.
"""

from __future__ import annotations

import json
from typing import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components import names
from components.iam.service_accounts import role_policies
from components.settings import CAPABILITIES_PRINCIPAL, Capability

# eksctl's trust statement for capability roles (pkg/cfn/builder/iam.go, NewIAMRoleResourceSetForCapability).
CAPABILITY_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": CAPABILITIES_PRINCIPAL},
                   "Action": ["sts:AssumeRole", "sts:TagSession"]}],
})


def capability(name: str, cap: Capability, *, cluster_name: str, partition: str, tags: Mapping[str, str],
               parent: pulumi.Resource, depends_on: Sequence[pulumi.Resource], region: str) -> aws.eks.Capability:
    """Declare one capability (and its role and access policy associations) under ``parent``.
    ``depends_on``: the cluster (EKS creates capabilities on an existing cluster)."""
    slug = f"{name}-capability-{cap.name}"
    all_tags = {**tags, **cap.tags}
    child = pulumi.ResourceOptions(parent=parent)
    role_arn: pulumi.Input[str]
    role_ready: list[pulumi.Resource] = []
    if cap.role_arn is not None:
        role_arn = cap.role_arn
    else:
        role = aws.iam.Role(f"{slug}-role", name=names.physical_name(f"{slug}-role", names.ROLE, region),
                            assume_role_policy=CAPABILITY_TRUST,
                            permissions_boundary=cap.permissions_boundary, tags=all_tags or None, opts=child)
        role_ready.append(role)
        role_ready += role_policies(slug, role, partition=partition, policy_arns=cap.attach_policy_arns, flags=None,
                                    policy=json.dumps(cap.attach_policy) if cap.attach_policy else None, opts=child)
        role_arn = role.arn
    argocd = cap.argocd
    configuration = None
    if argocd is not None and argocd.aws_idc is not None:
        configuration = aws.eks.CapabilityConfigurationArgs(argo_cd=aws.eks.CapabilityConfigurationArgoCdArgs(
            aws_idc=aws.eks.CapabilityConfigurationArgoCdAwsIdcArgs(
                idc_instance_arn=argocd.aws_idc.idc_instance_arn, idc_region=argocd.aws_idc.idc_region),
            namespace=argocd.namespace,
            network_access=aws.eks.CapabilityConfigurationArgoCdNetworkAccessArgs(
                vpce_ids=list(argocd.network_access.vpce_ids)) if argocd.network_access else None,
            rbac_role_mappings=[aws.eks.CapabilityConfigurationArgoCdRbacRoleMappingArgs(
                role=m.role, identities=[aws.eks.CapabilityConfigurationArgoCdRbacRoleMappingIdentityArgs(
                    id=i.id, type=i.type) for i in m.identities]) for m in argocd.rbac_role_mappings] or None,
        ))
    # The role and its policies first: EKS assumes the role as the capability starts.
    created = aws.eks.Capability(
        slug,
        capability_name=cap.name,
        cluster_name=cluster_name,
        type=cap.type,
        role_arn=role_arn,
        delete_propagation_policy=cap.delete_propagation_policy,
        configuration=configuration,
        tags=all_tags or None,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[*depends_on, *role_ready]),
    )
    # eksctl waits for the access entry EKS makes for the role, then associates the policies
    # (creator.go, waitForAndAssociateAccessPolicies); pulumi-aws's Capability returns once the
    # capability is ACTIVE (its provider's internal/service/eks/capability.go, waitCapabilityCreated).
    for j, policy in enumerate(cap.access_policies):
        aws.eks.AccessPolicyAssociation(
            f"{slug}-policy-association-{j}",
            cluster_name=cluster_name,
            principal_arn=role_arn,
            policy_arn=policy.policy_arn,
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                type=policy.access_scope.type, namespaces=list(policy.access_scope.namespaces) or None),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[created]),
        )
    return created
