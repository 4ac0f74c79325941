"""What each eksctl path becomes: the settings models' fields carried as they are (derived, see
walk.py), and the overrides, the only hand-written part: fields moved, noted, translated or dropped.

A new same-named field therefore needs its settings section and its builder only; the import
carries it. A key that neither the models nor the overrides name is dropped with its reason
(reasons.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from automation.eksctl import handlers
from automation.eksctl.walk import DROP, KEEP, Drop, List, Map, Named, NoteWhen, Spec, derive
from components.settings import ClusterSettings


def _node_groups(overrides: Mapping[str, Spec]) -> dict[str, Spec]:
    """The same overrides on nodeGroups[] and managedNodeGroups[]."""
    return {f"{kind}[].{key}": spec for kind in ("nodeGroups", "managedNodeGroups") for key, spec in overrides.items()}


OVERRIDES: dict[str, Spec | Drop] = {
    # The region is Pulumi's own key (aws:region): carried, then moved out of the cluster settings.
    "metadata.region": KEEP,
    # The models accept it only to refuse it with their own message; the import drops it with its reason.
    "vpc.subnets.public": DROP,
    "vpc.nat": handlers.nat,
    "vpc.clusterEndpoints": handlers.cluster_endpoints,
    "vpc.controlPlaneOnPrivateSubnets": handlers.control_plane_on_private_subnets,
    "kubernetesNetworkConfig": handlers.network_config,
    **_node_groups({
        "taints": handlers.taints, "amiFamily": handlers.ami_family, "disableIMDSv1": handlers.imdsv1,
        "ssh": handlers.ssh, "overrideBootstrapCommand": handlers.override_bootstrap,
    }),
    "nodeGroups[].containerRuntime": handlers.container_runtime,
}

SPEC = derive(ClusterSettings, OVERRIDES)

# Where a section goes in the stack file (a section not listed follows, in the models' order); the
# region is Pulumi's own key.
SECTION_ORDER = ("metadata", "privateCluster", "availabilityZones", "localZones", "vpc", "kubernetesNetworkConfig",
                 "accessConfig", "iam", "cloudWatch", "secretsEncryption", "upgradePolicy", "zonalShiftConfig",
                 "controlPlaneScalingConfig", "identityProviders", "autoModeConfig", "addons", "iamIdentityMappings",
                 "capabilities", "karpenter", "nodeGroups", "managedNodeGroups", "fargateProfiles", "deletionProtection")


def sections(carried: Mapping[str, Any], spec: Map = SPEC) -> dict[str, Any]:
    """The carried sections in the stack file's order."""
    order = SECTION_ORDER + tuple(k for k in spec.fields if k not in SECTION_ORDER)
    return {k: carried[k] for k in order if k in carried}


def config_paths(doc: Any, spec: Spec = SPEC, prefix: str = "") -> set[str]:
    """The eksctl paths a ClusterConfig uses, generic (``nodeGroups[].iam.withAddonPolicies.ebs``), down
    to what the spec carries as a whole or does not know."""
    out: set[str] = set()
    if isinstance(spec, Map) and isinstance(doc, Mapping):
        for key, sub in doc.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.add(path)
            if key in spec.fields:
                out |= config_paths(sub, spec.fields[key], path)
    elif isinstance(spec, List) and isinstance(doc, list):
        for item in doc:
            out |= config_paths(item, spec.item, prefix + "[]")
    elif isinstance(spec, Named) and isinstance(doc, Mapping):
        for item in doc.values():
            out |= config_paths(item, spec.item, prefix + ".<name>")
    elif spec is handlers.ssh and isinstance(doc, Mapping):
        out |= {f"{prefix}.{key}" for key in doc}
    return out


# What a translating handler carries below its own path.
_HANDLED: dict[Any, list[str]] = {
    handlers.imdsv1: [], handlers.ami_family: [], handlers.override_bootstrap: [],
    handlers.ssh: [f".{k}" for k in handlers.SSH_CARRIED],
    handlers.network_config: [f".{k}" for k in handlers.NETWORK_CARRIED],
    handlers.taints: [f"[].{k}" for k in handlers.TAINT_FIELDS],
}


def carried_paths(spec: Spec = SPEC, prefix: str = "") -> list[str]:
    """The eksctl paths the import carries (``nodeGroups[].taints`` etc.), for comparing with the model."""
    out = []
    if isinstance(spec, Map):
        for key, sub in spec.fields.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(sub, NoteWhen):
                continue  # never carried: noted or dropped
            out.append(path)
            if callable(sub):
                out += [path + tail for tail in _HANDLED.get(sub, [])]
            else:
                out += carried_paths(sub, path)
    elif isinstance(spec, List):
        out += carried_paths(spec.item, prefix + "[]")
    elif isinstance(spec, Named):
        out += carried_paths(spec.item, prefix + ".<name>")
    return out
