"""Fixtures for the boto3 checks: fake credentials and no stray AWS configuration, moto in-process,
and a clean fully-private VPC built with boto3 calls."""

from __future__ import annotations

from typing import Any, Iterator

import boto3
import pytest
from moto import mock_aws

from components.settings import StackSettings, settings_from_document
from tests.aws import scenario

_AWS_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
             "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


def isolate(mp: pytest.MonkeyPatch, folder) -> None:
    """Fake credentials, and nothing from the machine's own AWS setup (files, IMDS, proxies)."""
    for var in _AWS_VARS:
        mp.delenv(var, raising=False)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    mp.setenv("AWS_DEFAULT_REGION", scenario.REGION)
    mp.setenv("AWS_CONFIG_FILE", str(folder / "no-aws-config"))
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-aws-credentials"))
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # moto loads thousands of AMIs into every EC2 backend by default; these checks use none.
    mp.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Iterator[boto3.Session]:
    """moto in-process for one test module. Each test builds its own VPC (ids never collide), so
    sharing the emulated account keeps tests independent while paying moto's start-up once."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("aws"))
        with mock_aws():
            yield boto3.Session(region_name=scenario.REGION)


@pytest.fixture
def clean(session: boto3.Session, request) -> scenario.PrivateVpc:
    """A clean private VPC and a private-only cluster named after the test."""
    return scenario.build_private_vpc(session, cluster_name=scenario.cluster_name_for(request.node.name))


@pytest.fixture
def vpc(session: boto3.Session) -> scenario.PrivateVpc:
    """A clean private VPC without a cluster, for the VPC-level rules (moto's CreateCluster is
    slow: it loads botocore's endpoint data on every call)."""
    return scenario.build_private_vpc(session, cluster_name=None)


def stack_settings(region: str = scenario.REGION, *, name: str = "private-cluster", **cluster: Any) -> StackSettings:
    """Validated settings for a minimal stack; keyword arguments are private-eks:cluster keys."""
    doc = {"config": {"aws:region": region, "private-eks:cluster": {"metadata": {"name": name}, **cluster}}}
    return settings_from_document(doc, stack="test", source="stacks/Pulumi.test.yaml")


def existing_vpc_settings(vpc: scenario.PrivateVpc, **extra: Any) -> StackSettings:
    subnets = {f"s{i}": {"id": sid} for i, sid in enumerate(vpc.subnet_ids)}
    return stack_settings(vpc.region, vpc={"id": vpc.vpc_id, "subnets": {"private": subnets}}, **extra)
