"""Fixtures of the relay's tests: the TLS API stand-in, a token signed with fixed credentials,
and the function's core called in-process in place of the Lambda invocation (moto cannot run a
function without Docker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from automation.relay.tls import ServerCertificate
from components.relay import handler
from tests.relay.stand_in import ApiStandIn, make_pki

CLUSTER = "dev-private"


@pytest.fixture(scope="session")
def pki() -> ServerCertificate:
    return make_pki()


@pytest.fixture(scope="session")
def token() -> str:
    import botocore.session

    session = botocore.session.get_session()
    session.set_credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    return handler.eks_token(handler.sts_client("us-west-2", session), CLUSTER)


@pytest.fixture
def api(pki: ServerCertificate):
    with ApiStandIn(pki, CLUSTER) as stand_in:
        yield stand_in


class InProcess:
    """The function's core behind a JSON round trip, as Lambda carries the event and payload."""

    def __init__(self, api: ApiStandIn, ca_pem: str, token: str):
        self.logs: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.upstream = handler.Upstream(api.endpoint, handler.tls_context(ca_pem))
        self._token = token

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        payload = handler.relay(json.loads(json.dumps(event)), upstream=self.upstream, token=lambda: self._token,
                                log=lambda line: self.logs.append(json.loads(line)))
        return json.loads(json.dumps(payload))


@pytest.fixture
def relay(api: ApiStandIn, pki: ServerCertificate, token: str) -> InProcess:
    return InProcess(api, pki.ca_pem, token)


@pytest.fixture
def kube_env(tmp_path: Path) -> Callable[[Path], dict[str, str]]:
    """kubectl's environment: the kubeconfig given, its discovery cache in this test's folder."""
    import os

    def env(kubeconfig: Path) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig),
                "KUBECACHEDIR": str(tmp_path / "kube-cache")}

    return env
