"""The local endpoint and its kubeconfig (docs/architecture.md §11): loopback only, a random
port and token, one request one invocation, hostile or streaming requests refused; kubectl
through it against the TLS API stand-in."""

from __future__ import annotations

import http.client
import json
import shutil
import ssl
import stat
import subprocess

import pytest
import yaml

from automation.relay.kubeconfig import write_kubeconfig
from automation.relay.local import LocalEndpoint
from components.relay import protocol
from tests.relay.conftest import CLUSTER


def ask(ep: LocalEndpoint, method: str, path: str, *, token: str | None = None, headers: dict[str, str] | None = None,
        body: bytes | None = None, host: str | None = None) -> tuple[int, dict]:
    context = ssl.create_default_context(cadata=ep.ca_pem)
    conn = http.client.HTTPSConnection("127.0.0.1", ep.port, timeout=30, context=context)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{ep.port}")
        if token is not False:
            conn.putheader("Authorization", f"Bearer {token or ep.token}")
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None and "Content-Length" not in (headers or {}):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        data = answer.read()
        return answer.status, (json.loads(data) if data else {})
    finally:
        conn.close()


def test_binds_loopback_only_on_a_random_port_with_a_random_token(relay):
    with LocalEndpoint(relay) as one, LocalEndpoint(relay) as two:
        assert one._server is not None and one._server.server_address[0] == "127.0.0.1"
        assert one.url == f"https://127.0.0.1:{one.port}" and one.port != two.port and one.port > 0
        assert one.token != two.token and len(one.token) >= 40 and one.ca_pem != two.ca_pem
    for host in ("0.0.0.0", "::", "10.0.0.5", "localhost.evil.example", ""):
        with pytest.raises(ValueError, match="loopback"):
            LocalEndpoint(relay, host=host)


def test_its_certificate_names_127_0_0_1_and_localhost_and_chains_to_its_own_ca(relay):
    with LocalEndpoint(relay) as ep:
        for name in ("127.0.0.1", "localhost"):
            context = ssl.create_default_context(cadata=ep.ca_pem)
            conn = http.client.HTTPSConnection(name, ep.port, context=context, timeout=30)
            conn.request("GET", "/version", headers={"Authorization": f"Bearer {ep.token}"})
            assert conn.getresponse().status == 200
            conn.close()
        with pytest.raises(ssl.SSLCertVerificationError):
            other = http.client.HTTPSConnection("127.0.0.1", ep.port, context=ssl.create_default_context(), timeout=30)
            other.request("GET", "/version")


def test_a_request_with_the_token_is_one_invocation(relay, api):
    with LocalEndpoint(relay) as ep:
        status, body = ask(ep, "GET", "/api/v1/namespaces/default", headers={"Accept": "application/json"})
    assert status == 200 and body["metadata"]["name"] == "default"
    assert len(relay.events) == 1 and ep.requests == 1
    assert relay.events[0] == {"v": 1, "method": "GET", "path": "/api/v1/namespaces/default",
                               "headers": {"accept": "application/json"}}


@pytest.mark.parametrize("token", [False, "wrong", "", "x" * 43])
def test_without_its_token_nothing_is_invoked(relay, token):
    with LocalEndpoint(relay) as ep:
        forged = token if token is False else (token or " ")
        status, body = ask(ep, "GET", "/api/v1/namespaces", token=forged)
        near = ask(ep, "GET", "/api/v1/namespaces", token=ep.token[:-1])[0]
    assert (status, near) == (401, 401) and body["kind"] == "Status" and "token" in body["message"]
    assert relay.events == []


def test_a_page_that_rebinds_a_name_to_127_0_0_1_is_refused_by_its_host(relay):
    with LocalEndpoint(relay) as ep:
        status, body = ask(ep, "GET", "/version", host=f"evil.example:{ep.port}")
    assert status == 403 and "Host" in body["message"] and relay.events == []


