"""The runner's relay for one run (automation/relay/run.py, docs/architecture.md §6 and §11)."""

from __future__ import annotations

import base64
import os
import ssl
import stat
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import yaml

from automation.relay.run import KUBECONFIG_ENV, relay_environment, relay_function_name, settling, uses_relay
from components.relay import protocol
from tests.components.helpers import settings


def relay_settings():
    return settings(privateCluster={"apiRelay": {"enabled": True}})


def test_a_relay_stack_writes_through_it_unless_bootstrap_always_opens_the_window():
    s = relay_settings()
    assert uses_relay(s, "auto") and uses_relay(s, "never") and not uses_relay(s, "always")
    assert not uses_relay(settings(), "auto")
    assert relay_function_name(s) == "test-cluster-k8s-api-relay"


def test_the_engine_gets_a_kubeconfig_for_the_local_endpoint_only_for_the_block():
    """The stack's provider selects ``protocol.context_name``; the kubeconfig names it, points at
    127.0.0.1 with the endpoint's token, is owner-only, and is gone (with KUBECONFIG) afterwards."""
    calls: list[dict] = []

    def invoker(event):
        calls.append(event)
        return protocol.response(200, {"content-type": "application/json"}, b'{"kind":"Status"}')

    workspace = SimpleNamespace(env_vars={"PULUMI_BACKEND_URL": "file:///x"})
    with relay_environment(workspace, relay_settings(), invoker) as path:
        env = workspace.env_vars
        assert env["PULUMI_BACKEND_URL"] == "file:///x" and env[KUBECONFIG_ENV] == str(path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        config = yaml.safe_load(Path(path).read_text())
        (context,) = config["contexts"]
        assert context["name"] == protocol.context_name("test-cluster")
        cluster = config["clusters"][0]["cluster"]
        server = cluster["server"]
        assert server.startswith("https://127.0.0.1:")
        tls = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        request = urllib.request.Request(server + "/api/v1/namespaces", headers={
            "Authorization": f"Bearer {config['users'][0]['user']['token']}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=tls))
        with opener.open(request, timeout=10) as answer:
            assert answer.status == 200
    assert workspace.env_vars == {"PULUMI_BACKEND_URL": "file:///x"}
    assert not Path(path).exists()
    assert [c["path"] for c in calls] == ["/api/v1/namespaces"]


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_new_relays_401_and_403_settle_then_pass_at_once():
    """IAM User Guide, "Troubleshoot IAM" (changes are not always immediately visible): a new
    role's token and access entry take a moment to be accepted, so the runner's invoker retries the
    cluster's 401/403 until its first other answer; after that a refusal is passed on at once."""
    answers = iter([{"v": 1, "status": 401}, {"v": 1, "status": 403}, {"v": 1, "status": 201},
                    {"v": 1, "status": 403}])
    clock = Clock()
    call = settling(lambda event: next(answers), seconds=120, sleep=clock.sleep, clock=lambda: clock.now)
    assert call({})["status"] == 201
    assert clock.slept == [1.0, 2.0]
    assert call({})["status"] == 403 and clock.slept == [1.0, 2.0]


def test_a_refusal_that_lasts_is_passed_on_after_the_wait_and_relay_errors_never_wait():
    clock = Clock()
    call = settling(lambda event: {"v": 1, "status": 403}, seconds=30, sleep=clock.sleep, clock=lambda: clock.now)
    assert call({})["status"] == 403
    assert sum(clock.slept) == 30 and max(clock.slept) <= 15
    clock2 = Clock()
    refused = settling(lambda event: {"v": 1, "status": 403, "error": "not under the API's prefixes"},
                       sleep=clock2.sleep, clock=lambda: clock2.now)
    assert refused({})["error"] and clock2.slept == []
