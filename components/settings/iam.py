"""The iam section: the OIDC provider, permissions boundaries, EKS Pod Identity associations, IAM
roles for service accounts (IRSA), and eksctl's well-known policies those roles take."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, model_validator

from components.settings.base import (
    DNS_LABEL_RE,
    K8S_PREFIX_RE,
    Labels,
    SettingsModel,
    Tags,
    brief,
    check_arn,
    is_label_key,
    raise_rules,
)
from components.settings.defaults import ROLE_ARN_ANNOTATION

# IAM CreateRole's RoleName: 1-64 of letters, digits and _+=,.@-.
_ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")


class WellKnownPolicies(SettingsModel):
    """eksctl's wellKnownPolicies (well_known_iam_policy.go): AWS managed policies for two, inline
    policies of eksctl's own for the others (pkg/cfn/builder/iam_helper.go, createWellKnownPolicies;
    the statements are components/iam/well_known_policies.py)."""

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


class PodIdentityAssociation(SettingsModel):
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
        check_arn(self.role_arn, ("roleARN",), problems, service="iam", resource="role")
        check_arn(self.target_role_arn, ("targetRoleARN",), problems, service="iam", resource="role")
        check_arn(self.permissions_boundary_arn, ("permissionsBoundaryARN",), problems, service="iam", resource="policy")
        for i, arn in enumerate(self.permission_policy_arns):
            check_arn(arn, ("permissionPolicyARNs", i), problems, service="iam", resource="policy")
        raise_rules(problems)
        return self


class ServiceAccountMetadata(SettingsModel):
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
        if len(self.name) > 253 or not K8S_PREFIX_RE.fullmatch(self.name):
            problems.append((("name",), f"{brief(self.name)} is not a Kubernetes name (lower-case letters, digits, "
                                        "'-' and '.', starting and ending with a letter or digit, at most 253)"))
        if not DNS_LABEL_RE.fullmatch(self.namespace):
            problems.append((("namespace",), f"{brief(self.namespace)} is not a Kubernetes namespace (up to 63 "
                                             "lower-case letters, digits and '-', starting and ending with a letter or digit)"))
        for key in self.annotations:
            if not is_label_key(key):
                problems.append((("annotations", key), "is not a Kubernetes qualified name ([prefix/]name)"))
            elif key == ROLE_ARN_ANNOTATION:
                problems.append((("annotations", key), "is set from the role (attachRoleARN or the role made here)"))
        raise_rules(problems)
        return self


class IamServiceAccount(SettingsModel):
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
        check_arn(self.attach_role_arn, ("attachRoleARN",), problems, service="iam", resource="role")
        check_arn(self.permissions_boundary, ("permissionsBoundary",), problems, service="iam", resource="policy")
        for i, arn in enumerate(self.attach_policy_arns):
            check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        raise_rules(problems)
        return self

    @property
    def makes_role(self) -> bool:
        return self.attach_role_arn is None


class IamSettings(SettingsModel):
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
            check_arn(arn, (field_name,), problems, service="iam", resource="policy")
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
        raise_rules(problems)
        return self
