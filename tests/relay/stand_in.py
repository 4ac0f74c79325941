"""A local TLS server playing the Kubernetes API for the relay's tests and benchmark.

Its certificate is issued by a CA of its own (as EKS's endpoint is by the cluster's CA) for
127.0.0.1 and localhost. It accepts only bearer tokens shaped as the EKS authenticator accepts
them (:func:`check_token`), records every request, and keeps namespaces and configmaps in memory:
enough for kubectl's discovery, ``get``, ``create`` and ``delete``.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import os
import re
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from automation.relay.tls import ServerCertificate, issue

# aws-iam-authenticator pkg/token/token.go: the v1 prefix, the STS hosts it accepts
# (hostRegexp, regional and China), the parameters a presigned URL may carry.
V1_PREFIX = "k8s-aws-v1."
STS_HOST = re.compile(r"^sts(\.[a-z1-9\-]+)?\.amazonaws\.com(\.cn)?$")
ALLOWED_PARAMS = {"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires",
                  "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders"}


def check_token(token: str, cluster_name: str) -> str | None:
    """Why the EKS authenticator would refuse ``token`` before calling STS (None: it would call
    STS with the URL): aws-iam-authenticator pkg/token/token.go tokenVerifier.Verify (prefix,
    unpadded base64url, https, an STS host, path "/", only the allowed parameters once each,
    Action=GetCallerIdentity, x-k8s-aws-id among the signed headers, X-Amz-Expires at most 15
    minutes). ``cluster_name`` is checked by STS's signature, which covers the header."""
    if not token.startswith(V1_PREFIX):
        return "no k8s-aws-v1. prefix"
    raw = token[len(V1_PREFIX):]
    if "=" in raw:
        return "padded base64"
    try:
        url = urllib.parse.urlsplit(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return "not base64url"
    if url.scheme != "https" or not STS_HOST.match(url.hostname or "") or url.path != "/":
        return f"not an STS URL: {url.scheme}://{url.hostname}{url.path}"
    pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
    params = {k.lower(): v for k, v in pairs}
    if len(params) != len(pairs) or set(params) - ALLOWED_PARAMS:
        return f"parameters {sorted(set(params) - ALLOWED_PARAMS)} or repeated ones"
    if params.get("action") != "GetCallerIdentity":
        return "not GetCallerIdentity"
    if "x-k8s-aws-id" not in params.get("x-amz-signedheaders", "").split(";"):
        return "x-k8s-aws-id not signed"
    if not 0 < int(params.get("x-amz-expires", "0")) <= 900:
        return "X-Amz-Expires out of range"
    return None


def make_pki() -> ServerCertificate:
    """A cluster CA ("kubernetes", as EKS names it) and the API server's certificate it issued."""
    return issue(("127.0.0.1", "localhost"), days=1, ca_name="kubernetes")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ApiStandIn:
    """``with ApiStandIn(pki, "dev") as api:`` serves https://127.0.0.1:PORT (``api.endpoint``)."""

    pki: ServerCertificate
    cluster_name: str
    seen: list[Seen] = field(default_factory=list)
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    connections: list[Any] = field(default_factory=list)  # each TLS connection accepted
    # As EKS does after the checks: GET the token's URL with x-k8s-aws-id (under moto, moto's STS
    # answers); the identities STS named.
    verify_with_sts: bool = False
    identities: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        for ns in ("default", "kube-system"):
            self.objects[("namespaces", "", ns)] = _meta("Namespace", ns, None)

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ApiStandIn:
        context = self.pki.context()
        server = type("Server", (ThreadingHTTPServer,), {"daemon_threads": True, "api": self})(("127.0.0.1", 0), _Api)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def drop_connections(self) -> None:
        """Close every connection from the server's side (as an API server's idle timeout does)."""
        for c in self.connections:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _meta(kind: str, name: str, namespace: str | None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "uid": f"uid-{name}", "resourceVersion": "1",
                            "creationTimestamp": "2026-01-01T00:00:00Z"}
    if namespace:
        meta["namespace"] = namespace
    return {"kind": kind, "apiVersion": "v1", "metadata": meta, **extra}


RESOURCES = {
    "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1",
    "resources": [
        {"name": "namespaces", "singularName": "namespace", "namespaced": False, "kind": "Namespace",
         "verbs": ["create", "delete", "get", "list"], "shortNames": ["ns"]},
        {"name": "configmaps", "singularName": "configmap", "namespaced": True, "kind": "ConfigMap",
         "verbs": ["create", "delete", "get", "list"], "shortNames": ["cm"]},
    ],
}
KINDS = {"namespaces": "Namespace", "configmaps": "ConfigMap"}


class _Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as an API server answers: no 40 ms Nagle/delayed-ACK stall

    def setup(self) -> None:
        super().setup()
        self.server.api.connections.append(self.connection)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, code: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        # As kube-apiserver: answers over 128 KiB gzipped for a client that accepts gzip.
        if len(body) > 128 * 1024 and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Audit-Id", "audit-1")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _status(self, code: int, message: str) -> None:
        self._send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": code})

    def _ask_sts(self, api: ApiStandIn, token: str) -> str | None:
        import requests

        raw = token[len(V1_PREFIX):]
        url = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        answer = requests.get(url, headers={"x-k8s-aws-id": api.cluster_name, "accept": "application/json"}, timeout=10)
        if answer.status_code != 200:
            return f"STS answered {answer.status_code}"
        found = re.search(r"<Arn>([^<]+)</Arn>", answer.text) or re.search(r'"Arn":\s*"([^"]+)"', answer.text)
        api.identities.append(found.group(1) if found else "?")
        return None

    def _any(self) -> None:
        api: ApiStandIn = self.server.api  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        api.seen.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        auth = self.headers.get("Authorization", "")
        why = check_token(auth[len("Bearer "):], api.cluster_name) if auth.startswith("Bearer ") else "no bearer token"
        if not why and api.verify_with_sts:
            why = self._ask_sts(api, auth[len("Bearer "):])
        if why:
            return self._status(401, f"Unauthorized: {why}")
        route = urllib.parse.urlsplit(self.path).path.rstrip("/")
        parts = route.split("/")[1:]
        if route == "/version":
            return self._send(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0-eks-standin"})
        if route == "/api":
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "x"}]})
        if route == "/apis":
            return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if route == "/api/v1":
            return self._send(200, RESOURCES)
        if route == "/api/big":  # n characters; random ones (incompressible) with random=1
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            n = int(query["n"][0])
            pad = base64.b64encode(os.urandom(n * 3 // 4 + 3)).decode()[:n] if query.get("random") else "x" * n
            return self._send(200, {"pad": pad})
        if route == "/api/redirect":
            self.send_response(302)
            self.send_header("Location", "https://evil.example/api")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        # /api/v1/namespaces[/NAME] or /api/v1/namespaces/NS/configmaps[/NAME]
        if parts[:3] != ["api", "v1", "namespaces"]:
            return self._status(404, f"the server could not find the requested resource ({route})")
        rest = parts[3:]
        if len(rest) >= 2:
            ns, resource, name = rest[0], rest[1], (rest[2] if len(rest) > 2 else None)
        else:
            ns, resource, name = "", "namespaces", (rest[0] if rest else None)
        if resource not in KINDS:
            return self._status(404, f"no resource {resource}")
        key = (resource, ns, name or "")
        if self.command in ("GET", "HEAD") and name is None:
            items = [o for (r, n, _), o in sorted(api.objects.items()) if r == resource and n == ns]
            return self._send(200, {"kind": KINDS[resource] + "List", "apiVersion": "v1",
                                    "metadata": {"resourceVersion": "1"}, "items": items})
        if self.command in ("GET", "HEAD"):
            if key not in api.objects:
                return self._status(404, f'{resource} "{name}" not found')
            return self._send(200, api.objects[key])
        if self.command == "POST" and name is None:
            if "json" not in self.headers.get("Content-Type", ""):
                return self._status(415, "the stand-in reads JSON bodies only")
            obj = json.loads(body)
            name = obj["metadata"]["name"]
            if (resource, ns, name) in api.objects:
                return self._status(409, f'{resource} "{name}" already exists')
            made = _meta(KINDS[resource], name, ns or None, **{k: v for k, v in obj.items()
                                                               if k not in ("metadata", "kind", "apiVersion")})
            api.objects[(resource, ns, name)] = made
            return self._send(201, made)
        if self.command == "DELETE" and name is not None:
            if api.objects.pop(key, None) is None:
                return self._status(404, f'{resource} "{name}" not found')
            return self._send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})
        return self._status(405, f"{self.command} not served here")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any
