"""The stack's Kubernetes provider: through the relay when the stack has one, else from the
cluster's kubeconfig (docs/architecture.md §11).

Through the relay the provider gets no kubeconfig input, only ``context`` (``protocol.context_name``)
and ``clusterIdentifier``: it reads the ambient kubeconfig (the engine's ``KUBECONFIG``, written by
the runner or ``private-eks connect`` for a local endpoint with a per-run token), so no token is in
the state, the inputs are the same on every run (pulumi-kubernetes provider/pkg/provider/provider.go
DiffConfig: with ``clusterIdentifier`` set and unchanged, a kubeconfig or context change is an
update, never a replacement), and a plain ``pulumi up`` with another kubeconfig fails on the
missing context instead of writing to some other cluster (Configure: a kubeconfig that does not
load marks the cluster unreachable, and a write then fails with that reason). Either way
``deleteUnreachable``: a destroy that cannot reach the API (no relay endpoint running, the window
closed) forgets what the cluster takes with it.

An embedder's program gets the same provider with :func:`kubernetes_provider` after ``build``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import pulumi
import pulumi_kubernetes as kubernetes

from components.relay import protocol

if TYPE_CHECKING:
    from components.relay.function import Relay
    from components.scope import ClusterScope

# The stack's access by cluster name; ``build`` replaces the entry on every run of the program.
_ACCESS: dict[str, "KubernetesAccess"] = {}


class KubernetesAccess:
    """How the stack's Kubernetes resources reach the API; the provider is made when first asked for."""

    def __init__(self, scope: "ClusterScope", cluster: pulumi.Resource, kubeconfig: pulumi.Input[str],
                 relay: Optional["Relay"]):
        self._scope = scope
        self._cluster = cluster
        self._kubeconfig = kubeconfig
        self.relay = relay
        self._provider: Optional[kubernetes.Provider] = None
        _ACCESS[scope.cluster_name] = self

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What every write waits for: the relay's function and access policy, when there is a relay."""
        return self.relay.ready if self.relay is not None else []

    def provider(self, *, was: Optional[tuple[str, pulumi.Resource]] = None) -> kubernetes.Provider:
        """``was``: the name and parent the stack's provider had before the relay (the ServiceAccounts'
        own): the relay's provider takes it over as an alias, so that turning the relay on updates
        the provider (clusterIdentifier added: no replacement, provider.go DiffConfig) instead of
        replacing every ServiceAccount."""
        if self._provider is None:
            name = self._scope.name
            if self.relay is not None:
                aliases = [pulumi.Alias(name=was[0], parent=was[1])] if was is not None else None
                self._provider = kubernetes.Provider(
                    f"{name}-k8s-relay", context=protocol.context_name(self._scope.cluster_name),
                    cluster_identifier=self._scope.cluster_name, delete_unreachable=True,
                    opts=self._scope.child(depends_on=[self._cluster, *self.ready], aliases=aliases))
            else:
                # Reachable only through a bootstrap window.
                self._provider = kubernetes.Provider(f"{name}-k8s", kubeconfig=self._kubeconfig, delete_unreachable=True,
                                                     opts=self._scope.child(depends_on=[self._cluster]))
        return self._provider


def kubernetes_provider(cluster_name: str) -> kubernetes.Provider:
    """The Kubernetes provider of the stack ``build`` just declared for ``cluster_name`` (the
    ``metadata.name`` of its settings): through the relay when ``privateCluster.apiRelay.enabled``."""
    access = _ACCESS.get(cluster_name)
    if access is None:
        raise ValueError(f"no cluster {cluster_name!r} has been declared in this program: call build() first")
    return access.provider()
