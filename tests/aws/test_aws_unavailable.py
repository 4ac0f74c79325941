"""When nothing can be checked: AWS unreachable, credentials missing or refused. These raise
AwsUnavailable (never a finding, never a botocore traceback)."""

from __future__ import annotations

import socket

import pytest
from moto import mock_aws
from moto.core import enable_iam_authentication

from automation.aws.audit import audit
from automation.aws.findings import AwsUnavailable
from automation.aws.preflight import preflight
from tests.aws import scenario as sc
from tests.aws.conftest import stack_settings


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_credentials_raise_aws_unavailable(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AwsUnavailable, match="no usable AWS credentials"):
        audit(region=sc.REGION, vpc_id="vpc-0123456789abcdef0")
    with pytest.raises(AwsUnavailable, match="no usable AWS credentials"):
        preflight(stack_settings())


def test_unreachable_endpoint_raises_aws_unavailable(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(AwsUnavailable, match="cannot reach AWS in us-west-2") as e:
        audit(region=sc.REGION, vpc_id="vpc-0123456789abcdef0", cluster_name="c")
    assert "127.0.0.1" in str(e.value)


def test_unknown_profile_raises_aws_unavailable(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    with pytest.raises(AwsUnavailable, match="no-such-profile"):
        audit(region=sc.REGION, vpc_id="vpc-0123456789abcdef0")


def test_refused_credentials_raise_aws_unavailable():
    # moto checks signatures against its IAM users when IAM authentication is on: the test keys
    # belong to no user, as an expired or mistyped key in real life.
    with mock_aws(), enable_iam_authentication():
        with pytest.raises(AwsUnavailable, match="refused the credentials"):
            audit(region=sc.REGION, vpc_id="vpc-0123456789abcdef0")
