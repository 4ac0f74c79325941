"""Images without internet: the ECR pull-through cache rules of privateCluster.pullThroughCache, the
node role permissions a first pull through them needs, and the registry mirrors the nodes are given
(written into their user data by components/nodes/user_data.py, components/nodes/registry_mirrors.py).

A pull-through cache rule is a registry setting of the account and region: ECR pulls from the
upstream registry on the nodes' behalf, and the nodes reach ECR through the ecr.api, ecr.dkr and
S3 endpoints every private cluster has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws

from components import catalog
from components.iam.well_known_policies import InlinePolicy
from components.settings import StackSettings

# ECR user guide, "IAM permissions required to sync an upstream registry with an Amazon ECR private
# registry": the principal that pulls an image through a rule for the first time needs
# BatchImportUpstreamImage (ECR imports it) and CreateRepository (ECR creates its repository); the
# usual pull permissions come with the nodes' registry policy.
PULL_THROUGH_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
PULL_THROUGH_POLICY = "PolicyECRPullThroughCache"


@dataclass(frozen=True)
class Mirror:
    """One registry the nodes pull through the cache: as image names spell it (``docker.io``), where
    it answers (``https://registry-1.docker.io``), and its ECR repository prefix."""

    host: str
    server: str
    prefix: str


def mirrors(settings: StackSettings) -> tuple[Mirror, ...]:
    return tuple(Mirror(rule.host, f"https://{rule.url}", rule.repository_prefix)
                 for rule in settings.cluster.private_cluster.pull_through_cache)


def ecr_domain(region: str) -> str:
    """The domain of a private ECR registry in ``region``: ``ACCOUNT.dkr.ecr.<region>.amazonaws.com``
    (``.amazonaws.com.cn`` in China; ECR user guide, "Amazon ECR private registry")."""
    suffix = "amazonaws.com.cn" if catalog.partition(region) == "aws-cn" else "amazonaws.com"
    return f"dkr.ecr.{region}.{suffix}"


def node_pull_policy(settings: StackSettings) -> Optional[InlinePolicy]:
    """The inline policy a node role needs to pull through the rules' prefixes, or None without rules."""
    rules = settings.cluster.private_cluster.pull_through_cache
    if not rules:
        return None
    resources = [f"arn:{{partition}}:ecr:{settings.region}:*:repository/{rule.repository_prefix}/*" for rule in rules]
    return InlinePolicy(PULL_THROUGH_POLICY, ({"Effect": "Allow", "Action": list(PULL_THROUGH_ACTIONS),
                                               "Resource": resources},))


def pull_through_cache(settings: StackSettings, base: str) -> Sequence[pulumi.Resource]:
    """One aws.ecr.PullThroughCacheRule per entry (CreatePullThroughCacheRule takes no tags)."""
    return [aws.ecr.PullThroughCacheRule(
        f"{base}-pull-through-{rule.repository_prefix.replace('/', '-')}",
        ecr_repository_prefix=rule.repository_prefix, upstream_registry_url=rule.url,
        credential_arn=rule.credential_arn) for rule in settings.cluster.private_cluster.pull_through_cache]
