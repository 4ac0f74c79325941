"""What the relay's two ends agree on: the invocation's shape and limits, the stack outputs that
name the relay, and the kubeconfig context the stack's Kubernetes provider selects
(docs/architecture.md §11). Imported by the function (``handler``), the component and the
runner's local endpoint, so it holds data and pure functions only."""

from __future__ import annotations

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
