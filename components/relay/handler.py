"""The relay function's own source (docs/architecture.md §11): one Kubernetes API request per
invocation, sent to its own cluster's private endpoint with an EKS token it signs itself.

Lambda runs this file with ``protocol.py`` beside it (``protocol.FUNCTION_FILES``): the standard
library and botocore only, both in Lambda's Python runtime. :func:`relay` is the pure core the
tests drive against a local TLS server; :func:`handler` binds it to the function's environment.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from typing import Any, Callable

try:
    from components.relay import protocol
except ImportError:  # in the function's archive the two files sit side by side
    import protocol  # type: ignore[no-redef]

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
# The presigned URL's lifetime, as `aws eks get-token` signs it (aws-cli
# awscli/customizations/eks/get_token.py URL_TIMEOUT); the API server accepts it for 15 minutes
# from X-Amz-Date, so a token is signed once per invocation.
TOKEN_SECONDS = 60
# Under the function's own timeout, so a stuck API server is an answer (504), not a killed invocation.
REQUEST_SECONDS = 25.0


def sts_client(region: str, session: Any = None) -> Any:
    """A botocore STS client on the regional endpoint (sts.<region>.<partition's suffix>, which the
    authenticator accepts in every partition; the global sts.amazonaws.com is us-east-1's alone)
    that signs the ``x-k8s-aws-id`` header into a GetCallerIdentity URL (aws-cli
    awscli/customizations/eks/get_token.py STSClientFactory._register_k8s_aws_id_handlers)."""
    import botocore.session

    session = session or botocore.session.get_session()
    session.set_config_variable("sts_regional_endpoints", "regional")
    sts = session.create_client("sts", region_name=region)

    def keep_id(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if CLUSTER_ID_HEADER in params:
            context[CLUSTER_ID_HEADER] = params.pop(CLUSTER_ID_HEADER)

    def sign_id(request: Any, **_: Any) -> None:
        if CLUSTER_ID_HEADER in request.context:
            request.headers[CLUSTER_ID_HEADER] = request.context[CLUSTER_ID_HEADER]

    sts.meta.events.register("provide-client-params.sts.GetCallerIdentity", keep_id)
    sts.meta.events.register("before-sign.sts.GetCallerIdentity", sign_id)
    return sts


def eks_token(sts: Any, cluster_name: str) -> str:
    """An EKS bearer token for ``cluster_name``: the presigned URL base64url-encoded without
    padding behind ``k8s-aws-v1.`` (aws-cli awscli/customizations/eks/get_token.py
    TokenGenerator.get_token). Signing is local: no call leaves here; the API server makes the
    STS call."""
    url = sts.generate_presigned_url("get_caller_identity", Params={CLUSTER_ID_HEADER: cluster_name},
                                     ExpiresIn=TOKEN_SECONDS, HttpMethod="GET")
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def tls_context(ca_pem: str) -> ssl.SSLContext:
    """Trusts the cluster's CA alone, and checks the endpoint's name against its certificate."""
    context = ssl.create_default_context(cadata=ca_pem)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    # Python 3.13 (Lambda's runtime) adds RFC 5280's strict profile by default, which refuses CA
    # certificates some cluster CAs are issued as; trust is pinned to the one cluster CA anyway.
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    return context


class Upstream:
    """Its own cluster's endpoint (https://host[:port]), trusted through ``context`` alone, with
    the connections a request finished with kept for the next one: a warm function, and the
    benchmark's in-process relay, skip a TLS handshake per request."""

    def __init__(self, endpoint: str, context: ssl.SSLContext, timeout: float = REQUEST_SECONDS):
        url = urllib.parse.urlsplit(endpoint)
        if url.scheme != "https" or not url.hostname or url.path not in ("", "/") or url.query:
            raise ValueError(f"the cluster's endpoint must be an https URL with no path: {endpoint!r}")
        self.host, self.port, self.timeout = url.hostname, url.port or 443, timeout
        self._context = context
        self._idle: list[http.client.HTTPSConnection] = []
        self._lock = threading.Lock()

    def send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """The answer to one request. http.client sends the path as given to the one host fixed
        here and follows no redirect. A kept connection the server closed meanwhile is replaced
        once, when the request was not sent or repeats harmlessly."""
        for attempt in (0, 1):
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            conn = conn or http.client.HTTPSConnection(self.host, self.port, context=self._context, timeout=self.timeout)
            sent = False
            try:
                conn.request(method, path, body=body or None, headers=headers)
                sent = True
                answer = conn.getresponse()
                data = answer.read(protocol.MAX_BODY_BYTES + 1)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if attempt == 0 and reused and (not sent or method in ("GET", "HEAD", "PUT", "DELETE")):
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if len(data) > protocol.MAX_BODY_BYTES:
                conn.close()
                raise protocol.Refused(502, f"the API's answer is over {protocol.MAX_BODY_BYTES} bytes compressed: ask for "
                                       "less (kubectl --chunk-size, a ?limit= on lists)")
            if answer.will_close:
                conn.close()
            else:
                with self._lock:
                    self._idle.append(conn)
            return answer.status, dict(answer.getheaders()), data
        raise AssertionError("unreachable")


def relay(event: Any, *, upstream: Upstream, token: Callable[[], str],
          log: Callable[[str], None] = print) -> dict[str, Any]:
    """One request of ``event`` sent to ``upstream`` (its own cluster's API), the answer as a
    response payload; a refused or failed request is a refusal payload naming why. ``token()``
    gives the bearer token; ``log`` gets one line per request."""
    started = time.monotonic()
    # What was asked, as given (json.dumps below escapes it), so that refusals are logged too.
    asked = event if isinstance(event, dict) else {}
    method, path = str(asked.get("method", "?"))[:16], str(asked.get("path", "?"))
    status, size, error = 0, 0, None
    try:
        method, path, headers, body = protocol.read_event(event)
        headers["authorization"] = f"Bearer {token()}"
        # The API server compresses large answers for a client that asks (kube-apiserver's
        # APIResponseCompression): MAX_BODY_BYTES then bounds the compressed size.
        headers["accept-encoding"] = "gzip"
        if body:
            headers["content-length"] = str(len(body))
        status, answer_headers, data = upstream.send(method, path, body, headers)
        size = len(data)
        return protocol.response(status, answer_headers, data)
    except protocol.Refused as e:
        status, error = e.status, str(e)
    except ssl.SSLError as e:
        status, error = 502, f"TLS with the cluster's endpoint failed (its certificate is checked against the cluster CA): {e}"
    except TimeoutError:
        status, error = 504, f"the cluster's API did not answer within {upstream.timeout:.0f} s"
    except OSError as e:
        status, error = 502, f"the cluster's endpoint cannot be reached from the function: {e}"
    finally:
        log(json.dumps({"method": method, "path": path[:512], "status": status, "bytes": size,
                        "ms": round((time.monotonic() - started) * 1000, 1), **({"error": error} if error else {})}))
    return protocol.refusal(status, error or "refused")


_WARM: dict[str, Any] = {}  # the upstream and STS client, once per execution environment


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda's entry point: the cluster from the function's environment (set by the stack), the
    region Lambda sets, the function's role's credentials for the token."""
    missing = [k for k in (protocol.ENV_CLUSTER_NAME, protocol.ENV_ENDPOINT, protocol.ENV_CA_DATA, "AWS_REGION")
               if not os.environ.get(k)]
    if missing:  # a function deployed by hand or by another tool: say what its environment lacks
        raise RuntimeError(f"the relay function's environment lacks {', '.join(missing)}: deploy it with the stack")
    if not _WARM:
        ca = base64.b64decode(os.environ[protocol.ENV_CA_DATA]).decode()
        _WARM["upstream"] = Upstream(os.environ[protocol.ENV_ENDPOINT], tls_context(ca))
        _WARM["sts"] = sts_client(os.environ["AWS_REGION"])
    cluster = os.environ[protocol.ENV_CLUSTER_NAME]
    return relay(event, upstream=_WARM["upstream"], token=lambda: eks_token(_WARM["sts"], cluster),
                 log=lambda line: print(line, file=sys.stdout, flush=True))
