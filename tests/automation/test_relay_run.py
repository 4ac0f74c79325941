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

from automation.relay.run import KUBECONFIG_ENV, relay_environment, relay_function_name, uses_relay
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
