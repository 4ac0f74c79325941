"""The relay function's core against a local TLS server playing the Kubernetes API: what it
forwards, what it refuses (docs/architecture.md §11), and that every request is logged."""

from __future__ import annotations

import base64
import json

import pytest

from components.relay import handler, protocol
from tests.relay.stand_in import ApiStandIn, make_pki


def event(path: str, method: str = "GET", headers: dict[str, str] | None = None, body: str | None = None,
          v: object = protocol.VERSION) -> dict[str, object]:
    e: dict[str, object] = {"v": v, "method": method, "path": path, "headers": headers or {}}
    if body is not None:
        e["body"] = body
    return e


def test_a_get_reaches_the_api_with_the_relays_own_token_and_the_answer_comes_back(relay, api, token):
    status, headers, body = protocol.read_response(relay(protocol.request_event(
        "GET", "/api/v1/namespaces?limit=5", {"Accept": "application/json", "User-Agent": "kubectl/v1.32"}, None)))
    assert status == 200
    assert [i["metadata"]["name"] for i in json.loads(body)["items"]] == ["default", "kube-system"]
    assert headers["content-type"] == "application/json" and headers["audit-id"] == "audit-1"
    seen = api.seen[-1]
    assert (seen.method, seen.path) == ("GET", "/api/v1/namespaces?limit=5")
    assert seen.headers["authorization"] == f"Bearer {token}"
    assert seen.headers["host"] == api.endpoint.removeprefix("https://")
    assert seen.headers["user-agent"] == "kubectl/v1.32"


def test_a_body_goes_through_byte_for_byte(relay, api):
    sent = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "é"}, "data": {"k": "v"}}).encode()
    status, _, body = protocol.read_response(relay(protocol.request_event(
        "POST", "/api/v1/namespaces/default/configmaps", {"Content-Type": "application/json"}, sent)))
    assert status == 201 and json.loads(body)["data"] == {"k": "v"}
    assert api.seen[-1].body == sent and api.seen[-1].headers["content-length"] == str(len(sent))


def test_credentials_host_and_impersonation_from_the_caller_never_reach_the_api(relay, api, token):
    relay(event("/version", headers={"Authorization": "Bearer forged", "Host": "evil.example",
                                     "Impersonate-User": "system:admin", "Proxy-Authorization": "x",
                                     "Connection": "close", "X-Forwarded-Host": "evil.example"}))
    seen = api.seen[-1].headers
    assert seen["authorization"] == f"Bearer {token}"
    assert seen["host"].startswith("127.0.0.1:")
    assert not {"impersonate-user", "proxy-authorization", "x-forwarded-host"} & set(seen)


@pytest.mark.parametrize(("path", "status", "says"), [
    ("http://evil.example/api/v1/namespaces", 400, "not a URL or another host"),
    ("https://127.0.0.1/api", 400, "not a URL or another host"),
    ("//evil.example/api/v1/namespaces", 400, "not a URL or another host"),
    ("@evil.example/api", 400, "not a URL or another host"),
    ("\\\\evil.example\\api", 400, "not a URL or another host"),
    ("/api/v1/namespaces\r\nHost: evil.example", 400, "control"),
    ("/api/v1/namespaces evil", 400, "control"),
    ("/api/../../latest/meta-data", 400, "dot segment"),
    ("/api/%2e%2e/metrics", 400, "dot segment"),
    ("/metrics", 403, "not a Kubernetes API path"),
    ("/apisx/evil", 403, "not a Kubernetes API path"),
    ("", 400, "no path"),
])
def test_anything_but_a_path_of_the_clusters_api_is_refused_before_any_connection(relay, api, path, status, says):
    payload = relay(event(path))
    assert (payload["status"], "error" in payload) == (status, True)
    assert says in payload["error"]
    assert api.seen == []
    assert relay.logs[-1]["status"] == status  # refused requests are logged too


@pytest.mark.parametrize(("e", "status", "says"), [
    (event("/version", v=2), 400, "protocol version 2"),
    (event("/version", v=None), 400, "protocol version None"),
    (["not", "an", "object"], 400, "not a JSON object"),
    (event("/version", method="TRACE"), 405, "not relayed"),
    (event("/version", method="CONNECT"), 405, "not relayed"),
    (event("/version", headers={"accept": "a\r\nX-Evil: 1"}), 400, "line break"),
    (event("/version", headers={"accept": "x" * 2000}), 400, "over 1024"),
    (event("/version", headers="accept: */*"), 400, "not a JSON object"),  # type: ignore[arg-type]
    (event("/api/v1/namespaces", "POST", body="%%%not base64"), 400, "not base64"),
    (event("/api/v1/namespaces", "POST", body=base64.b64encode(b"x" * (protocol.MAX_BODY_BYTES + 3)).decode()),
     413, "over"),
    (event("/api/v1/pods?watch=true"), 501, "watch"),
    (event("/api/v1/pods?watch=%74rue"), 501, "watch"),
    (event("/api/v1/watch/namespaces/default/pods"), 501, "watch"),
    (event("/api/v1/namespaces/default/pods/web/log?follow=1"), 501, "follow"),
    (event("/api/v1/namespaces/default/pods/web/exec?command=sh", "POST"), 501, "pods/exec"),
    (event("/api/v1/namespaces/default/pods/web/portforward", "POST"), 501, "pods/portforward"),
    (event("/api/v1/namespaces/default/pods/web/attach", "POST"), 501, "pods/attach"),
])
def test_hostile_or_streaming_events_are_refused_with_a_clear_reason(relay, api, e, status, says):
    payload = relay(e)
    assert payload["status"] == status and says in payload["error"], payload
    assert api.seen == []


