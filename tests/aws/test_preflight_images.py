"""Preflight for Karpenter's names and the pull-through cache (automation/aws/image_checks.py), in moto.
moto has no pull-through cache rules (its ECR leaves DescribePullThroughCacheRules unimplemented):
the registry's rules are given by a stand-in for that one paginator; IAM and Secrets Manager are moto's."""

from __future__ import annotations

from typing import Any

import pytest

from automation.aws import image_checks
from automation.aws.client import Aws
from automation.aws.preflight import preflight
from tests.aws.conftest import stack_settings

SECRET_NAME = "ecr-pullthroughcache/docker-hub"
KARPENTER = {"version": "1.8.1", "createServiceAccount": True}
AGENT = [{"name": "eks-pod-identity-agent"}]


class Rules:
    """DescribePullThroughCacheRules' pages, as ECR answers them (ECR API reference)."""

    def __init__(self, rules: list[dict[str, Any]]):
        self.rules = rules

    def paginate(self) -> list[dict[str, Any]]:
        return [{"pullThroughCacheRules": self.rules}]


@pytest.fixture
def registry_rules(monkeypatch):
    rules: list[dict[str, Any]] = []
    real = Aws.client

    def client(self, service):
        c = real(self, service)
        if service == "ecr":
            monkeypatch.setattr(c, "get_paginator", lambda name: Rules(rules))
        return c

    monkeypatch.setattr(Aws, "client", client)
    return rules


def secret_arn(session) -> str:
    sm = session.client("secretsmanager")
    try:
        return sm.describe_secret(SecretId=SECRET_NAME)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        return sm.create_secret(Name=SECRET_NAME, SecretString='{"username":"u","accessToken":"t"}')["ARN"]


def test_a_clean_account_passes(session, registry_rules):
    settings = stack_settings(name="clean-karpenter", addons=AGENT, karpenter=KARPENTER, privateCluster={
        "pullThroughCache": [{"upstream": "quay"}, {"upstream": "docker-hub", "credentialARN": secret_arn(session)}]})
    assert preflight(settings, session=session) == []


def test_a_prefix_the_registry_already_has_is_found(session, registry_rules):
    """ECR keeps one rule per prefix (CreatePullThroughCacheRule: PullThroughCacheRuleAlreadyExistsException)."""
    registry_rules.append({"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io"})
    findings = preflight(stack_settings(privateCluster={"pullThroughCache": [{"upstream": "quay"}]}), session=session)
    assert [(f.check, f.resource) for f in findings] == [("pull-through-rule-exists", "quay")]


def test_a_missing_secret_is_found(session, registry_rules):
    missing = "arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/nobody-AbCdEf"
    settings = stack_settings(privateCluster={"pullThroughCache": [{"upstream": "docker-hub", "credentialARN": missing}]})
    assert [f.check for f in preflight(settings, session=session)] == ["pull-through-secret"]


def test_karpenters_iam_names_taken_by_another_cluster_are_found(session, registry_rules):
    """IAM names are the account's: the same cluster name in another region takes them first."""
    iam = session.client("iam")
    iam.create_role(RoleName="KarpenterNodeRole-taken", AssumeRolePolicyDocument="{}")
    iam.create_instance_profile(InstanceProfileName="KarpenterNodeInstanceProfile-taken")
    findings = preflight(stack_settings(name="taken", addons=AGENT, karpenter=KARPENTER), session=session)
    assert [(f.check, f.resource) for f in findings] == [
        ("karpenter-node-role-exists", "KarpenterNodeRole-taken"),
        ("karpenter-instance-profile-exists", "KarpenterNodeInstanceProfile-taken")]
    own = stack_settings(name="taken", addons=AGENT, karpenter={**KARPENTER, "defaultInstanceProfile": "other"})
    assert [f.check for f in image_checks.image_findings(Aws("us-west-2", session), own)] == [
        "karpenter-node-role-exists"]
