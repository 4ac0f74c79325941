"""The passes after the walk: rules that look at more than one field (a node group's family and its
AMI, add-on roles and iam.withOIDC, identity mappings and the authentication mode), and the notes for
defaults that differ from eksctl's."""

from __future__ import annotations

from typing import Any

from automation.eksctl.handlers import FAMILY_BOUND
from automation.eksctl.results import Dropped, Note
from automation.eksctl.walk import Walk
from components.eks_versions import OFFERED, RETIRED
from components.settings import ADDON_SERVICE_ACCOUNTS, DEFAULT_VERSION, POD_IDENTITY_AGENT

# eksctl's defaults where private-eks differs on purpose (eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5
# types.go DefaultVersion, defaults.go getDefaultAuthenticationMode); the README's "Coming from eksctl".
EKSCTL_DEFAULT_VERSION = "1.34"
EKSCTL_DEFAULT_AUTHENTICATION_MODE = "API_AND_CONFIG_MAP"


def drop_emptied_items(carried: dict[str, Any], walk: Walk) -> None:
    """List items left without what makes them (their only fields were dropped) go whole, listed
    once with the reasons of those fields: an account or service mapping."""
    lists = [("iamIdentityMappings", carried, "iamIdentityMappings", ("arn",), ("account", "serviceName", "namespace"))]
    for where, parent, key, needs, lost_keys in lists:
        items = parent.get(key)
        if not isinstance(items, list):
            continue
        kept, out = [], []
        for i, item in enumerate(items):
            prefixes = tuple(f"{where}[{i}].{k}" for k in lost_keys)
            lost = [d for d in walk.dropped if d.path.startswith(prefixes)]
            if isinstance(item, dict) and lost and not any(k in item for k in needs):
                walk.dropped = [d for d in walk.dropped if d not in lost]
                walk.dropped.append(Dropped(f"{where}[{i}]", "; ".join(
                    f"{d.path.removeprefix(f'{where}[{i}].')}: {d.reason}" for d in lost)))
                continue
            kept.append(i)
            out.append(item)
        if len(out) != len(items):
            walk.kept[where] = kept
            if out:
                parent[key] = out
            else:
                del parent[key]


def drop_addon_roles_eksctl_skips(carried: dict[str, Any], walk: Walk) -> None:
    """An add-on's attachPolicyARNs/wellKnownPolicies/attachPolicy make a role in eksctl only with
    iam.withOIDC (pkg/actions/addon/create.go, Create); private-eks makes it only for a service account
    it knows (ADDON_SERVICE_ACCOUNTS). With serviceAccountRoleARN or podIdentityAssociations eksctl
    refuses the config (pkg/apis/eksctl.io/v1alpha5/addon.go, Validate), and so do the settings."""
    iam = carried.get("iam")
    oidc = isinstance(iam, dict) and iam.get("withOIDC") is True
    addons = carried.get("addons")
    for i, addon in enumerate(addons if isinstance(addons, list) else []):
        if not isinstance(addon, dict) or not isinstance(addon.get("name", ""), str):
            continue  # the settings validation names a name of the wrong shape
        reason = None
        if addon.get("serviceAccountRoleARN") or addon.get("podIdentityAssociations"):
            continue
        if addon.get("name") not in ADDON_SERVICE_ACCOUNTS:
            reason = (f"the service account of add-on {addon.get('name')!r} is not known (known: "
                      f"{', '.join(ADDON_SERVICE_ACCOUNTS)}): eksctl's role would trust every service account of "
                      "the cluster; give serviceAccountRoleARN or podIdentityAssociations with a roleARN")
        elif not oidc:
            reason = "eksctl makes no add-on role without iam.withOIDC (it only warns)"
        flags = addon.get("wellKnownPolicies")
        for key in ("attachPolicyARNs", "wellKnownPolicies", "attachPolicy"):
            # Flags all written false ask for no role: they stay, as they do nothing.
            if key == "wellKnownPolicies" and isinstance(flags, dict) and not any(flags.values()):
                continue
            if reason and key in addon:
                walk.drop(f"addons[{i}].{key}", f"addons[].{key}", addon.pop(key), reason=reason)


def keep_config_map_for_mappings(carried: dict[str, Any], walk: Walk) -> None:
    """iamIdentityMappings under eksctl's default authentication mode (API_AND_CONFIG_MAP, which has
    aws-auth): that mode is written out, since private-eks's default (API) has no aws-auth."""
    access = carried.get("accessConfig")
    if carried.get("iamIdentityMappings") and not (isinstance(access, dict) and "authenticationMode" in access):
        carried["accessConfig"] = {**(access if isinstance(access, dict) else {}),
                                   "authenticationMode": EKSCTL_DEFAULT_AUTHENTICATION_MODE}
        walk.notes.append(Note("accessConfig.authenticationMode", f"not set: set to eksctl's default "
                               f"{EKSCTL_DEFAULT_AUTHENTICATION_MODE} for iamIdentityMappings (aws-auth); "
                               "private-eks's default, API, has no aws-auth"))


def make_nodes_private(carried: dict[str, Any], walk: Walk) -> None:
    for kind in ("nodeGroups", "managedNodeGroups"):
        groups = carried.get(kind)
        if not isinstance(groups, list):
            continue
        for i, group in enumerate(groups):
            if isinstance(group, dict) and group.get("privateNetworking") is not True:
                was = "unset" if "privateNetworking" not in group else f"{group['privateNetworking']!r}"
                group["privateNetworking"] = True
                walk.notes.append(Note(f"{kind}[{i}].privateNetworking",
                                       f"was {was}: set to true, the nodes of a fully-private cluster have no public IPs"))


