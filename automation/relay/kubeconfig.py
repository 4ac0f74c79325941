"""The kubeconfig that points kubectl, helm and the stack's Kubernetes provider at a local
endpoint (docs/architecture.md §11): one cluster, user and context, all named
``protocol.context_name(cluster)`` (the context the stack's provider selects)."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

import yaml

from components.relay.protocol import context_name


def kubeconfig(*, cluster_name: str, server: str, token: str, ca_pem: str) -> dict[str, object]:
    name = context_name(cluster_name)
    ca_data = base64.b64encode(ca_pem.encode()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "preferences": {},
    }


def write_kubeconfig(path: str | os.PathLike[str], *, cluster_name: str, server: str, token: str,
                     ca_pem: str | None = None) -> Path:
    """Write the kubeconfig to ``path``, owner-only (0600) from its first byte, replacing any file
    there at once (a reader never sees half of it); returns the path. ``ca_pem`` is the CA the
    server's certificate chains to: by default that of this process's LocalEndpoint at ``server``."""
    from automation.relay.local import ca_for

    ca = ca_pem or ca_for(server)
    if not ca:
        raise ValueError(f"no CA for {server}: pass ca_pem (a LocalEndpoint's ca_pem), or start the endpoint first")
    target = Path(path)
    text = yaml.safe_dump(kubeconfig(cluster_name=cluster_name, server=server, token=token, ca_pem=ca), sort_keys=False)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".kubeconfig-")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
