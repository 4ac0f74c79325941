"""Preflight for Karpenter's AWS side and the pull-through cache: what exists already in the account
under the names the stack would create, and the secrets the rules name."""

from __future__ import annotations

import botocore.exceptions as bx

from automation.aws.client import Aws, error_code
from automation.aws.findings import Finding
from components.settings import StackSettings

# ECR API reference, CreatePullThroughCacheRule: PullThroughCacheRuleAlreadyExistsException for a
# prefix that has a rule; Secrets Manager DescribeSecret: ResourceNotFoundException.
_MISSING = frozenset({"ResourceNotFoundException", "NoSuchEntity"})


def _exists(call, **kwargs) -> bool:
    try:
        call(**kwargs)
        return True
    except bx.ClientError as e:
        if error_code(e) in _MISSING:
            return False
        raise


def image_findings(aws: Aws, settings: StackSettings) -> list[Finding]:
    cluster = settings.cluster
    findings: list[Finding] = []
    rules = cluster.private_cluster.pull_through_cache
    if rules:
        existing = {r["ecrRepositoryPrefix"]: r.get("upstreamRegistryUrl", "")
                    for page in aws.client("ecr").get_paginator("describe_pull_through_cache_rules").paginate()
                    for r in page.get("pullThroughCacheRules", [])}
        for i, rule in enumerate(rules):
            if rule.repository_prefix in existing:
                findings.append(Finding(
                    "pull-through-rule-exists", rule.repository_prefix,
                    f"privateCluster.pullThroughCache[{i}]: the registry already has a rule for this prefix "
                    f"(from {existing[rule.repository_prefix]}); ECR keeps one per prefix: choose another prefix"))
            if rule.credential_arn and not _exists(aws.client("secretsmanager").describe_secret,
                                                   SecretId=rule.credential_arn):
                findings.append(Finding("pull-through-secret", rule.credential_arn,
                                        f"privateCluster.pullThroughCache[{i}].credentialARN: no such secret in "
                                        f"{aws.region}"))
    k = cluster.karpenter
    if k is not None:
        from components.karpenter import default_names

        role, profile = default_names(settings)
        iam = aws.client("iam")
        # IAM names are the account's: a second cluster of the same name (another region) collides.
        if _exists(iam.get_role, RoleName=role):
            findings.append(Finding("karpenter-node-role-exists", role, "karpenter: an IAM role of this name exists "
                                    "already (another cluster of the same name?): CreateRole would fail"))
        if _exists(iam.get_instance_profile, InstanceProfileName=profile):
            findings.append(Finding("karpenter-instance-profile-exists", profile, "karpenter: an instance profile of "
                                    "this name exists already: set karpenter.defaultInstanceProfile to another name"))
    return findings