def drop_foreign_node_subnets(carried: dict[str, Any], walk: Walk) -> None:
    """Node group ``subnets`` naming a subnet that is not one of the carried private subnets (a public
    one, say) cannot be honoured: dropped with the reason, so the group uses every private subnet."""
    vpc = carried.get("vpc")
    subnets = vpc.get("subnets") if isinstance(vpc, dict) else None
    private = subnets.get("private") if isinstance(subnets, dict) else None
    private = private if isinstance(private, dict) else {}
    # A malformed id (a mapping, a list) is left to the settings validation, which names its path.
    known = set(private) | {s["id"] for s in private.values() if isinstance(s, dict) and isinstance(s.get("id"), str)}
    for kind in ("nodeGroups", "managedNodeGroups"):
        groups = carried.get(kind)
        for i, group in enumerate(groups if isinstance(groups, list) else []):
            names = group.get("subnets") if isinstance(group, dict) else None
            if not isinstance(names, list):
                continue
            if not all(isinstance(n, str) for n in names):
                continue  # the settings validation names the entry
            foreign = [n for n in names if n not in known]
            if foreign:
                del group["subnets"]
                walk.dropped.append(Dropped(f"{kind}[{i}].subnets", f"{', '.join(foreign)}: not a private subnet of "
                                            "the cluster; nodes go on the private subnets only (all of them)"))


def drop_family_bound_fields(carried: dict[str, Any], walk: Walk) -> None:
    """A group whose amiFamily was dropped becomes AmazonLinux2023: its AMI and bootstrap commands,
    written for the dropped family (a Windows AMI, a PowerShell command), are dropped with it."""
    for kind in ("nodeGroups", "managedNodeGroups"):
        groups = carried.get(kind)
        for i, group in enumerate(groups if isinstance(groups, list) else []):
            family = walk.dropped_families.get(f"{kind}[{i}]")
            if family is None or not isinstance(group, dict):
                continue
            for key in FAMILY_BOUND:
                if key in group:
                    del group[key]
                    walk.dropped.append(Dropped(f"{kind}[{i}].{key}", f"written for amiFamily {family}, which is "
                                                "dropped (the group gets AmazonLinux2023)"))


def note_launch_templates(carried: dict[str, Any], walk: Walk) -> None:
    """IMDSv2 is always required here, and pulumi-eks cannot set it on a launch template it does not make."""
    groups = carried.get("managedNodeGroups")
    for i, group in enumerate(groups if isinstance(groups, list) else []):
        if isinstance(group, dict) and "launchTemplate" in group:
            walk.notes.append(Note(f"managedNodeGroups[{i}].launchTemplate", "the template itself must require IMDSv2 "
                                   "(HttpTokens: required): pulumi-eks cannot set it on a template it does not make; "
                                   "preflight refuses one that does not"))


def drop_retired_version(carried: dict[str, Any], walk: Walk) -> None:
    """A version EKS no longer offers (eksctl's own examples pin some: examples/29-cluster-with-karpenter.yaml
    has 1.22) cannot be created: dropped with the reason, so the import is refused unless --allow-drop,
    and then the stack takes the default version."""
    metadata = carried.get("metadata")
    version = metadata.get("version") if isinstance(metadata, dict) else None
    if isinstance(version, str) and version in RETIRED:
        del metadata["version"]  # type: ignore[union-attr]
        walk.dropped.append(Dropped("metadata.version", f"EKS no longer offers Kubernetes {version} (it offers "
                                    f"{', '.join(OFFERED)}); the stack takes private-eks's default, {DEFAULT_VERSION}"))


def note_different_defaults(carried: dict[str, Any], walk: Walk) -> None:
    """A note for each field left to eksctl's default where private-eks's default differs."""
    metadata = carried.get("metadata")
    if isinstance(metadata, dict) and "version" not in metadata:
        walk.notes.append(Note("metadata.version", f"not set: eksctl's default is {EKSCTL_DEFAULT_VERSION}, "
                                                   f"private-eks's is {DEFAULT_VERSION}; set it to keep eksctl's"))
    access = carried.get("accessConfig")
    if not (isinstance(access, dict) and "authenticationMode" in access):
        walk.notes.append(Note("accessConfig.authenticationMode",
                               f"not set: eksctl's default is {EKSCTL_DEFAULT_AUTHENTICATION_MODE}, private-eks's is "
                               "API (access entries only: no aws-auth ConfigMap, so no bootstrap window is needed "
                               "for it)"))



def karpenter_pod_identity(carried: dict[str, Any], walk: Walk) -> bool:
    """eksctl gives Karpenter's controller an IRSA role (pkg/actions/karpenter/create.go); private-eks
    gives it through EKS Pod Identity, whose agent add-on the settings then require: it is added.
    True when the addons section is new."""
    if not isinstance(carried.get("karpenter"), dict):
        return False
    auto = carried.get("autoModeConfig")
    if isinstance(auto, dict) and auto.get("enabled") is True:
        return False
    addons = carried.get("addons")
    if addons is not None and not isinstance(addons, list):
        return False  # the settings validation names it
    if any(isinstance(a, dict) and a.get("name") == POD_IDENTITY_AGENT for a in addons or []):
        return False
    carried["addons"] = [*(addons or []), {"name": POD_IDENTITY_AGENT}]
    walk.notes.append(Note("karpenter", f"the controller's role is given through EKS Pod Identity (eksctl: IRSA): "
                           f"the {POD_IDENTITY_AGENT} add-on is added to addons"))
    return addons is None
