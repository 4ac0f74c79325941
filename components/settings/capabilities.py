"""The capabilities section: EKS Capabilities (managed ACK, kro, Argo CD), the IAM role each uses,
and Argo CD's configuration."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from components import catalog
from components.settings.access import AccessPolicy, check_access_policies
from components.settings.base import DNS_LABEL_RE, SettingsModel, Tags, brief, check_arn, raise_rules

# EKS Capabilities (eksctl pkg/apis/eksctl.io/v1alpha5/capability.go; EKS CreateCapability in botocore's
# eks service-2.json): a name of letters, digits, '-' and '_'; an IAM Identity Center instance ARN as
# sso-admin's InstanceArn (botocore sso-admin service-2.json); EC2 resource ids (vpce-) of 8 or 17
# hexadecimal digits, as EC2 image ids.
_CAPABILITY_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_IDC_INSTANCE_ARN_RE = re.compile(r"^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$")
_VPCE_RE = re.compile(r"^vpce-([0-9a-f]{8}|[0-9a-f]{17})$")
# The service principal eksctl's capability roles trust (pkg/cfn/builder/iam.go,
# NewIAMRoleResourceSetForCapability), with sts:AssumeRole and sts:TagSession.
CAPABILITIES_PRINCIPAL = "capabilities.eks.amazonaws.com"
# Where Argo CD's server endpoint is made private (EKS user guide, "Configure private endpoint access
# for Argo CD"): an interface endpoint for this service, listed in networkAccess.vpceIds.
ARGOCD_ENDPOINT_SERVICE = "eks-capabilities"


class SsoIdentity(SettingsModel):
    id: str
    """the IAM Identity Center user or group id"""
    type: Literal["SSO_USER", "SSO_GROUP"]
    """a user or a group"""


class ArgoCDRoleMapping(SettingsModel):
    role: Literal["ADMIN", "EDITOR", "VIEWER"]
    """the Argo CD role"""
    identities: list[SsoIdentity]
    """the IAM Identity Center users and groups given the role"""


class ArgoCDNetworkAccess(SettingsModel):
    vpce_ids: list[str] = Field(default_factory=list, alias="vpceIds")
    """ids of existing interface endpoints for `eks-capabilities`: the Argo CD server is then reachable only through them"""


class ArgoCDAwsIdc(SettingsModel):
    idc_instance_arn: str = Field(alias="idcInstanceArn")
    """the IAM Identity Center instance (`arn:aws:sso:::instance/ssoins-...`)"""
    idc_region: str | None = None
    """(default: EKS's) the instance's region"""


class ArgoCDConfiguration(SettingsModel):
    namespace: str | None = None
    """(default: EKS's) the namespace of Argo CD's resources"""
    network_access: ArgoCDNetworkAccess | None = None
    """private access to the Argo CD server (public without it: a warning)"""
    rbac_role_mappings: list[ArgoCDRoleMapping] = Field(default_factory=list, alias="rbacRoleMappings")
    """Argo CD roles of IAM Identity Center users and groups"""
    aws_idc: ArgoCDAwsIdc | None = Field(default=None, alias="awsIdc")
    """sign-in through IAM Identity Center (required)"""


class CapabilityConfiguration(SettingsModel):
    argocd: ArgoCDConfiguration | None = None
    """Argo CD's configuration (type `ARGOCD` only)"""


class Capability(SettingsModel):
    """An EKS Capability (eksctl's capabilities[]: managed ACK, kro or Argo CD)."""

    name: str
    """letters, digits, `-` and `_`; unique in the cluster"""
    type: Literal["ACK", "KRO", "ARGOCD"]
    """one capability of each type per cluster"""
    role_arn: str | None = Field(default=None, alias="roleArn")
    """an existing role trusted by `capabilities.eks.amazonaws.com`; else one is made from `attachPolicyARNs`, `attachPolicy`, `permissionsBoundary`"""  # noqa: E501
    delete_propagation_policy: Literal["RETAIN"] = "RETAIN"
    """(default: `RETAIN`) the one policy EKS takes: the capability's Kubernetes resources stay when it is deleted"""
    configuration: CapabilityConfiguration | None = None
    """required for `ARGOCD`, refused for the others"""
    tags: Tags = Field(default_factory=dict)
    """tags on the capability and the made role"""
    access_policies: list[AccessPolicy] = Field(default_factory=list)
    """access policies associated with the role's access entry, which EKS makes with the capability"""
    attach_policy_arns: list[str] = Field(default_factory=list, alias="attachPolicyARNs")
    """policy ARNs attached to the made role (not with `roleArn`)"""
    attach_policy: dict[str, Any] = Field(default_factory=dict)
    """an inline IAM policy document on the made role (not with `roleArn`)"""
    permissions_boundary: str | None = None
    """the made role's permissions boundary (not with `roleArn`)"""

    @model_validator(mode="after")
    def _check(self) -> "Capability":
        # eksctl capability.go (Capability.Validate): name and type required, ARGOCD needs
        # configuration.argocd.awsIdc; pkg/cfn/builder/capability.go reads configuration as Argo CD's
        # only. EKS CreateCapability (botocore eks service-2.json): awsIdc.idcInstanceArn required.
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not _CAPABILITY_NAME_RE.fullmatch(self.name):
            problems.append((("name",), f"{brief(self.name)} must be letters, digits, '-' and '_' (EKS's capability names)"))
        argocd = self.configuration.argocd if self.configuration else None
        if self.type == "ARGOCD":
            if argocd is None:
                problems.append((("configuration", "argocd"), "is required for an ARGOCD capability"))
            elif argocd.aws_idc is None:
                problems.append((("configuration", "argocd", "awsIdc"), "is required for an ARGOCD capability "
                                 "(Argo CD signs users in through IAM Identity Center)"))
        elif self.configuration is not None:
            problems.append((("configuration",), f"applies to ARGOCD capabilities only, not {self.type}"))
        if argocd is not None:
            loc = ("configuration", "argocd")
            if argocd.namespace is not None and not DNS_LABEL_RE.fullmatch(argocd.namespace):
                problems.append((loc + ("namespace",), f"{brief(argocd.namespace)} is not a Kubernetes namespace name"))
            idc = argocd.aws_idc
            if idc is not None and not _IDC_INSTANCE_ARN_RE.fullmatch(idc.idc_instance_arn):
                problems.append((loc + ("awsIdc", "idcInstanceArn"), f"{brief(idc.idc_instance_arn)} is not an IAM "
                                 "Identity Center instance ARN (arn:aws:sso:::instance/ssoins-<16 characters>)"))
            if idc is not None and idc.idc_region is not None and catalog.known_partition(idc.idc_region) is None:
                problems.append((loc + ("awsIdc", "idcRegion"), f"{brief(idc.idc_region)} is not an AWS region name"))
            for i, vpce in enumerate(argocd.network_access.vpce_ids if argocd.network_access else []):
                if not _VPCE_RE.fullmatch(vpce):
                    problems.append((loc + ("networkAccess", "vpceIds", i), f"{brief(vpce)} is not a VPC endpoint id "
                                     "(vpce- and 8 or 17 hexadecimal digits)"))
            for i, mapping in enumerate(argocd.rbac_role_mappings):
                for j, identity in enumerate(mapping.identities):
                    if not identity.id:
                        problems.append((loc + ("rbacRoleMappings", i, "identities", j, "id"), "must not be empty"))
        # eksctl makes a role only without roleArn (pkg/actions/capability/creator.go) and ignores the
        # role's settings otherwise: here they are refused rather than dropped silently.
        if self.role_arn is not None:
            for key, value in (("attachPolicyARNs", self.attach_policy_arns), ("attachPolicy", self.attach_policy),
                               ("permissionsBoundary", self.permissions_boundary)):
                if value:
                    problems.append(((key,), "cannot be set when roleArn is set (it applies to the role made here)"))
        if self.attach_policy and "Statement" not in self.attach_policy:
            problems.append((("attachPolicy",), "must be an IAM policy document (with Statement)"))
        check_arn(self.role_arn, ("roleArn",), problems, service="iam", resource="role")
        check_arn(self.permissions_boundary, ("permissionsBoundary",), problems, service="iam", resource="policy")
        for i, arn in enumerate(self.attach_policy_arns):
            check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        check_access_policies(self.access_policies, ("accessPolicies",), problems)
        raise_rules(problems)
        return self

    @property
    def argocd(self) -> ArgoCDConfiguration | None:
        return self.configuration.argocd if self.configuration else None
