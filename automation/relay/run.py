"""The relay for one run of the runner (docs/architecture.md §6, §11): a local endpoint on
127.0.0.1 that carries the engine's Kubernetes requests to the stack's relay function, and the
engine's ``KUBECONFIG`` pointing at a kubeconfig for it, for as long as the run lasts.

The stack's Kubernetes provider names only the context (components/relay/provider.py); the
kubeconfig is written here, in a folder of this run's own (0700), with the endpoint's random
token, and is gone when the run ends. The function's name is known before it exists
(``components.relay.function.function_name``), so a new stack's first pass can use it.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from components.settings import StackSettings

Invoker = Callable[[dict[str, Any]], dict[str, Any]]
# (settings, function name) -> the callable that invokes that function with one request event.
InvokerFactory = Callable[[StackSettings, str], Invoker]
KUBECONFIG_ENV = "KUBECONFIG"


def uses_relay(settings: StackSettings, bootstrap: str) -> bool:
    """Whether an ``up`` writes through the relay: the stack has one, and ``--bootstrap always``
    (which still opens the window) was not asked for."""
    return settings.cluster.private_cluster.api_relay.enabled and bootstrap != "always"


def relay_function_name(settings: StackSettings) -> str:
    from components.relay.function import function_name  # lazily: it imports pulumi_aws

    return function_name(settings.cluster.metadata.name)


def lambda_invoker(settings: StackSettings, function: str) -> Invoker:
    """The default: boto3's Lambda Invoke of the stack's function in its region, settling while
    the function's new identity is not yet known to the cluster."""
    from automation.relay.invoke import LambdaInvoker

    return settling(LambdaInvoker(function, region=settings.region))


# The cluster answers 401 while the relay role's signature is not yet accepted, and 403 while its
# access policy is not yet in force: IAM and EKS access entries are eventually consistent (IAM User
# Guide, "Troubleshoot IAM": "Changes that I make are not always immediately visible"), and a new
# stack's first write comes seconds after both were created.
SETTLING = frozenset({401, 403})
SETTLE_SECONDS = 120.0


def settling(invoker: Invoker, *, seconds: float = SETTLE_SECONDS, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic) -> Invoker:
    """``invoker``, retrying a cluster's 401 or 403 with backoff for up to ``seconds`` until the
    first answer that is neither; from then on (the relay's access is in force) every answer is
    passed on at once, so a real refusal costs the wait once. The relay's own refusals (with an
    ``error``) are never retried."""
    settled = threading.Event()

    def call(event: dict[str, Any]) -> dict[str, Any]:
        deadline, delay = None, 1.0
        while True:
            answer = invoker(event)
            if settled.is_set() or "error" in answer or answer.get("status") not in SETTLING:
                settled.set()
                return answer
            now = clock()
            deadline = now + seconds if deadline is None else deadline
            if now >= deadline:
                settled.set()
                return answer
            sleep(min(delay, deadline - now))
            delay = min(delay * 2, 15.0)

    return call


@contextlib.contextmanager
def relay_environment(workspace: Any, settings: StackSettings, invoker: Invoker) -> Iterator[Path]:
    """For the ``with`` block: the local endpoint running and ``workspace`` (the stack's
    ``LocalWorkspace``, whose ``env_vars`` every engine command gets) with ``KUBECONFIG`` set to its
    kubeconfig; yields the kubeconfig's path. Everything is undone on the way out."""
    from automation.relay.kubeconfig import write_kubeconfig
    from automation.relay.local import LocalEndpoint

    saved = workspace.env_vars
    with tempfile.TemporaryDirectory(prefix="private-eks-relay-") as folder, LocalEndpoint(invoker) as endpoint:
        path = write_kubeconfig(Path(folder) / "kubeconfig", cluster_name=settings.cluster.metadata.name,
                                server=endpoint.url, token=endpoint.token)
        workspace.env_vars = {**saved, KUBECONFIG_ENV: str(path)}
        try:
            yield path
        finally:
            workspace.env_vars = saved