def test_a_pod_or_namespace_named_like_a_subresource_is_not_taken_for_one(relay, api):
    for path in ("/api/v1/namespaces/watch", "/api/v1/namespaces/default/pods/exec",
                 "/api/v1/namespaces/default/configmaps/portforward"):
        assert protocol.streaming(path, {}) is None
    assert relay(event("/api/v1/namespaces/watch"))["status"] == 404  # reached the API, which has no such namespace
    assert len(api.seen) == 1


def test_an_answer_over_the_limit_compressed_is_refused_and_a_redirect_is_neither_followed_nor_carried(relay, api):
    big = f"/api/big?n={protocol.MAX_BODY_BYTES * 2}&random=1"
    payload = relay(event(big))
    assert payload["status"] == 502 and "over" in payload["error"] and "--chunk-size" in payload["error"]
    status, headers, _ = protocol.read_response(relay(event("/api/redirect")))
    assert status == 302 and "location" not in headers
    assert [s.path for s in api.seen] == [big, "/api/redirect"]


def test_a_large_answer_travels_gzipped_when_the_api_compresses_it(relay, api):
    """kube-apiserver gzips large answers for clients that accept gzip (APIResponseCompression):
    the function asks for it, so a list over MAX_BODY_BYTES uncompressed still fits."""
    import gzip

    status, headers, body = protocol.read_response(relay(event(f"/api/big?n={protocol.MAX_BODY_BYTES + 10}")))
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert len(body) < protocol.MAX_BODY_BYTES < len(gzip.decompress(body))
    assert api.seen[-1].headers["accept-encoding"] == "gzip"


def test_an_endpoint_whose_certificate_the_cluster_ca_did_not_issue_is_refused(tmp_path, token):
    other = make_pki()
    mine = make_pki()
    logs: list[str] = []
    with ApiStandIn(other, "dev") as impostor:
        upstream = handler.Upstream(impostor.endpoint, handler.tls_context(mine.ca_pem))
        payload = handler.relay(event("/version"), upstream=upstream, token=lambda: token, log=logs.append)
        assert impostor.seen == []  # the handshake failed before any request, token included, was sent
    assert payload["status"] == 502 and "certificate" in payload["error"]
    assert json.loads(logs[0])["status"] == 502


def test_connections_are_kept_between_requests_and_a_closed_one_is_replaced(relay, api):
    for _ in range(3):
        assert relay(event("/version"))["status"] == 200
    assert len(api.connections) == 1  # one TLS handshake for three requests
    api.drop_connections()
    assert relay(event("/version"))["status"] == 200  # the kept one was closed by the server: a new one
    assert len(api.connections) == 2


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:443", "https://evil.example/api", "https://host?x=1", "ftp://h"])
def test_the_functions_endpoint_is_an_https_origin_only(endpoint):
    with pytest.raises(ValueError, match="https URL with no path"):
        handler.Upstream(endpoint, handler.tls_context(make_pki().ca_pem))


def test_every_request_is_logged_once_with_method_path_status_bytes_and_time(relay):
    relay(event("/version"))
    relay(event("/metrics"))
    assert [(line["method"], line["path"], line["status"]) for line in relay.logs] == [
        ("GET", "/version", 200), ("GET", "/metrics", 403)]
    assert relay.logs[0]["bytes"] > 0 and relay.logs[0]["ms"] >= 0
    assert "error" in relay.logs[1] and "authorization" not in json.dumps(relay.logs).lower()


def test_a_function_without_its_environment_says_which_variables_it_lacks(monkeypatch):
    for name in (protocol.ENV_CLUSTER_NAME, protocol.ENV_ENDPOINT, protocol.ENV_CA_DATA):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    with pytest.raises(RuntimeError, match="lacks CLUSTER_NAME, CLUSTER_ENDPOINT, CLUSTER_CA_DATA"):
        handler.handler(event("/version"), None)


def test_the_handler_runs_from_the_functions_archive_alone(tmp_path, pki, api, token, monkeypatch):
    """The archive holds protocol.FUNCTION_FILES side by side; handler() reads its cluster from the
    environment the component sets and imports nothing of the project."""
    import subprocess
    import sys
    from pathlib import Path

    folder = Path(handler.__file__).parent
    for name in protocol.FUNCTION_FILES:
        (tmp_path / name).write_text((folder / name).read_text())
    script = (
        "import json, sys\n"
        "sys.modules['components'] = None  # as in Lambda: the project is not there\n"
        "import handler\n"
        "handler.eks_token = lambda sts, cluster: sys.argv[1]\n"
        "print(json.dumps(handler.handler({'v': 1, 'method': 'GET', 'path': '/version', 'headers': {}}, None)))\n"
        "print(handler.protocol.__file__)\n")
    env = {protocol.ENV_CLUSTER_NAME: "dev-private", protocol.ENV_ENDPOINT: api.endpoint,
           protocol.ENV_CA_DATA: base64.b64encode(pki.ca_pem.encode()).decode(), "AWS_REGION": "us-west-2",
           "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", "import sys; sys.path[:0] = [sys.argv[2]]\n" + script, token,
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stderr
    log, answer, imported = json.loads(lines[0]), json.loads(lines[1]), lines[2]
    assert (log["method"], log["path"], log["status"]) == ("GET", "/version", 200)
    assert answer["status"] == 200 and imported == str(tmp_path / "protocol.py")
