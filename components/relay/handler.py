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
    return context


def relay(event: Any, *, endpoint: str, context: ssl.SSLContext, token: Callable[[], str],
          log: Callable[[str], None] = print, timeout: float = REQUEST_SECONDS) -> dict[str, Any]:
    """One request of ``event`` sent to ``endpoint`` (https://host[:port], its own cluster's), the
    answer as a response payload; a refused or failed request is a refusal payload naming why.
    ``token()`` gives the bearer token; ``log`` gets one line per request."""
    started = time.monotonic()
    # What was asked, as given (json.dumps below escapes it), so that refusals are logged too.
    asked = event if isinstance(event, dict) else {}
    method, path = str(asked.get("method", "?"))[:16], str(asked.get("path", "?"))
    status, size, error = 0, 0, None
    try:
        method, path, headers, body = protocol.read_event(event)
        host = urllib.parse.urlsplit(endpoint)
        if host.scheme != "https" or not host.hostname:
            raise protocol.Refused(500, f"the relay's endpoint is not an https URL: {endpoint!r}")
        headers["authorization"] = f"Bearer {token()}"
        if body:
            headers["content-length"] = str(len(body))
        # http.client sends the path as given to the one host fixed here and follows no redirect.
        conn = http.client.HTTPSConnection(host.hostname, host.port or 443, context=context, timeout=timeout)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read(protocol.MAX_BODY_BYTES + 1)
            if len(data) > protocol.MAX_BODY_BYTES:
                raise protocol.Refused(502, f"the API's answer is over {protocol.MAX_BODY_BYTES} bytes: ask for "
                                       "less (kubectl --chunk-size, a ?limit= on lists)")
            status, size = answer.status, len(data)
            return protocol.response(status, dict(answer.getheaders()), data)
        finally:
            conn.close()
    except protocol.Refused as e:
        status, error = e.status, str(e)
    except ssl.SSLError as e:
        status, error = 502, f"TLS with the cluster's endpoint failed (its certificate is checked against the cluster CA): {e}"
    except TimeoutError:
        status, error = 504, f"the cluster's API did not answer within {timeout:.0f} s"
    except OSError as e:
        status, error = 502, f"the cluster's endpoint cannot be reached from the function: {e}"
    finally:
        log(json.dumps({"method": method, "path": path[:512], "status": status, "bytes": size,
                        "ms": round((time.monotonic() - started) * 1000, 1), **({"error": error} if error else {})}))
    return protocol.refusal(status, error or "refused")


_WARM: dict[str, Any] = {}  # the TLS context and STS client, once per execution environment


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda's entry point: the cluster from the function's environment (set by the stack), the
    region Lambda sets, the function's role's credentials for the token."""
    if not _WARM:
        _WARM["tls"] = tls_context(base64.b64decode(os.environ[protocol.ENV_CA_DATA]).decode())
        _WARM["sts"] = sts_client(os.environ["AWS_REGION"])
    cluster = os.environ[protocol.ENV_CLUSTER_NAME]
    return relay(event, endpoint=os.environ[protocol.ENV_ENDPOINT], context=_WARM["tls"],
                 token=lambda: eks_token(_WARM["sts"], cluster), log=lambda line: print(line, file=sys.stdout, flush=True))
