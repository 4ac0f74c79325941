"""The Kubernetes API relay's cost (docs/performance.md, the API relay):

    python benchmarks/relay.py [--requests N] [--seconds S]

Against a local TLS server playing the Kubernetes API (tests/relay/stand_in.py), with the Lambda
invocation replaced by a direct in-process call of the function's core (behind a JSON round trip,
as Lambda carries the event and payload):

1. the latency a request gets through the relay (client -> local endpoint -> function core ->
   the API) against the same request sent straight to the API, p50 and p95, for a small GET, a
   list of about 100 KB and a POST; the difference is what the relay adds on this machine;
2. requests per second one relay carries with 1, 4 and 8 concurrent clients;
3. the token: what signing one costs in the function (a local presign, no network).

Clients keep their connections (as kubectl does). What a real invocation adds (the Lambda API's
round trip, a cold start) cannot be measured here; the idle cost is stated from Lambda's pricing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import ssl
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automation.relay.local import LocalEndpoint  # noqa: E402
from components.relay import handler  # noqa: E402
from tests.relay.stand_in import ApiStandIn, make_pki  # noqa: E402

CLUSTER = "bench"


class Client:
    """One kept connection, as kubectl keeps one."""

    def __init__(self, port: int, ca_pem: str, bearer: str):
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cadata=ca_pem))
        self.headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}

    def ask(self, method: str, path: str, body: bytes | None = None) -> float:
        started = time.perf_counter()
        headers = dict(self.headers, **({"Content-Type": "application/json"} if body else {}))
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        answer.read()
        if answer.status >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status}")
        return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency(client: Client, method: str, path: str, n: int, body_of: Any = None) -> list[float]:
    for i in range(10):  # warm: connections made, caches filled
        client.ask(method, path, body_of(-i - 1) if body_of else None)
    return [client.ask(method, path, body_of(i) if body_of else None) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per latency series (default 300)")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per throughput run (default 4)")
    args = parser.parse_args()
    print(f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")

    import botocore.session

    session = botocore.session.get_session()
    session.set_credentials("AKIAIOSFODNN7EXAMPLE", "secret")
    sts = handler.sts_client("us-west-2", session)
    pki, bearer = make_pki(), handler.eks_token(sts, CLUSTER)
    with ApiStandIn(pki, CLUSTER) as api:
        for i in range(300):  # a list of about 100 KB
            api.objects[("configmaps", "default", f"cm-{i:03}")] = {
                "kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": f"cm-{i:03}", "namespace": "default"},
                "data": {"k": "v" * 300}}
        upstream = handler.Upstream(api.endpoint, handler.tls_context(pki.ca_pem))

        def invoke(event: dict[str, Any]) -> dict[str, Any]:
            # As the function does: a token signed per request, one log line (to nowhere here).
            payload = handler.relay(json.loads(json.dumps(event)), upstream=upstream,
                                    token=lambda: handler.eks_token(sts, CLUSTER), log=lambda line: None)
            return json.loads(json.dumps(payload))

        with LocalEndpoint(invoke) as ep:
            port = int(api.endpoint.rsplit(":", 1)[1])
            direct, through = Client(port, pki.ca_pem, bearer), Client(ep.port, ep.ca_pem, ep.token)
            size = len(json.dumps([o for o in api.objects.values() if o["kind"] == "ConfigMap"]))
            series = [
                ("GET /version", "GET", "/version", None),
                (f"GET a list of {size // 1000} KB", "GET", "/api/v1/namespaces/default/configmaps", None),
                ("POST a configmap", "POST", "/api/v1/namespaces/kube-system/configmaps",
                 lambda i: json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": {"name": f"b-{id(direct) if i < 0 else i}-{time.perf_counter_ns()}"}}).encode()),
            ]
            print(f"\n1. latency per request, {args.requests} sequential requests on one kept connection (ms)")
            print(f"{'request':>26} | {'direct p50':>10} {'p95':>7} | {'relay p50':>9} {'p95':>7} | {'added p50':>9} {'p95':>7}")
            for label, method, path, body_of in series:
                d = latency(direct, method, path, args.requests, body_of)
                r = latency(through, method, path, args.requests, body_of)
                d50, d95, r50, r95 = (percentile(d, 50) * 1e3, percentile(d, 95) * 1e3,
                                      percentile(r, 50) * 1e3, percentile(r, 95) * 1e3)
                print(f"{label:>26} | {d50:10.2f} {d95:7.2f} | {r50:9.2f} {r95:7.2f} | {r50 - d50:9.2f} {r95 - d95:7.2f}")

            print(f"\n2. requests per second through one relay (GET /api/v1/namespaces/default/configmaps/cm-000, "
                  f"{args.seconds:.0f} s per run)")
            for clients in (1, 4, 8):
                counts = [0] * clients
                stop = time.perf_counter() + args.seconds

                def run(k: int, stop: float = stop, counts: list[int] = counts) -> None:
                    c = Client(ep.port, ep.ca_pem, ep.token)
                    while time.perf_counter() < stop:
                        c.ask("GET", "/api/v1/namespaces/default/configmaps/cm-000")
                        counts[k] += 1

                threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
                started = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.perf_counter() - started
                print(f"{clients:>3} client(s): {sum(counts) / elapsed:7.0f} requests/s ({sum(counts)} in {elapsed:.1f} s)")

    times = []
    for _ in range(200):
        started = time.perf_counter()
        handler.eks_token(sts, CLUSTER)
        times.append(time.perf_counter() - started)
    print(f"\n3. signing the EKS token in the function: p50 {statistics.median(times) * 1e3:.2f} ms "
          f"(a local presign: no network)")
    print("\nIdle cost: 0. A Lambda function is billed per request ($0.20 per million) and per GB-second of run "
          "time ($0.0000166667, x86); with no request it costs nothing, and its VPC network interfaces "
          "(Hyperplane ENIs) are not billed. Its log group is billed per GB stored.")


if __name__ == "__main__":
    main()
