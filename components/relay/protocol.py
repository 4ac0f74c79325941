"""What the relay's two ends agree on: the invocation's shape and limits, the stack outputs that
name the relay, and the kubeconfig context the stack's Kubernetes provider selects
(docs/architecture.md §11). Imported by the function (``handler``), the component and the
runner's local endpoint, so it holds data and pure functions only, and the standard library alone
(the function's archive carries it beside ``handler.py``)."""

from __future__ import annotations

import base64
import binascii
import urllib.parse

# The invocation event and response carry this version; either end refuses another one.
VERSION = 1

# Lambda's synchronous invocation payload quota is 6 MB each way (Lambda quotas: "Invocation
# payload (request and response) 6 MB each for request and response (synchronous)"); bodies travel
# base64-encoded in JSON, so the raw body is bounded below that.
MAX_BODY_BYTES = 4 * 1024 * 1024

# Stack outputs the runner and `private-eks connect` read.
OUTPUT_FUNCTION = "relayFunctionName"

CONTEXT_PREFIX = "private-eks-relay"


def context_name(cluster_name: str) -> str:
    """The kubeconfig context (and cluster and user entries) that reach ``cluster_name`` through
    its relay; the stack's Kubernetes provider selects it, so an ambient kubeconfig without it
    fails instead of writing to some other cluster."""
    return f"{CONTEXT_PREFIX}/{cluster_name}"

# ------------------------------------------------------------------------ what the function reads

# The function's environment, set by the component: its own cluster's name, private endpoint
# (https://...) and certificate authority (base64 PEM, as EKS's certificateAuthority.data gives it).
ENV_CLUSTER_NAME = "CLUSTER_NAME"
ENV_ENDPOINT = "CLUSTER_ENDPOINT"
ENV_CA_DATA = "CLUSTER_CA_DATA"

# The function's code: these files of this folder, side by side at the archive's root (the handler
# imports this module from there), and the handler Lambda calls.
FUNCTION_FILES = ("handler.py", "protocol.py")
FUNCTION_HANDLER = "handler.handler"

# ------------------------------------------------------------------------ what the relay carries