@pytest.mark.parametrize(("path", "headers", "says"), [
    ("/api/v1/namespaces/default/pods?watch=true", {}, "watch"),
    ("/api/v1/namespaces/default/pods/web/log?follow=true", {}, "follow"),
    ("/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true", {"Upgrade": "SPDY/3.1", "Connection": "Upgrade"},
     "upgraded"),
    ("/api/v1/namespaces/default/pods/web/portforward", {}, "portforward"),
    ("/api/v1/namespaces/default/pods/web/attach", {}, "attach"),
])
def test_streaming_requests_get_501_saying_what_to_use_instead(relay, path, headers, says):
    with LocalEndpoint(relay) as ep:
        status, body = ask(ep, "GET", path, headers=headers)
    assert status == 501 and says in body["message"] and "SSM port forwarding" in body["message"]
    assert body["reason"] == "NotImplemented" and relay.events == []


def test_oversized_chunked_and_hostile_requests_are_refused_locally(relay, api):
    with LocalEndpoint(relay) as ep:
        too_big = ask(ep, "POST", "/api/v1/namespaces", headers={"Content-Length": str(protocol.MAX_BODY_BYTES + 1)},
                      body=b"")
        chunked = ask(ep, "POST", "/api/v1/namespaces", headers={"Transfer-Encoding": "chunked"}, body=b"0\r\n\r\n")
        absolute = ask(ep, "GET", "http://evil.example/api/v1/namespaces")
        other = ask(ep, "GET", "/metrics")
        trace = ask(ep, "OPTIONS", "/api")
    assert (too_big[0], chunked[0], absolute[0], other[0], trace[0]) == (413, 411, 400, 403, 405)
    assert "over" in too_big[1]["message"] and "another host" in absolute[1]["message"]
    assert relay.events == [] and api.seen == []


def test_a_gzipped_answer_is_passed_on_to_a_client_that_accepts_gzip_and_unpacked_for_one_that_does_not(relay):
    import gzip

    n = protocol.MAX_BODY_BYTES + 10
    with LocalEndpoint(relay) as ep:
        conn = http.client.HTTPSConnection("127.0.0.1", ep.port, context=ssl.create_default_context(cadata=ep.ca_pem))
        for accept in ("gzip", None):
            conn.request("GET", f"/api/big?n={n}", headers={"Authorization": f"Bearer {ep.token}",
                                                             **({"Accept-Encoding": accept} if accept else {})})
            answer = conn.getresponse()
            data = answer.read()
            if accept:
                assert answer.getheader("Content-Encoding") == "gzip" and len(json.loads(gzip.decompress(data))["pad"]) == n
            else:
                assert answer.getheader("Content-Encoding") is None and len(json.loads(data)["pad"]) == n
        conn.close()


@pytest.mark.parametrize(("payload", "says"), [
    ({"v": 2, "status": 200, "headers": {}, "body": ""}, "protocol version 2"),
    ({"v": 1, "status": 200, "headers": {"warning": "a\r\nSet-Cookie: x"}, "body": ""}, "line break"),
    ({"v": 1, "status": 99, "body": ""}, "no HTTP status"),
    ({"v": 1, "status": 200, "body": "***"}, "not base64"),
    ({"v": 1, "status": 403, "error": "not a Kubernetes API path"}, "not a Kubernetes API path"),
])
def test_an_answer_the_endpoint_cannot_trust_is_refused_with_its_reason(payload, says):
    with LocalEndpoint(lambda event: payload) as ep:
        status, body = ask(ep, "GET", "/version")
    assert status in (400, 403, 502) and says in body["message"]


def test_a_port_in_use_is_bad_input_for_connect(relay, monkeypatch):
    import automation.cli.connect as connect
    from automation.errors import UsageError
    from automation.relay.target import RelayTarget

    monkeypatch.setattr(connect, "invoker", lambda found: relay)
    with LocalEndpoint(relay) as taken:
        with pytest.raises(UsageError, match=f"--port {taken.port}: cannot listen"):
            with connect.endpoint(RelayTarget("dev", "fn", CLUSTER, "us-west-2"), None, port=taken.port):
                pass


