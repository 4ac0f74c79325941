"""Who may use the Kubernetes API: accessConfig and its access entries, access policies (shared with
capabilities), the aws-auth iamIdentityMappings, and OIDC identityProviders."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from components.settings.base import ARN_RE, SettingsModel, Tags, brief, check_arn, raise_rules


class AccessScope(SettingsModel):
    type: Literal["cluster", "namespace"]
    """the whole cluster or some namespaces"""
    namespaces: list[str] = Field(default_factory=list)
    """required with `namespace`, refused with `cluster`"""


class AccessPolicy(SettingsModel):
    policy_arn: str = Field(alias="policyARN")
    """an EKS `cluster-access-policy` ARN"""
    access_scope: AccessScope
    """where the policy applies"""


_NODE_ENTRY_TYPES = ("EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX")


def check_access_policies(policies: "list[AccessPolicy]", loc: tuple[Any, ...],
                          problems: list[tuple[tuple[Any, ...], str]]) -> None:
    """eksctl's rules for accessPolicies (access_entry.go, validateAccessEntries)."""
    for i, ap in enumerate(policies):
        here = loc + (i,)
        check_arn(ap.policy_arn, here + ("policyARN",), problems, service="eks", resource="cluster-access-policy")
        if ap.access_scope.type == "cluster" and ap.access_scope.namespaces:
            problems.append((here + ("accessScope", "namespaces"), "cannot be set when accessScope.type is cluster"))
        if ap.access_scope.type == "namespace" and not ap.access_scope.namespaces:
            problems.append((here + ("accessScope", "namespaces"), "needs at least one namespace when "
                             "accessScope.type is namespace"))


class AccessEntry(SettingsModel):
    """An EKS access entry, as eksctl's accessConfig.accessEntries[] (access_entry.go)."""

    principal_arn: str = Field(alias="principalARN")
    """the IAM role or user the entry is for"""
    type: Literal["STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX"] = "STANDARD"
    """(default: `STANDARD`) node types take no groups, username or policies"""
    kubernetes_groups: list[str] = Field(default_factory=list)
    """RBAC groups"""
    kubernetes_username: str | None = None
    """the Kubernetes user name"""
    access_policies: list[AccessPolicy] = Field(default_factory=list)
    """access policy associations"""

    @model_validator(mode="after")
    def _check(self) -> "AccessEntry":
        # eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/access_entry.go, validateAccessEntries.
        problems: list[tuple[tuple[Any, ...], str]] = []
        check_arn(self.principal_arn, ("principalARN",), problems, service="iam", resource=("role", "user"))
        if self.type in _NODE_ENTRY_TYPES:
            if self.kubernetes_groups or self.kubernetes_username:
                problems.append((("type",), f"{self.type} entries cannot have kubernetesGroups or kubernetesUsername"))
            if self.access_policies:
                problems.append((("accessPolicies",), f"cannot be set when type is {self.type}"))
        check_access_policies(self.access_policies, ("accessPolicies",), problems)
        raise_rules(problems)
        return self


class AccessConfig(SettingsModel):
    authentication_mode: Literal["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"] = "API"
    """how nodes and users are authorised (API: access entries, no aws-auth)"""
    bootstrap_cluster_creator_admin_permissions: bool = True
    """the creator gets cluster-admin (set when the cluster is created); `false` only with `API`"""
    access_entries: list[AccessEntry] = Field(default_factory=list)
    """EKS access entries (`aws.eks.AccessEntry`); not in `CONFIG_MAP` mode; one per principal"""

    @model_validator(mode="after")
    def _check(self) -> "AccessConfig":
        problems: list[tuple[tuple[Any, ...], str]] = []
        # eksctl refuses access entries in CONFIG_MAP mode (validation.go, ValidateClusterConfig), and
        # EKS has no access entries there.
        if self.access_entries and not self.uses_access_entries:
            problems.append((("accessEntries",), "needs authenticationMode API or API_AND_CONFIG_MAP "
                             "(CONFIG_MAP mode has no access entries)"))
        seen: dict[str, int] = {}
        for i, entry in enumerate(self.access_entries):
            if entry.principal_arn in seen:
                problems.append((("accessEntries", i, "principalARN"),
                                 f"{entry.principal_arn!r} already has an entry (accessEntries[{seen[entry.principal_arn]}])"))
            seen.setdefault(entry.principal_arn, i)
        # pulumi-eks writes the aws-auth ConfigMap through the Kubernetes API, as the cluster's
        # creator, whenever the mode supports the ConfigMap (nodejs/eks/cluster/cluster.ts): without
        # the creator's admin access that write is refused and the update fails half-way.
        if not self.bootstrap_cluster_creator_admin_permissions and self.uses_config_map:
            problems.append((("bootstrapClusterCreatorAdminPermissions",),
                             f"can be false only with authenticationMode API: in {self.authentication_mode} mode the "
                             "aws-auth ConfigMap is written through the Kubernetes API by the cluster's creator"))
        raise_rules(problems)
        return self

    @property
    def uses_config_map(self) -> bool:
        """pulumi-eks's supportsConfigMap (nodejs/eks/cluster/authenticationMode.ts)."""
        return self.authentication_mode in ("CONFIG_MAP", "API_AND_CONFIG_MAP")

    @property
    def uses_access_entries(self) -> bool:
        """pulumi-eks's supportsAccessEntries (nodejs/eks/cluster/authenticationMode.ts)."""
        return self.authentication_mode in ("API", "API_AND_CONFIG_MAP")


