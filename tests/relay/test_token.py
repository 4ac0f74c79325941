"""The EKS token the relay signs, checked as the authenticator checks it and answered by moto's STS."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
import requests
from moto import mock_aws

from components.relay import handler
from tests.relay.stand_in import check_token


def url_of(token: str) -> urllib.parse.SplitResult:
    raw = token.removeprefix(handler.TOKEN_PREFIX)
    return urllib.parse.urlsplit(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())


@pytest.mark.parametrize(("region", "host"), [
    ("us-west-2", "sts.us-west-2.amazonaws.com"),
    ("us-east-1", "sts.us-east-1.amazonaws.com"),
    ("cn-north-1", "sts.cn-north-1.amazonaws.com.cn"),
    ("us-gov-west-1", "sts.us-gov-west-1.amazonaws.com"),
])
def test_the_token_is_a_presigned_get_caller_identity_on_the_regional_sts_endpoint(region, host):
    """As `aws eks get-token` makes it (aws-cli awscli/customizations/eks/get_token.py: prefix
    k8s-aws-v1., base64url without padding, ExpiresIn 60, x-k8s-aws-id signed), on the region's
    own STS host, which aws-iam-authenticator pkg/token/token.go accepts (hostRegexp)."""
    import botocore.session

    session = botocore.session.get_session()
    session.set_credentials("AKIAIOSFODNN7EXAMPLE", "secret", "session-token")
    token = handler.eks_token(handler.sts_client(region, session), "dev-private")
    assert token.startswith("k8s-aws-v1.") and not token.endswith("=")
    url = url_of(token)
    params = dict(urllib.parse.parse_qsl(url.query))
    assert (url.scheme, url.hostname, url.path) == ("https", host, "/")
    assert params["Action"] == "GetCallerIdentity" and params["Version"] == "2011-06-15"
    assert params["X-Amz-Expires"] == "60"
    assert params["X-Amz-SignedHeaders"].split(";") == ["host", "x-k8s-aws-id"]
    assert params["X-Amz-Credential"].split("/")[2:4] == [region, "sts"]
    assert params["X-Amz-Security-Token"] == "session-token"
    assert "x-k8s-aws-id" not in params  # a header, signed, not a parameter
    assert check_token(token, "dev-private") is None


def test_the_presigned_url_is_answered_by_sts():
    """The API server GETs the URL with the x-k8s-aws-id header (aws-iam-authenticator
    pkg/token/token.go Verify); moto's STS answers it with the signer's identity."""
    with mock_aws():
        import boto3
        import botocore.session

        session = botocore.session.get_session()
        session.set_credentials("AKIAIOSFODNN7EXAMPLE", "secret")
        token = handler.eks_token(handler.sts_client("eu-central-1", session), "dev-private")
        answer = requests.get(url_of(token).geturl(), headers={"x-k8s-aws-id": "dev-private"}, timeout=10)
        me = boto3.client("sts", region_name="eu-central-1").get_caller_identity()
    assert answer.status_code == 200
    assert f"<Arn>{me['Arn']}</Arn>" in answer.text and f"<Account>{me['Account']}</Account>" in answer.text


def forge(url: str) -> str:
    return handler.TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


@pytest.mark.parametrize("forged", [
    forge("https://evil.example/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
    forge("https://sts.us-west-2.amazonaws.com/?Action=AssumeRole&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"),
    forge("https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host&X-Amz-Expires=60"),
    forge("http://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity"),
    "not-a-token",
])
def test_the_stand_in_refuses_what_the_authenticator_refuses(forged):
    assert check_token(forged, "dev-private") is not None


def test_the_api_authenticates_the_relays_requests_with_sts_as_eks_does(pki):
    """End to end under moto: the function signs with its role's credentials, the API stand-in
    checks the token as the authenticator does and asks STS who signed it."""
    import json

    from components.relay import protocol
    from tests.relay.stand_in import ApiStandIn

    with mock_aws():
        import boto3
        import botocore.session

        me = boto3.client("sts", region_name="us-west-2").get_caller_identity()["Arn"]
        session = botocore.session.get_session()
        session.set_credentials("AKIAIOSFODNN7EXAMPLE", "secret")
        sts = handler.sts_client("us-west-2", session)
        with ApiStandIn(pki, "dev-private", verify_with_sts=True) as api:
            upstream = handler.Upstream(api.endpoint, handler.tls_context(pki.ca_pem))
            payload = handler.relay(protocol.request_event("GET", "/version", {}, None), upstream=upstream,
                                    token=lambda: handler.eks_token(sts, "dev-private"), log=lambda line: None)
    assert payload["status"] == 200 and json.loads(base64.b64decode(payload["body"]))["major"] == "1"
    assert api.identities == [me]
