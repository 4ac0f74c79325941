"""The local endpoint (docs/architecture.md §11): an HTTPS server on 127.0.0.1 that kubectl, helm
and the stack's Kubernetes provider talk to, each request carried by one invocation of the relay.

Bound to a loopback address only, on a random port, with a certificate made for this run
(:mod:`automation.relay.tls`: client-go sends a token to https servers only), answering only
those who send its random token (``Authorization: Bearer``) and name it in ``Host`` (a web page's
DNS rebinding names another host). A request that streams (watch, exec, attach, port-forward, ``logs -f``) gets a
501 that says what to use instead: one invocation carries one answer.
"""

from __future__ import annotations

import gzip
import hmac
import ipaddress
import json
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from components.relay import protocol

Invoker = Callable[[dict[str, Any]], dict[str, Any]]

INSTEAD = ("run `kubectl get` again instead of --watch and `kubectl logs` without -f; for watch, exec, attach, "
           "port-forward, cp and logs -f reach the private endpoint through SSM port forwarding "
           "(docs/operations.md, Reaching the private API afterwards)")


def status_body(code: int, message: str) -> bytes:
    """A Kubernetes ``Status`` object: kubectl and client-go print its message as the error."""
    reasons = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
               411: "LengthRequired", 413: "RequestEntityTooLarge", 501: "NotImplemented", 504: "Timeout"}
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reasons.get(code, "InternalError"), "code": code}).encode()


_SERVING: dict[str, str] = {}  # url -> CA of the endpoints running in this process


def ca_for(url: str) -> str | None:
    """The CA (PEM) of this process's running endpoint at ``url``."""
    return _SERVING.get(url)


class LocalEndpoint:
    """``with LocalEndpoint(invoker) as ep:`` serves ``ep.url`` (https://127.0.0.1:PORT, its
    certificate issued by ``ep.ca_pem``) for clients that send ``ep.token``; ``invoker(event)``
    returns the relay's response payload (:class:`automation.relay.invoke.LambdaInvoker`, or the
    function's core called in-process)."""

    def __init__(self, invoker: Invoker, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"the local endpoint binds a loopback address only (127.0.0.1 or ::1), not {host!r}")
        self.invoker = invoker
        self.host = host
        self.token = token or secrets.token_urlsafe(32)
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0  # carried to the relay (refused ones are not counted)
        self._count = threading.Lock()
        self.ca_pem = ""

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the local endpoint is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    def start(self) -> LocalEndpoint:
        server_class = type("Server", (ThreadingHTTPServer,), {
            "address_family": socket.AF_INET6 if ":" in self.host else socket.AF_INET,
            "daemon_threads": True, "endpoint": self})
        from automation.relay.tls import issue

        certificate = issue((self.host, "localhost"))  # the names hosts() accepts
        self.ca_pem = certificate.ca_pem
        server = server_class((self.host, self._port), _Handler)
        # The handshake happens in each connection's thread, at its first read: a client that
        # never completes it holds up no other.
        server.socket = certificate.context().wrap_socket(server.socket, server_side=True,
                                                          do_handshake_on_connect=False)
        self._server = server
        _SERVING[self.url] = self.ca_pem
        self._thread = threading.Thread(target=self._server.serve_forever, name="private-eks-relay", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            _SERVING.pop(self.url, None)
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def hosts(self) -> tuple[str, ...]:
        """The Host header values a client of this endpoint sends."""
        return (f"{self.host}:{self.port}", f"[{self.host}]:{self.port}", f"localhost:{self.port}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: kubectl sends its requests over one connection
    # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm and the client's
    # delayed ACK hold the second one back about 40 ms per request.
    disable_nagle_algorithm = True
    server_version = "private-eks-relay"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # the function logs every request it carries; this side prints nothing

    @property
    def endpoint(self) -> LocalEndpoint:
        return self.server.endpoint  # type: ignore[attr-defined]

    def _answer(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for k, v in (headers or {"content-type": "application/json"}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, code: int, message: str) -> None:
        if code == 401:
            self.close_connection = True
        self._answer(code, status_body(code, message))

    def _carry(self) -> None:
        ep = self.endpoint
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {ep.token}".encode()):
            self._drain()
            return self._refuse(401, "this local endpoint needs its token (the kubeconfig `private-eks connect` wrote)")
        if self.headers.get("Host", "") not in ep.hosts():
            return self._refuse(403, f"Host {self.headers.get('Host', '')[:80]!r} is not this endpoint")
        if self.command not in protocol.METHODS:
            return self._refuse(405, f"method {self.command} is not relayed")
        headers = {k: v for k, v in self.headers.items()}
        why = protocol.streaming(self.path, headers)
        if why:
            self._drain()
            return self._refuse(501, f"{why} cannot go through the API relay (one request, one answer): {INSTEAD}")
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return self._refuse(411, "send the body with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > protocol.MAX_BODY_BYTES:
            self.close_connection = True
            return self._refuse(413, f"the body is over the relay's {protocol.MAX_BODY_BYTES} bytes")
        body = self.rfile.read(length) if length else b""
        try:
            event = protocol.request_event(self.command, protocol.check_path(self.path), headers, body)
            with ep._count:
                ep.requests += 1
            status, answer_headers, data = protocol.read_response(ep.invoker(event))
        except protocol.Refused as e:
            return self._refuse(e.status, str(e))
        except Exception as e:  # the invoker's RelayError, a bug: said to the client, the endpoint stays up
            return self._refuse(502, f"the API relay failed: {e}")
        if answer_headers.get("content-encoding") == "gzip" and "gzip" not in self.headers.get("Accept-Encoding", ""):
            # The function asked for gzip on every client's behalf; this client did not.
            data = gzip.decompress(data)
            del answer_headers["content-encoding"]
        self._answer(status, data, answer_headers)

    def _drain(self) -> None:
        """Read a refused request's body, so the connection stays in step (up to the relay's limit)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if 0 < length <= protocol.MAX_BODY_BYTES:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _carry