# Requests carry these headers only; Authorization (the relay signs its own), Host, Connection,
# Proxy-*, Impersonate-* and the rest are dropped.
REQUEST_HEADERS = frozenset({"accept", "content-type", "user-agent", "kubectl-command", "kubectl-session"})
# Responses carry these back (Warning: the API server's deprecation warnings, which kubectl prints;
# Content-Encoding: the function asks for gzip, so a large list travels compressed).
RESPONSE_HEADERS = frozenset({"content-type", "content-encoding", "warning", "audit-id", "cache-control",
                              "x-kubernetes-pf-flowschema-uid", "x-kubernetes-pf-prioritylevel-uid"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
# The Kubernetes API's own paths (kube-apiserver's discovery and health endpoints); anything else
# is not the API and is not forwarded.
API_PREFIXES = ("/api", "/apis", "/version", "/openapi", "/healthz", "/livez", "/readyz",
                "/.well-known/openid-configuration", "/openid/v1/jwks")
# Pod subresources that upgrade the connection and stream (kubectl exec, attach, port-forward, cp).
STREAMED_SUBRESOURCES = ("exec", "attach", "portforward")
TRUE = ("1", "t", "true")
MAX_PATH_CHARS = 8192
MAX_HEADER_CHARS = 1024


class Refused(ValueError):
    """A request the relay does not carry: ``status`` is the HTTP status it answers with."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def check_path(path: object) -> str:
    """``path`` if it is a path of the Kubernetes API (with its query); a URL, another host
    (``//evil``), a control character or a path outside the API is refused: the relay builds no URL
    from what it is given, and a path is the one thing it is given."""
    if not isinstance(path, str) or not path:
        raise Refused(400, "the request has no path")
    if len(path) > MAX_PATH_CHARS:
        raise Refused(414, f"the path is over {MAX_PATH_CHARS} characters")
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        raise Refused(400, f"only a path of the cluster's API is relayed, not a URL or another host: {path[:80]!r}")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in path) or "#" in path:
        raise Refused(400, "the path has a control, space, fragment or non-ASCII character (send it percent-encoded)")
    route = path.split("?", 1)[0]
    if any(seg in ("..", ".") for seg in route.split("/")) or "%2e" in route.lower():
        raise Refused(400, f"the path has a dot segment: {route[:80]!r}")
    if not any(route == p or route.startswith(p + "/") for p in API_PREFIXES):
        raise Refused(403, f"not a Kubernetes API path: {route[:80]!r} (the relay carries {', '.join(API_PREFIXES)})")
    return path


def streaming(path: str, headers: dict[str, str]) -> str | None:
    """Why a request cannot go through a request/response relay (None when it can): watches,
    follows and the upgraded connections of exec, attach and port-forward stream for as long as
    they last, and one invocation carries one answer."""
    route, _, query = path.partition("?")
    # As the API server reads them: decoded (Go's url.ParseQuery), booleans by strconv.ParseBool.
    params = {k.lower(): v.lower() for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)}
    lowered = {str(k).lower(): str(v).lower() for k, v in headers.items()}
    if "upgrade" in lowered or "upgrade" in lowered.get("connection", ""):
        return "an upgraded connection (exec, attach, port-forward, cp)"
    segments = route.split("/")
    rest = segments[3:] if segments[1:2] == ["api"] else segments[4:] if segments[1:2] == ["apis"] else []
    if rest[:1] == ["watch"]:
        return "a watch (the /watch/ path)"
    if len(rest) >= 5 and rest[0] == "namespaces" and rest[2] == "pods" and rest[4] in STREAMED_SUBRESOURCES:
        return f"the pods/{rest[4]} subresource"
    if params.get("watch") in TRUE:
        return "a watch (watch=true)"
    if params.get("follow") in TRUE:
        return "a followed log (follow=true)"
    return None


def clean_headers(headers: dict[str, str], allowed: frozenset[str]) -> dict[str, str]:
    """The headers of ``allowed`` (lower-cased names), each refused if it could split a request."""
    out = {}
    for k, v in headers.items():
        name = str(k).lower()
        if name not in allowed:
            continue
        value = str(v)
        if len(value) > MAX_HEADER_CHARS or any(c in value for c in "\r\n\0"):
            raise Refused(400, f"header {name} has a line break or is over {MAX_HEADER_CHARS} characters")
        out[name] = value
    return out


def request_event(method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, object]:
    """The invocation event for one request (checked as the function checks it)."""
    event: dict[str, object] = {"v": VERSION, "method": method, "path": path,
                                "headers": clean_headers(headers, REQUEST_HEADERS)}
    if body:
        event["body"] = base64.b64encode(body).decode("ascii")
    return event


def read_event(event: object) -> tuple[str, str, dict[str, str], bytes]:
    """The request an event carries (method, path, allowed headers, body), or :class:`Refused`."""
    if not isinstance(event, dict):
        raise Refused(400, "the event is not a JSON object")
    if event.get("v") != VERSION:
        raise Refused(400, f"protocol version {event.get('v')!r}: this relay speaks version {VERSION} "
                      "(update private-eks or run `private-eks up` to update the function)")
    method = event.get("method")
    if method not in METHODS:
        raise Refused(405, f"method {str(method)[:20]!r} is not relayed (only {', '.join(sorted(METHODS))})")
    path = check_path(event.get("path"))
    raw_headers = event.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise Refused(400, "the headers are not a JSON object")
    headers = clean_headers(raw_headers, REQUEST_HEADERS)
    why = streaming(path, raw_headers)
    if why:
        raise Refused(501, f"{why} cannot go through the relay (one request, one answer)")
    body = event.get("body")
    if body is None:
        return method, path, headers, b""
    if not isinstance(body, str) or len(body) > (MAX_BODY_BYTES // 3 + 1) * 4:
        raise Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        raw = base64.b64decode(body, validate=True)
    except (ValueError, binascii.Error):
        raise Refused(400, "the body is not base64") from None
    return method, path, headers, raw


def response(status: int, headers: dict[str, str], body: bytes) -> dict[str, object]:
    return {"v": VERSION, "status": status, "headers": clean_headers(headers, RESPONSE_HEADERS),
            "body": base64.b64encode(body).decode("ascii")}


def refusal(status: int, reason: str) -> dict[str, object]:
    return {"v": VERSION, "status": status, "error": reason}


def read_response(payload: object) -> tuple[int, dict[str, str], bytes]:
    """The answer a response payload carries; a refusal is (status, {}, b"") with ``error`` raised
    as :class:`Refused` so that the caller says why."""
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        got = payload.get("v") if isinstance(payload, dict) else type(payload).__name__
        raise Refused(502, f"the relay answered protocol version {got!r}, not {VERSION}: run `private-eks up` "
                      "to update the function")
    status = payload.get("status")
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise Refused(502, f"the relay answered no HTTP status ({str(status)[:20]!r})")
    if "error" in payload:
        raise Refused(status, str(payload["error"])[:2000])
    headers = payload.get("headers") or {}
    if not isinstance(headers, dict):
        raise Refused(502, "the relay's answer has headers that are not a JSON object")
    try:
        body = base64.b64decode(payload.get("body") or "", validate=True)
    except (ValueError, binascii.Error):
        raise Refused(502, "the relay's answer has a body that is not base64") from None
    return status, clean_headers(headers, RESPONSE_HEADERS), body
