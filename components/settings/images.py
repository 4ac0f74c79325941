"""privateCluster.pullThroughCache: ECR pull-through cache rules for the upstream registries nodes
pull from, the registry each rule mirrors, and the rules across sections (the node families whose
containerd private-eks can point at the cache)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from components.settings.base import ARN_RE, SettingsModel, raise_rules

if TYPE_CHECKING:
    from components.settings.cluster import ClusterSettings


@dataclass(frozen=True)
class Upstream:
    api_name: str
    """CreatePullThroughCacheRule's upstreamRegistry"""
    host: str | None
    """the registry as images name it (``docker.io/library/nginx``); None: given by ``upstreamURL``"""
    url: str | None
    """CreatePullThroughCacheRule's upstreamRegistryUrl; None: given by ``upstreamURL``"""
    credentials: bool
    """whether ECR needs a Secrets Manager secret to pull from it"""


# ECR user guide, "Sync an upstream registry with an Amazon ECR private registry": ECR Public,
# registry.k8s.io and Quay need no authentication; Docker Hub, GitHub, GitLab (SaaS), Azure and
# Chainguard need a Secrets Manager secret. The URLs are CreatePullThroughCacheRule's
# upstreamRegistryUrl syntax (ECR API reference). Docker Hub's images are named docker.io/... while
# its registry answers at registry-1.docker.io.
UPSTREAMS: dict[str, Upstream] = {
    "ecr-public": Upstream("ecr-public", "public.ecr.aws", "public.ecr.aws", False),
    "k8s": Upstream("k8s", "registry.k8s.io", "registry.k8s.io", False),
    "quay": Upstream("quay", "quay.io", "quay.io", False),
    "docker-hub": Upstream("docker-hub", "docker.io", "registry-1.docker.io", True),
    "github-container-registry": Upstream("github-container-registry", "ghcr.io", "ghcr.io", True),
    "gitlab-container-registry": Upstream("gitlab-container-registry", "registry.gitlab.com", "registry.gitlab.com", True),
    "azure-container-registry": Upstream("azure-container-registry", None, None, True),
    "chainguard": Upstream("chainguard", "cgr.dev", "cgr.dev", True),
}
# Short names for the ones ECR spells long.
SHORT_NAMES = {"github": "github-container-registry", "gitlab": "gitlab-container-registry",
               "azure": "azure-container-registry"}
UpstreamName = Literal["ecr-public", "k8s", "quay", "docker-hub", "github-container-registry", "github",
                       "gitlab-container-registry", "gitlab", "azure-container-registry", "azure", "chainguard"]
# CreatePullThroughCacheRule: ecrRepositoryPrefix 2-30 characters of this pattern; credentialArn a
# secret whose name starts with ecr-pullthroughcache/ (ECR API reference, and the user guide's
# "Creating a pull through cache rule": the secret must be in the rule's account and region).
PREFIX_RE = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
SECRET_RE = re.compile(r"^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$")
AZURE_RE = re.compile(r"^[a-z0-9]{5,50}\.azurecr\.io$")