class IamIdentityMapping(SettingsModel):
    """eksctl's iamIdentityMappings[] (identitymapping.go): an IAM role or user in the aws-auth ConfigMap."""

    arn: str
    """an IAM role or user ARN"""
    username: str | None = None
    """(default: the ARN, as pulumi-eks documents it) the Kubernetes user name"""
    groups: list[str] = Field(default_factory=list)
    """Kubernetes groups"""
    no_duplicate_arns: bool = Field(default=False, alias="noDuplicateARNs")
    """refuse a second mapping of this ARN (an identical one is sent once, as eksctl skips it)"""

    @model_validator(mode="after")
    def _check(self) -> "IamIdentityMapping":
        # eksctl-io/eksctl pkg/iam/mapping.go, NewIdentity: a role or user ARN, and a user name or groups.
        problems: list[tuple[tuple[Any, ...], str]] = []
        check_arn(self.arn, ("arn",), problems, service="iam", resource=("role", "user"))
        if not self.username and not self.groups:
            problems.append(((), "needs a username or groups"))
        raise_rules(problems)
        return self

    @property
    def is_role(self) -> bool:
        m = ARN_RE.match(self.arn)
        return bool(m and m["resource"].startswith("role/"))

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return self.arn, self.username or self.arn, tuple(sorted(self.groups))


# EKS AssociateIdentityProviderConfig (botocore eks service-2.json, requiredClaimsKey/Value): claim
# names of 1-63 characters, values of 1-253.
_CLAIM_KEY_MAX, _CLAIM_VALUE_MAX = 63, 253


class IdentityProvider(SettingsModel):
    """An OIDC identity provider for users of the Kubernetes API (eksctl's identityProviders[])."""

    name: str
    """the identity provider configuration's name"""
    type: Literal["oidc"]
    """`oidc`, the one type eksctl and EKS know"""
    issuer_url: str = Field(alias="issuerURL")
    """`https://` URL of the issuer (no query), reachable from the internet by EKS"""
    client_id: str = Field(alias="clientID")
    """the client ID (audience) of the tokens"""
    username_claim: str | None = None
    """(default: EKS's, `sub`) the claim used as the user name"""
    username_prefix: str | None = None
    """prefix of user names (`-` for none)"""
    groups_claim: str | None = None
    """the claim holding the user's groups"""
    groups_prefix: str | None = None
    """prefix of group names"""
    required_claims: dict[str, str] = Field(default_factory=dict)
    """claims a token must carry with these values"""
    tags: Tags = Field(default_factory=dict)
    """tags on the identity provider configuration"""

    @model_validator(mode="after")
    def _check(self) -> "IdentityProvider":
        # eksctl (validation.go, validateIdentityProvider): name, clientID and issuerURL are required.
        # EKS (OidcIdentityProviderConfigRequest): the issuer URL begins with https:// and has no query.
        problems: list[tuple[tuple[Any, ...], str]] = []
        for field, value in (("name", self.name), ("clientID", self.client_id), ("issuerURL", self.issuer_url)):
            if not value:
                problems.append(((field,), "must be set to a non-empty value"))
        if self.issuer_url and (not self.issuer_url.startswith("https://") or "?" in self.issuer_url
                                or len(self.issuer_url) <= len("https://")):
            problems.append((("issuerURL",), f"{brief(self.issuer_url)} must be an https:// URL without a query"))
        for key, value in self.required_claims.items():
            if not 1 <= len(key) <= _CLAIM_KEY_MAX:
                problems.append((("requiredClaims", key), f"a claim name has 1-{_CLAIM_KEY_MAX} characters"))
            if not 1 <= len(value) <= _CLAIM_VALUE_MAX:
                problems.append((("requiredClaims", key), f"a claim value has 1-{_CLAIM_VALUE_MAX} characters"))
        raise_rules(problems)
        return self
