"""``private-eks connect -s STACK`` and ``private-eks kubectl -s STACK -- ARGS``: kubectl, helm and
CI jobs reach a private cluster's API through its relay (docs/architecture.md §11), from a local
endpoint on 127.0.0.1 with a random port and token, and a kubeconfig that points at it."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from automation.cli.common import project
from automation.errors import EXIT_OK, ConfigurationError, UsageError

if TYPE_CHECKING:
    from automation.cli.parser import Commands
    from automation.relay.target import RelayTarget

Invoker = Callable[[dict[str, Any]], dict[str, Any]]


def target(args: argparse.Namespace) -> RelayTarget:
    from automation.cli.running import check_aws_credentials
    from automation.relay.target import read_target

    return read_target(project(args), args.stack, also=[check_aws_credentials])


def invoker(found: RelayTarget) -> Invoker:
    from automation.relay.invoke import LambdaInvoker

    return LambdaInvoker(found.function_name, region=found.region)


@contextlib.contextmanager
def endpoint(found: RelayTarget, kubeconfig: Path | None, *, port: int = 0) -> Iterator[tuple[Any, Path]]:
    """The local endpoint and its kubeconfig (``kubeconfig``, or one in a private temporary
    folder), both gone when the block ends."""
    from automation.relay.kubeconfig import write_kubeconfig
    from automation.relay.local import LocalEndpoint

    with contextlib.ExitStack() as stack:
        if kubeconfig is None:
            kubeconfig = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="private-eks-"))) / "kubeconfig"
        elif not kubeconfig.resolve().parent.is_dir():
            raise UsageError(f"--kubeconfig {kubeconfig}: its folder does not exist")
        try:
            ep = stack.enter_context(LocalEndpoint(invoker(found), port=port))
        except OSError as e:
            raise UsageError(f"--port {port}: cannot listen on 127.0.0.1:{port}: {e.strerror or e}") from None
        path = write_kubeconfig(kubeconfig, cluster_name=found.cluster_name, server=ep.url, token=ep.token)
        stack.callback(path.unlink, missing_ok=True)
        yield ep, path


def probe(ep: Any) -> str:
    """The API server's version through the relay: the relay works end to end, or RelayError."""
    from automation.relay.invoke import RelayError
    from components.relay import protocol

    try:
        status, _, body = protocol.read_response(ep.invoker(protocol.request_event("GET", "/version", {}, None)))
    except protocol.Refused as e:
        raise RelayError(f"the relay refused GET /version ({e.status}): {e}") from None
    if status != 200:
        raise RelayError(f"the cluster's API answered GET /version through the relay with {status}: {body[:300]!r}")
    return str(json.loads(body).get("gitVersion", "?"))


def cmd_connect(args: argparse.Namespace) -> int:
    found = target(args)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a CI job's cancel ends it as Ctrl-C does
    try:
        with endpoint(found, Path(args.kubeconfig) if args.kubeconfig else None, port=args.port) as (ep, path):
            version = probe(ep)
            if args.json:
                print(json.dumps({"stack": found.stack, "clusterName": found.cluster_name, "function": found.function_name,
                                  "region": found.region, "server": ep.url, "kubeconfig": str(path),
                                  "context": _context(found), "version": version}), flush=True)
            else:
                print(f"export KUBECONFIG={path}", flush=True)
                print(f"# {found.cluster_name} ({version}) through the relay {found.function_name} at {ep.url}; "
                      "Ctrl-C ends it. watch, exec, attach, port-forward and logs -f do not go through "
                      "(docs/operations.md)", file=sys.stderr, flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def cmd_kubectl(args: argparse.Namespace) -> int:
    kubectl = shutil.which(args.kubectl)
    if kubectl is None:
        raise ConfigurationError(f"{args.kubectl} was not found on PATH: install kubectl, or give --kubectl PATH")
    rest = list(args.kubectl_args)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if not rest:
        raise UsageError("give kubectl's arguments after --: private-eks kubectl -s STACK -- get nodes")
    found = target(args)
    with endpoint(found, None) as (_, path):
        # kubectl's own Ctrl-C handling: it gets the signal from the terminal; this process waits for it.
        with _ignoring(signal.SIGINT):
            return subprocess.run([kubectl, *rest], env={**os.environ, "KUBECONFIG": str(path)}).returncode


@contextlib.contextmanager
def _ignoring(signum: int) -> Iterator[None]:
    previous = signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def _context(found: RelayTarget) -> str:
    from components.relay.protocol import context_name

    return context_name(found.cluster_name)


def add_connect(commands: Commands) -> None:
    p = commands.add(
        "connect", cmd_connect, help="a local endpoint and kubeconfig that reach the private API through the relay",
        description="Serve the stack's Kubernetes API on 127.0.0.1 (a random port and token, nothing bound "
        "elsewhere), each request carried by one invocation of the stack's relay function "
        "(privateCluster.apiRelay.enabled; lambda:InvokeFunction on it is all the credentials need), and "
        "write a kubeconfig for it. Prints `export KUBECONFIG=...` (or, with --json, one JSON line) once "
        "the relay answered, and serves until Ctrl-C or SIGTERM; the kubeconfig is removed then. watch, "
        "exec, attach, port-forward and logs -f are refused (501): one invocation carries one answer.")
    p.add_argument("-s", "--stack", metavar="NAME", required=True, help="the stack (stacks/Pulumi.NAME.yaml)")
    p.add_argument("--kubeconfig", metavar="PATH", help="write the kubeconfig here (default: a private temporary folder)")
    p.add_argument("--port", metavar="N", type=int, default=0, help="the local port (default: a random free one)")
    p.add_argument("--json", action="store_true", help="print the endpoint, kubeconfig and context as one JSON line")


def add_kubectl(commands: Commands) -> None:
    p = commands.add(
        "kubectl", cmd_kubectl, help="run kubectl against the private API through the relay",
        description="`connect` for one kubectl command: starts the local endpoint, runs kubectl with KUBECONFIG "
        "pointing at it, and exits with kubectl's exit code.")
    p.add_argument("-s", "--stack", metavar="NAME", required=True, help="the stack (stacks/Pulumi.NAME.yaml)")
    p.add_argument("--kubectl", metavar="PATH", default="kubectl", help="the kubectl to run (default: kubectl on PATH)")
    p.add_argument("kubectl_args", nargs=argparse.REMAINDER, metavar="-- ARGS", help="kubectl's arguments")
