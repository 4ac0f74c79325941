"""The addons section: EKS managed add-ons, their configuration, and the IAM role or the pod identity
associations each may get."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from components import input_files, input_rules
from components.settings.base import SettingsModel, Tags, check_arn, raise_rules
from components.settings.defaults import ADDON_SERVICE_ACCOUNTS, PULUMI_EKS_ADDONS
from components.settings.iam import WellKnownPolicies


class AddonPodIdentityAssociation(SettingsModel):
    service_account_name: str
    """the add-on's service account"""
    role_arn: str = Field(alias="roleARN")
    """the role it gets"""


class Addon(SettingsModel):
    """An EKS managed add-on (eksctl's addons[])."""

    name: str
    """listed once"""
    version: str | None = None
    """(default: EKS's default for the Kubernetes version) `latest`: the newest for it"""
    configuration_values: str | None = None
    """a JSON (or YAML) object, as a string"""
    service_account_role_arn: str | None = Field(default=None, alias="serviceAccountRoleARN")
    """the add-on's IRSA role; not on `coredns`, `kube-proxy` (pulumi-eks's options lack it)"""
    # eksctl leaves conflicts to EKS's default, none (CreateAddon, resolveConflicts).
    resolve_conflicts: Literal["none", "overwrite", "preserve"] = "none"
    """(default: `none`) `preserve` applies to updates (EKS creates with `NONE`)"""
    tags: Tags = Field(default_factory=dict)
    """not on `vpc-cni`, `coredns`, `kube-proxy`"""
    pod_identity_associations: list[AddonPodIdentityAssociation] = Field(default_factory=list)
    """not on `vpc-cni`, `coredns`, `kube-proxy`"""
    attach_policy_arns: list[str] = Field(default_factory=list, alias="attachPolicyARNs")
    """policy ARNs of an IRSA role made for the add-on's service account (`vpc-cni`, `aws-ebs-csi-driver`, `aws-efs-csi-driver`: known ones); needs `iam.withOIDC`"""  # noqa: E501
    attach_policy: dict[str, Any] = Field(default_factory=dict)
    """an inline IAM policy document on that role; needs `iam.withOIDC`"""
    well_known_policies: WellKnownPolicies = Field(default_factory=WellKnownPolicies)
    """eksctl's well-known policies on that role; one of `wellKnownPolicies`, `attachPolicyARNs`, `attachPolicy`, `serviceAccountRoleARN`; needs `iam.withOIDC`"""  # noqa: E501

    @model_validator(mode="after")
    def _check(self) -> "Addon":
        problems: list[tuple[tuple[Any, ...], str]] = []
        problems += self._role_rules()
        if (self.configuration_values is not None and self.configuration_object is None
                and not input_rules.json_string_problem(self.configuration_values)):
            problems.append((("configurationValues",), "must be a JSON (or YAML) object, as EKS takes it"))
        check_arn(self.service_account_role_arn, ("serviceAccountRoleARN",), problems, service="iam", resource="role")
        for i, pia in enumerate(self.pod_identity_associations):
            check_arn(pia.role_arn, ("podIdentityAssociations", i, "roleARN"), problems, service="iam", resource="role")
        if self.name in PULUMI_EKS_ADDONS:
            # pulumi-eks creates these itself; its options (CoreDnsAddonOptions, KubeProxyAddonOptions,
            # VpcCniOptions in nodejs/eks/cluster/cluster.ts) carry no tags nor pod identity associations,
            # and only vpc-cni's carries a service account role.
            if self.tags:
                problems.append((("tags",), f"cannot be set on {self.name}: pulumi-eks creates it with the cluster's tags"))
            if self.pod_identity_associations:
                problems.append((("podIdentityAssociations",), f"cannot be set on {self.name}: pulumi-eks creates "
                                 "it without them" + ("; use serviceAccountRoleARN" if self.name == "vpc-cni" else "")))
            if self.service_account_role_arn and self.name != "vpc-cni":
                problems.append((("serviceAccountRoleARN",), f"cannot be set on {self.name}: pulumi-eks creates it "
                                 "without a service account role"))
        raise_rules(problems)
        return self

    def _role_rules(self) -> list[tuple[tuple[Any, ...], str]]:
        """eksctl makes an IRSA role from attachPolicyARNs, wellKnownPolicies or attachPolicy, only when
        no role is given (pkg/actions/addon/create.go, Create), and takes at most one of those and
        serviceAccountRoleARN (pkg/apis/eksctl.io/v1alpha5/addon.go, checkAtMostOnePolicyProviderIsSet).
        Here the role trusts the add-on's known service account alone."""
        problems: list[tuple[tuple[Any, ...], str]] = []
        for i, arn in enumerate(self.attach_policy_arns):
            check_arn(arn, ("attachPolicyARNs", i), problems, service="iam", resource="policy")
        if self.attach_policy and "Statement" not in self.attach_policy:
            problems.append((("attachPolicy",), "must be an IAM policy document (with Statement)"))
        providers = [key for key, on in (("wellKnownPolicies", self.well_known_policies.has_policy),
                                         ("serviceAccountRoleARN", self.service_account_role_arn),
                                         ("attachPolicyARNs", self.attach_policy_arns),
                                         ("attachPolicy", self.attach_policy)) if on]
        for key in providers[1:]:
            problems.append(((key,), f"cannot be set together with {providers[0]} (eksctl takes at most one of "
                                     "wellKnownPolicies, serviceAccountRoleARN, attachPolicyARNs and attachPolicy)"))
        if providers and self.pod_identity_associations:
            problems.append(((providers[0],), "cannot be set together with podIdentityAssociations (eksctl takes "
                                              "IRSA or pod identity associations, not both)"))
        if not self.makes_role:
            return problems
        where = (self.role_field,)
        if self.name not in ADDON_SERVICE_ACCOUNTS:
            problems.append((where, f"the service account of add-on {self.name!r} is not known (known: "
                                    f"{', '.join(ADDON_SERVICE_ACCOUNTS)}), so no role can trust it alone; give "
                                    "serviceAccountRoleARN or podIdentityAssociations"))
        return problems

    @property
    def makes_role(self) -> bool:
        """An IRSA role is made for the add-on (from attachPolicyARNs, wellKnownPolicies or attachPolicy)."""
        return bool(self.attach_policy_arns or self.attach_policy or self.well_known_policies.has_policy)

    @property
    def role_field(self) -> str:
        """The field the made role comes from, for the paths of its problems."""
        return ("wellKnownPolicies" if self.well_known_policies.has_policy else
                "attachPolicyARNs" if self.attach_policy_arns else "attachPolicy")

    @property
    def configuration_object(self) -> dict[str, Any] | None:
        """configurationValues parsed (EKS takes a JSON object; eksctl accepts YAML too)."""
        if self.configuration_values is None:
            return None
        if input_rules.json_string_problem(self.configuration_values):
            return None  # too big or too deep: said by input_rules with its limit
        value = input_files.load_yaml_snippet(self.configuration_values)
        return value if isinstance(value, dict) else None

    @property
    def latest(self) -> bool:
        return self.version is not None and self.version.lower() == "latest"
