"""The whole program: PrivateNetwork → EndpointSet → PrivateCluster, and the stack outputs.

Shared by ``__main__.py`` (always phase ``private``), the runner's inline programs (both phases)
and the offline plan (under Pulumi's mock runtime).
"""

from __future__ import annotations

from typing import Any, Sequence

import pulumi

from components.cluster import PrivateCluster
from components.endpoint_policy import endpoint_policies
from components.endpoints import EndpointSet
from components.images import pull_through_cache
from components.network import PrivateNetwork
from components.relay.protocol import OUTPUT_FUNCTION
from components.relay.provider import kubernetes_provider
from components.settings import PHASES, Phase, StackSettings

__all__ = ["PHASES", "Phase", "bootstrap_access_cidrs", "build", "kubernetes_provider"]


def bootstrap_access_cidrs(settings: StackSettings, bootstrap_cidrs: Sequence[str] = ()) -> list[str]:
    """Who may reach the public endpoint during the bootstrap window: the runner's CIDRs, else the settings'."""
    cidrs = list(bootstrap_cidrs) or list(settings.cluster.vpc.public_access_cidrs)
    if not cidrs:
        raise ValueError(
            f"{settings.source}: the bootstrap phase needs the CIDRs allowed to reach the public API endpoint: "
            "set vpc.publicAccessCIDRs or give --bootstrap-cidr"
        )
    return cidrs


def build(settings: StackSettings, phase: Phase, *, bootstrap_cidrs: Sequence[str] = ()) -> dict[str, Any]:
    """Declare every resource of the stack for ``phase`` and export the outputs of docs/architecture.md §4."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
    cidrs = bootstrap_access_cidrs(settings, bootstrap_cidrs) if phase == "bootstrap" else []
    base = settings.cluster.metadata.name
    tags = dict(settings.cluster.metadata.tags)

    network = PrivateNetwork(f"{base}-network", settings)
    endpoints = EndpointSet(
        f"{base}-endpoints",
        region=settings.region,
        services=settings.endpoint_services(),
        vpc_id=network.vpc_id,
        vpc_cidrs=network.vpc_cidrs,
        subnet_ids=network.subnet_ids,
        route_table_ids=network.route_table_ids,
        source=settings.source,
        policies=endpoint_policies(settings.cluster.private_cluster, settings.region),
        tags=tags,
    )
    subnet_ids = [network.subnet_ids[az] for az in network.zones]
    cluster = PrivateCluster(
        f"{base}-cluster",
        settings=settings,
        phase=phase,
        vpc_id=network.vpc_id,
        subnet_ids=subnet_ids,
        public_access_cidrs=cidrs,
        # Nodes pull images and register through the endpoints; the control plane does not need
        # them, so AWS creates it and the endpoints at the same time.
        capacity_depends_on=[endpoints, *pull_through_cache(settings, base)],
        subnets_by_zone=network.subnet_ids,
        subnets_by_name=network.subnet_ids_by_name,
        vpc_cidr=network.vpc_cidr,
    )

    outputs: dict[str, Any] = {
        "clusterName": cluster.cluster_name,
        "endpointPhase": phase,
        "endpointPublicAccess": cluster.endpoint_public_access,
        "vpcId": network.vpc_id,
        "privateSubnetIds": subnet_ids,
        "routeTableIds": list(network.route_table_ids),
        "endpointServiceNames": list(endpoints.service_names),
        "oidcProviderArn": cluster.oidc_provider_arn,
        "kubeconfig": pulumi.Output.secret(cluster.kubeconfig),
    }
    if cluster.karpenter is not None:
        outputs["karpenter"] = cluster.karpenter
    if cluster.relay_function_name is not None:
        outputs[OUTPUT_FUNCTION] = cluster.relay_function_name
    for key, value in outputs.items():
        pulumi.export(key, value)
    return outputs