class PullThroughCacheRule(SettingsModel):
    upstream: UpstreamName
    """the upstream registry: `ecr-public`, `k8s`, `quay` (no credentials); `docker-hub`, `github`, `gitlab`, `azure`, `chainguard` (with `credentialARN`)"""  # noqa: E501
    prefix: str | None = None
    """(default: the upstream's name, e.g. `docker-hub`) the ECR repository prefix of the cached images"""
    credential_arn: str | None = Field(default=None, alias="credentialARN")
    """the Secrets Manager secret (`ecr-pullthroughcache/...`) with the upstream's credentials"""
    upstream_url: str | None = Field(default=None, alias="upstreamURL")
    """the Azure registry (`NAME.azurecr.io`); only for `azure`"""

    @property
    def registry(self) -> Upstream:
        return UPSTREAMS[SHORT_NAMES.get(self.upstream, self.upstream)]

    @property
    def host(self) -> str:
        """The registry as image names spell it, which the nodes mirror."""
        return self.registry.host or self.upstream_url or ""

    @property
    def url(self) -> str:
        return self.registry.url or self.upstream_url or ""

    @property
    def repository_prefix(self) -> str:
        return self.prefix or self.upstream

    @model_validator(mode="after")
    def _check(self) -> "PullThroughCacheRule":
        problems: list[tuple[tuple[Any, ...], str]] = []
        up = self.registry
        prefix = self.repository_prefix
        if not 2 <= len(prefix) <= 30 or not PREFIX_RE.fullmatch(prefix):
            problems.append((("prefix",), f"{prefix!r}: ECR takes 2-30 lowercase letters, digits and . _ - / "
                             "(segments starting and ending with a letter or digit)"))
        if up.credentials and self.credential_arn is None:
            problems.append((("credentialARN",), f"is required: ECR pulls from {self.upstream} only with credentials "
                             "in a Secrets Manager secret named ecr-pullthroughcache/..."))
        if not up.credentials and self.credential_arn is not None:
            problems.append((("credentialARN",), f"{self.upstream} needs no credentials (ECR pulls from it anonymously)"))
        arn = self.credential_arn
        if arn is not None and (not ARN_RE.match(arn) or not SECRET_RE.fullmatch(arn) or not 50 <= len(arn) <= 612):
            problems.append((("credentialARN",), f"{arn!r} is not the ARN of a Secrets Manager secret named "
                             "ecr-pullthroughcache/... (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:"
                             "ecr-pullthroughcache/NAME)"))
        if up.host is None and (self.upstream_url is None or not AZURE_RE.fullmatch(self.upstream_url)):
            problems.append((("upstreamURL",), "is required for azure: the registry, NAME.azurecr.io"))
        if up.host is not None and self.upstream_url is not None:
            problems.append((("upstreamURL",), f"is set by ECR for {self.upstream} ({up.url}); only azure takes one"))
        raise_rules(problems)
        return self


def pull_through_problems(cfg: "ClusterSettings") -> list[tuple[tuple[Any, ...], str]]:
    """Across sections: rules that repeat a prefix or a registry, and node families whose containerd
    private-eks cannot point at the cache."""
    rules = cfg.private_cluster.pull_through_cache
    problems: list[tuple[tuple[Any, ...], str]] = []
    prefixes: dict[str, int] = {}
    hosts: dict[str, int] = {}
    for i, rule in enumerate(rules):
        loc = ("privateCluster", "pullThroughCache", i)
        # ECR keeps one rule per prefix (CreatePullThroughCacheRule: PullThroughCacheRuleAlreadyExistsException).
        if rule.repository_prefix in prefixes:
            problems.append((loc + ("prefix",), f"{rule.repository_prefix!r} is already the prefix of "
                             f"privateCluster.pullThroughCache[{prefixes[rule.repository_prefix]}]"))
        prefixes.setdefault(rule.repository_prefix, i)
        # A node mirrors a registry to one place (one hosts.toml per registry).
        if rule.host and rule.host in hosts:
            problems.append((loc + ("upstream",), f"{rule.host} is already cached by "
                             f"privateCluster.pullThroughCache[{hosts[rule.host]}]"))
        hosts.setdefault(rule.host, i)
    if rules:
        for kind, groups in (("nodeGroups", cfg.node_groups), ("managedNodeGroups", cfg.managed_node_groups)):
            for i, ng in enumerate(groups):
                if ng.ami_family == "AmazonLinux2":
                    problems.append(((kind, i, "amiFamily"), "AmazonLinux2 nodes cannot be pointed at the pull-through "
                                     "cache (privateCluster.pullThroughCache): private-eks writes registry mirrors for "
                                     "AmazonLinux2023 (containerd hosts.toml) and Bottlerocket "
                                     "(settings.container-registry.mirrors) only"))
    return problems