def test_a_failing_invoker_is_a_502_with_its_reason_and_the_endpoint_stays_up(relay):
    def broken(event):
        raise RuntimeError("the relay function dev-relay does not exist")

    with LocalEndpoint(broken) as ep:
        first = ask(ep, "GET", "/version")
        second = ask(ep, "GET", "/version")
    assert first[0] == second[0] == 502 and "does not exist" in first[1]["message"]


def test_the_kubeconfig_is_owner_only_and_names_the_relay_context(tmp_path):
    path = write_kubeconfig(tmp_path / "kubeconfig", cluster_name=CLUSTER, server="https://127.0.0.1:4242", token="t0k",
                            ca_pem="CA")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = yaml.safe_load(path.read_text())
    name = protocol.context_name(CLUSTER)
    assert doc["current-context"] == name
    assert doc["contexts"] == [{"name": name, "context": {"cluster": name, "user": name}}]
    assert doc["clusters"][0]["cluster"] == {"server": "https://127.0.0.1:4242", "certificate-authority-data": "Q0E="}
    assert doc["users"][0]["user"] == {"token": "t0k"}
    again = write_kubeconfig(path, cluster_name=CLUSTER, server="https://127.0.0.1:4343", token="new", ca_pem="CA")
    assert "4343" in again.read_text() and list(tmp_path.iterdir()) == [path]  # replaced, no temporary left


def test_the_kubeconfig_trusts_the_running_endpoints_own_ca_by_default(relay, tmp_path):
    """client-go sends a kubeconfig's token to https servers only (client-go
    tools/clientcmd/client_config.go ClientConfig, rest.IsConfigTransportTLS): the endpoint is
    TLS, and its kubeconfig carries the CA made for this run."""
    import base64

    with LocalEndpoint(relay) as ep:
        doc = yaml.safe_load(write_kubeconfig(tmp_path / "k", cluster_name=CLUSTER, server=ep.url,
                                              token=ep.token).read_text())
        assert base64.b64decode(doc["clusters"][0]["cluster"]["certificate-authority-data"]).decode() == ep.ca_pem
        status, _ = ask(ep, "GET", "/version")
        url = ep.url
    assert status == 200
    with pytest.raises(ValueError, match="no CA"):
        write_kubeconfig(tmp_path / "k", cluster_name=CLUSTER, server=url, token="t")  # closed: no CA


kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed here")


@kubectl
def test_kubectl_through_the_endpoint_reads_creates_and_deletes(relay, api, tmp_path, kube_env):
    with LocalEndpoint(relay) as ep:
        config = write_kubeconfig(tmp_path / "kubeconfig", cluster_name=CLUSTER, server=ep.url, token=ep.token)

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["kubectl", *args], env=kube_env(config), capture_output=True, text=True, timeout=60)

        listed = run("get", "namespaces", "-o", "name")
        # JSON (a manifest): the stand-in speaks no protobuf, which kubectl's generators send.
        manifest = tmp_path / "settings.json"
        manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "data": {"mode": "private"},
                                        "metadata": {"name": "settings", "namespace": "default"}}))
        made = run("create", "-f", str(manifest), "--validate=false")
        read = run("get", "configmap", "settings", "-n", "default", "-o", "jsonpath={.data.mode}")
        gone = run("delete", "configmap", "settings", "-n", "default")
        watch = run("get", "namespaces", "--watch", "--request-timeout=20s")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["namespace/default", "namespace/kube-system"]
    assert made.returncode == 0 and read.stdout == "private" and gone.returncode == 0, (made.stderr, gone.stderr)
    assert ("configmaps", "default", "settings") not in api.objects
    assert watch.returncode != 0 and "cannot go through the API relay" in watch.stderr
    # Every request reached the stand-in with the relay's token, none with the local one.
    assert api.seen and all(s.headers["authorization"].startswith("Bearer k8s-aws-v1.") for s in api.seen)
    assert [line["status"] for line in relay.logs].count(201) == 1
