"""No setting without effect: every field of the settings models changes the offline plan, or is
on an explicit list of fields that only accept one value (the rest is refused with its path).

A new field fails ``test_every_settings_field_is_walked`` until it is given a variant here, and the
variant must then change the plan — a validated field that never reaches AWS cannot slip in.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from automation.plan import diff_plans, plan_stack
from components.settings import SettingsError, field_paths, settings_from_document

NG = {"name": "ng1", "instanceType": "m5.large", "desiredCapacity": 2, "minSize": 1, "maxSize": 3,
      "volumeSize": 50, "labels": {"role": "sys"}, "tags": {"cost": "a"}, "privateNetworking": True,
      "taints": [{"key": "dedicated", "value": "sys", "effect": "NoSchedule"}]}
NEW_VPC: dict[str, Any] = {
    "metadata": {"name": "walk", "version": "1.33", "tags": {"team": "platform"}},
    "privateCluster": {"enabled": True, "additionalEndpointServices": ["autoscaling"]},
    "availabilityZones": ["us-west-2a", "us-west-2b", "us-west-2c"],
    "vpc": {"cidr": "10.0.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"],
            "subnets": {"private": {"one": {"cidr": "10.0.0.0/19", "az": "us-west-2a"},
                                    "us-west-2b": {"cidr": "10.0.32.0/19"},
                                    "us-west-2c": {"cidr": "10.0.64.0/19"}}}},
    "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True},
    "iam": {"withOIDC": True},
    "cloudWatch": {"clusterLogging": {"enableTypes": ["api", "audit"]}},
    "nodeGroups": [NG],
    "managedNodeGroups": [{**NG, "name": "mng1", "spot": False}],
    "fargateProfiles": [{"name": "fp1", "tags": {"cost": "a"},
                         "selectors": [{"namespace": "default", "labels": {"fargate": "yes"}}]}],
}
EXISTING_VPC: dict[str, Any] = {
    "metadata": {"name": "walk"},
    "vpc": {"id": "vpc-0123456789abcdef0", "publicAccessCIDRs": ["203.0.113.7/32"],
            "subnets": {"private": {"us-west-2a": {"id": "subnet-aaaa"}, "us-west-2b": {"id": "subnet-bbbb"}}}},
    "managedNodeGroups": [{"name": "mng1", "privateNetworking": True}],
}
# A new VPC whose subnets are carved from the VPC CIDR in the listed AZs.
CARVED = {**NEW_VPC, "vpc": {"cidr": "10.0.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"]}}
BASES = {"new": NEW_VPC, "carved": CARVED, "existing": EXISTING_VPC}

Mutation = Callable[[dict[str, Any]], None]


def put(path: tuple, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        node = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        for m in mutations:
            m(doc)
    return mutate


def group_fields(kind: str) -> dict[str, Mutation]:
    g = (kind, 0)
    return {
        f"{kind}[].name": put(g + ("name",), "1-gpu-spot"),
        f"{kind}[].instanceType": put(g + ("instanceType",), "c5.xlarge"),
        f"{kind}[].desiredCapacity": put(g + ("desiredCapacity",), 3),
        f"{kind}[].minSize": put(g + ("minSize",), 2),
        f"{kind}[].maxSize": put(g + ("maxSize",), 5),
        f"{kind}[].volumeSize": put(g + ("volumeSize",), 120),
        f"{kind}[].labels": put(g + ("labels",), {"role": "apps"}),
        f"{kind}[].tags": put(g + ("tags",), {"cost": "b"}),
        f"{kind}[].taints[].key": put(g + ("taints", 0, "key"), "gpu"),
        f"{kind}[].taints[].value": put(g + ("taints", 0, "value"), "true"),
        f"{kind}[].taints[].effect": put(g + ("taints", 0, "effect"), "NoExecute"),
    }


# path -> (base, mutation, phases whose plan must change)
VARIANTS: dict[str, tuple[str, Mutation, tuple[str, ...]]] = {
    "metadata.name": ("new", put(("metadata", "name"), "other"), ("private",)),
    "metadata.version": ("new", put(("metadata", "version"), "1.32"), ("private",)),
    "metadata.tags": ("new", put(("metadata", "tags"), {"team": "apps"}), ("private",)),
    "privateCluster.skipEndpointCreation": (
        "new", both(put(("privateCluster", "additionalEndpointServices"), []),
                    put(("privateCluster", "skipEndpointCreation"), True)), ("private",)),
    "privateCluster.additionalEndpointServices": (
        "new", put(("privateCluster", "additionalEndpointServices"), ["autoscaling", "ssm"]), ("private",)),
    "availabilityZones": ("carved", put(("availabilityZones",), ["us-west-2a", "us-west-2b"]), ("private",)),
    "vpc.id": ("existing", put(("vpc", "id"), "vpc-0fedcba9876543210"), ("private",)),
    "vpc.cidr": ("carved", put(("vpc", "cidr"), "10.8.0.0/16"), ("private",)),
    "vpc.subnets.private.<name>.id": ("existing", put(("vpc", "subnets", "private", "us-west-2b", "id"), "subnet-cccc"),
                                      ("private",)),
    "vpc.subnets.private.<name>.cidr": ("new", put(("vpc", "subnets", "private", "us-west-2c", "cidr"), "10.0.96.0/19"),
                                        ("private",)),
    "vpc.subnets.private.<name>.az": ("new", both(put(("availabilityZones",), ["us-west-2b", "us-west-2c", "us-west-2d"]),
                                                  put(("vpc", "subnets", "private", "one", "az"), "us-west-2d")),
                                      ("private",)),
    "vpc.publicAccessCIDRs": ("new", put(("vpc", "publicAccessCIDRs"), ["198.51.100.0/24"]), ("bootstrap",)),
    "accessConfig.authenticationMode": ("new", put(("accessConfig", "authenticationMode"), "API_AND_CONFIG_MAP"),
                                        ("private",)),
    "accessConfig.bootstrapClusterCreatorAdminPermissions": (
        "new", put(("accessConfig", "bootstrapClusterCreatorAdminPermissions"), False), ("private",)),
    "iam.withOIDC": ("new", put(("iam", "withOIDC"), False), ("private",)),
    "cloudWatch.clusterLogging.enableTypes": ("new", put(("cloudWatch", "clusterLogging", "enableTypes"), ["api"]),
                                              ("private",)),
    **{k: ("new", m, ("private",)) for k, m in group_fields("nodeGroups").items()},
    **{k: ("new", m, ("private",)) for k, m in group_fields("managedNodeGroups").items()},
    "managedNodeGroups[].instanceTypes": (
        "new", both(put(("managedNodeGroups", 0, "instanceType"), None),
                    put(("managedNodeGroups", 0, "instanceTypes"), ["m5.large", "m5a.large"])), ("private",)),
    "managedNodeGroups[].spot": ("new", put(("managedNodeGroups", 0, "spot"), True), ("private",)),
    "fargateProfiles[].name": ("new", put(("fargateProfiles", 0, "name"), "fp2"), ("private",)),
    "fargateProfiles[].tags": ("new", put(("fargateProfiles", 0, "tags"), {"cost": "b"}), ("private",)),
    "fargateProfiles[].selectors[].namespace": ("new", put(("fargateProfiles", 0, "selectors", 0, "namespace"), "apps"),
                                                ("private",)),
    "fargateProfiles[].selectors[].labels": ("new", put(("fargateProfiles", 0, "selectors", 0, "labels"), {}),
                                             ("private",)),
}

# Fields that accept exactly one value: eksctl's name, kept so its configs read the same; any other
# value is refused, by path (DESIGN §3). They change nothing because nothing else is allowed.
ONE_VALUE: dict[str, tuple[Mutation, str]] = {
    "privateCluster.enabled": (put(("privateCluster", "enabled"), False), "privateCluster.enabled"),
    "localZones": (put(("localZones",), ["us-west-2-lax-1a"]), "localZones"),
    "vpc.subnets.public": (put(("vpc", "subnets", "public"), {"us-west-2a": {"id": "subnet-1"}}), "vpc.subnets.public"),
    "vpc.clusterEndpoints": (put(("vpc", "clusterEndpoints"), {"publicAccess": True}), "vpc.clusterEndpoints"),
    "nodeGroups[].privateNetworking": (put(("nodeGroups", 0, "privateNetworking"), False),
                                       "nodeGroups[0].privateNetworking"),
    "managedNodeGroups[].privateNetworking": (put(("managedNodeGroups", 0, "privateNetworking"), False),
                                              "managedNodeGroups[0].privateNetworking"),
}

# Fields read only by the runner, never by the program (README, "Fields the runner reads"). None today:
# vpc.publicAccessCIDRs reaches the bootstrap pass's cluster inputs, so it is walked above.
RUNNER_ONLY: dict[str, str] = {}


def leaf_paths() -> list[str]:
    paths = field_paths()
    return [p for p in paths if not any(o.startswith(p + ".") or o.startswith(p + "[]") for o in paths)]


def settings_of(doc: dict[str, Any]):
    doc = {k: v for k, v in doc.items() if v is not None}
    if isinstance(doc.get("vpc"), dict):
        doc["vpc"] = {k: v for k, v in doc["vpc"].items() if v is not None}
    for kind in ("nodeGroups", "managedNodeGroups"):
        for g in doc.get(kind, []):
            for k in [k for k, v in g.items() if v is None]:
                del g[k]
    return settings_from_document({"config": {"aws:region": "us-west-2", "private-eks:cluster": doc}},
                                  stack="walk", source="stacks/Pulumi.walk.yaml")


_plans: dict[tuple[str, tuple[str, ...]], dict] = {}


def base_plan(base: str, phases: tuple[str, ...]) -> dict:
    if (base, phases) not in _plans:
        _plans[(base, phases)] = plan_stack(settings_of(copy.deepcopy(BASES[base])), phases)
    return _plans[(base, phases)]


def test_every_settings_field_is_walked():
    """A field of the models that is neither walked nor listed fails here, by name."""
    listed = set(VARIANTS) | set(ONE_VALUE) | set(RUNNER_ONLY)
    assert sorted(set(leaf_paths()) - listed) == []
    assert sorted(listed - set(leaf_paths())) == []  # no stale entry either


@pytest.mark.parametrize("path", sorted(VARIANTS))
def test_changing_the_field_changes_the_plan(path):
    base, mutate, phases = VARIANTS[path]
    doc = copy.deepcopy(BASES[base])
    mutate(doc)
    new = plan_stack(settings_of(doc), phases)
    diff = diff_plans(base_plan(base, phases), new)
    assert diff.resources, f"{path}: the plan did not change"


@pytest.mark.parametrize("path", sorted(ONE_VALUE))
def test_a_one_value_field_refuses_every_other_value_by_path(path):
    mutate, where = ONE_VALUE[path]
    doc = copy.deepcopy(NEW_VPC)
    mutate(doc)
    with pytest.raises(SettingsError) as e:
        settings_of(doc)
    assert where in [p.path for p in e.value.problems]
