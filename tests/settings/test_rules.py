"""Every validation rule of docs/architecture.md §3: one accepted and one rejected case, asserting the path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from components.settings import SettingsError, load_stack_file, settings_from_document

ROOT = Path(__file__).resolve().parents[2]


def base() -> dict:
    """A small valid new-VPC document."""
    return {
        "config": {
            "aws:region": "us-west-2",
            "private-eks:cluster": {
                "metadata": {"name": "c1", "version": "1.33"},
                "availabilityZones": ["us-west-2a", "us-west-2b"],
                "vpc": {"cidr": "10.0.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"]},
                "managedNodeGroups": [{"name": "m1", "instanceType": "m5.large", "privateNetworking": True}],
            },
        }
    }


def existing() -> dict:
    doc = base()
    c = doc["config"]["private-eks:cluster"]
    del c["availabilityZones"]
    c["vpc"] = {
        "id": "vpc-0123",
        "subnets": {"private": {"us-west-2b": {"id": "subnet-b"}, "us-west-2c": {"id": "subnet-c"}}},
    }
    return doc


def cluster(doc: dict) -> dict:
    return doc["config"]["private-eks:cluster"]


def check(doc: dict):
    return settings_from_document(doc, stack="t", source="Pulumi.t.yaml")


def problems(doc: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as e:
        check(doc)
    assert e.value.source == "Pulumi.t.yaml"
    return {p.path: p.message for p in e.value.problems}


def test_base_documents_are_valid():
    assert check(base()).cluster.metadata.name == "c1"
    assert check(existing()).cluster.vpc.id == "vpc-0123"


@pytest.mark.parametrize("stack", ["dev", "existing-vpc"])
def test_example_stacks_validate(stack):
    s = load_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    assert s.stack == stack and s.region == "us-west-2"


def test_example_existing_vpc_stack_matches_the_seed():
    s = load_stack_file(ROOT / "stacks" / "Pulumi.existing-vpc.yaml")
    assert sorted(s.cluster.private_subnets) == ["us-west-2b", "us-west-2c", "us-west-2d"]
    assert all(sub.id for sub in s.cluster.private_subnets.values())
    assert s.cluster.private_cluster.additional_endpoint_services == ["autoscaling"]


# --- privateNetworking: must be set, and to true --------------------------------------------


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_private_networking_true_is_accepted(kind):
    doc = base()
    cluster(doc)[kind] = [{"name": "g1", "privateNetworking": True}]
    assert check(doc)


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_private_networking_unset_is_an_error(kind):
    doc = base()
    cluster(doc)[kind] = [{"name": "g1"}]
    if kind == "nodeGroups":
        del cluster(doc)["managedNodeGroups"]
    msg = problems(doc)[f"{kind}[0].privateNetworking"]
    assert "must be set" in msg


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_private_networking_false_is_an_error(kind):
    doc = base()
    cluster(doc)[kind] = [{"name": "ok", "privateNetworking": True}, {"name": "g2", "privateNetworking": False}]
    if kind == "nodeGroups":
        del cluster(doc)["managedNodeGroups"]
    assert "must be true" in problems(doc)[f"{kind}[1].privateNetworking"]


# --- vpc.clusterEndpoints ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [{"publicAccess": False}, {"privateAccess": True}])
def test_cluster_endpoints_may_not_be_set(value):
    doc = base()
    cluster(doc)["vpc"]["clusterEndpoints"] = value
    assert "two passes" in problems(doc)["vpc.clusterEndpoints"]


# --- vpc.subnets.public ---------------------------------------------------------------------


def test_public_subnets_may_not_be_set():
    doc = existing()
    cluster(doc)["vpc"]["subnets"]["public"] = {"us-west-2b": {"id": "subnet-pub"}}
    assert "no public subnets" in problems(doc)["vpc.subnets.public"]


def test_private_subnets_alone_are_accepted():
    assert check(existing()).cluster.vpc.subnets.public is None


# --- skipEndpointCreation vs additionalEndpointServices ----------------------------------------


def test_skip_endpoint_creation_alone_is_accepted():
    doc = base()
    cluster(doc)["privateCluster"] = {"skipEndpointCreation": True}
    assert check(doc).endpoint_services() == []


def test_skip_and_additional_services_are_mutually_exclusive():
    doc = base()
    cluster(doc)["privateCluster"] = {"skipEndpointCreation": True, "additionalEndpointServices": ["autoscaling"]}
    assert "skipEndpointCreation" in problems(doc)["privateCluster.additionalEndpointServices"]


# --- additionalEndpointServices: catalog names, no duplicates ---------------------------------


def test_additional_services_from_the_catalog_are_accepted():
    doc = base()
    cluster(doc)["privateCluster"] = {"additionalEndpointServices": ["autoscaling", "cloudformation", "ssm", "eks-auth"]}
    names = [s.name for s in check(doc).endpoint_services()]
    assert names[-4:] == ["autoscaling", "cloudformation", "ssm", "eks-auth"]


def test_a_name_close_to_a_known_service_is_taken_with_a_warning_suggesting_it():
    """Any PrivateLink service name is taken (the preflight asks the region); a near miss of a known
    one is named in a warning with the closest known name."""
    doc = base()
    cluster(doc)["privateCluster"] = {"additionalEndpointServices": ["autoscaling", "cloudformaton"]}
    s = check(doc)
    (w,) = [w for w in s.warnings if w.startswith("privateCluster.additionalEndpointServices[1]")]
    assert "'cloudformation'" in w
    assert "cloudformaton" in [e.name for e in s.endpoint_services()]


def test_duplicate_additional_service_is_an_error():
    doc = base()
    cluster(doc)["privateCluster"] = {"additionalEndpointServices": ["autoscaling", "autoscaling"]}
    assert "twice" in problems(doc)["privateCluster.additionalEndpointServices[1]"]


def test_required_service_listed_as_additional_is_an_error():
    doc = base()
    cluster(doc)["privateCluster"] = {"additionalEndpointServices": ["s3"]}
    assert "always created" in problems(doc)["privateCluster.additionalEndpointServices[0]"]


# --- vpc.id needs private subnets ------------------------------------------------------------


def test_vpc_id_without_private_subnets_is_an_error():
    doc = base()
    cluster(doc)["vpc"] = {"id": "vpc-0123"}
    assert "required when vpc.id is set" in problems(doc)["vpc.subnets.private"]


def test_subnet_ids_without_vpc_id_are_accepted():
    doc = existing()
    del cluster(doc)["vpc"]["id"]
    assert check(doc).cluster.new_vpc is False


# --- region ------------------------------------------------------------------------------------


def test_eu_south_1_is_rejected():
    doc = base()
    doc["config"]["aws:region"] = "eu-south-1"
    del cluster(doc)["availabilityZones"]
    assert "not supported in eu-south-1" in problems(doc)["aws:region"]


def test_missing_region_is_an_error():
    doc = base()
    del doc["config"]["aws:region"]
    assert "required" in problems(doc)["aws:region"]


@pytest.mark.parametrize("region", ["eu-south-2", "cn-north-1", "us-gov-west-1"])
def test_other_regions_are_accepted(region):
    doc = base()
    doc["config"]["aws:region"] = region
    cluster(doc)["availabilityZones"] = [f"{region}a", f"{region}b"]
    assert check(doc).region == region


def test_zone_of_another_region_is_an_error():
    doc = base()
    cluster(doc)["availabilityZones"] = ["us-west-2a", "us-east-1b"]
    assert "us-west-2" in problems(doc)["availabilityZones[1]"]


# --- localZones ---------------------------------------------------------------------------------


def test_local_zones_are_rejected():
    doc = base()
    cluster(doc)["localZones"] = ["us-west-2-lax-1a"]
    assert "fully-private" in problems(doc)["localZones"]


def test_empty_local_zones_are_accepted():
    doc = base()
    cluster(doc)["localZones"] = []
    assert check(doc)


# --- privateCluster.enabled ---------------------------------------------------------------------


def test_private_cluster_enabled_false_is_an_error():
    doc = base()
    cluster(doc)["privateCluster"] = {"enabled": False}
    assert "only fully-private" in problems(doc)["privateCluster.enabled"]


def test_private_cluster_enabled_true_is_accepted():
    doc = base()
    cluster(doc)["privateCluster"] = {"enabled": True}
    assert check(doc).cluster.private_cluster.enabled


# --- unknown keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where, key, path, suggestion",
    [
        ((), "managedNodeGroup", "managedNodeGroup", "managedNodeGroups"),
        (("vpc",), "publicAccessCidrs", "vpc.publicAccessCidrs", "publicAccessCIDRs"),
        (("managedNodeGroups", 0), "instanceTyp", "managedNodeGroups[0].instanceTyp", "instanceType"),
        (("metadata",), "regoin", "metadata.regoin", None),
    ],
)
def test_unknown_keys_are_errors_with_the_closest_key(where, key, path, suggestion):
    doc = base()
    node = cluster(doc)
    for step in where:
        node = node[step]
    node[key] = "x"
    msg = problems(doc)[path]
    assert msg.startswith("unknown field")
    if suggestion:
        assert f"did you mean {suggestion!r}" in msg


# --- CIDRs, subnets, AZs, names, sizes -------------------------------------------------------


def test_bad_vpc_cidr_is_an_error():
    doc = base()
    cluster(doc)["vpc"]["cidr"] = "10.0.0.0/33"
    assert "not a valid CIDR" in problems(doc)["vpc.cidr"]


def test_vpc_cidr_with_host_bits_is_an_error():
    doc = base()
    cluster(doc)["vpc"]["cidr"] = "10.0.0.1/16"
    assert "not a valid CIDR" in problems(doc)["vpc.cidr"]


def subnets(doc: dict, **cidrs: str) -> dict:
    cluster(doc)["vpc"]["subnets"] = {"private": {az.replace("_", "-"): {"cidr": c} for az, c in cidrs.items()}}
    return doc


def test_subnets_inside_the_vpc_without_overlap_are_accepted():
    doc = subnets(base(), us_west_2a="10.0.0.0/19", us_west_2b="10.0.32.0/19")
    assert check(doc).cluster.subnet_zones() == ["us-west-2a", "us-west-2b"]


def test_subnet_outside_the_vpc_is_an_error():
    doc = subnets(base(), us_west_2a="10.0.0.0/19", us_west_2b="10.1.0.0/19")
    assert "not inside the VPC CIDR" in problems(doc)["vpc.subnets.private.us-west-2b.cidr"]


def test_overlapping_subnets_are_an_error():
    doc = subnets(base(), us_west_2a="10.0.0.0/19", us_west_2b="10.0.16.0/20")
    assert "overlaps" in problems(doc)["vpc.subnets.private.us-west-2b.cidr"]


def test_one_availability_zone_is_an_error():
    doc = base()
    cluster(doc)["availabilityZones"] = ["us-west-2a"]
    assert "at least two" in problems(doc)["availabilityZones"]


def test_subnets_in_one_zone_are_an_error():
    doc = existing()
    cluster(doc)["vpc"]["subnets"]["private"] = {"us-west-2b": {"id": "subnet-b"}}
    assert "at least two" in problems(doc)["vpc.subnets.private"]


def test_duplicate_node_group_names_are_an_error():
    doc = base()
    cluster(doc)["nodeGroups"] = [{"name": "m1", "privateNetworking": True}]
    # the later of the two is flagged, naming the first
    assert "already used by nodeGroups[0]" in problems(doc)["managedNodeGroups[0].name"]


def test_unique_node_group_names_are_accepted():
    doc = base()
    cluster(doc)["nodeGroups"] = [{"name": "n1", "privateNetworking": True}]
    assert len(check(doc).cluster.node_groups) == 1


@pytest.mark.parametrize(
    "sizes, path",
    [({"minSize": 3, "desiredCapacity": 2}, "minSize"), ({"desiredCapacity": 5, "maxSize": 4}, "desiredCapacity")],
)
def test_sizes_out_of_order_are_an_error(sizes, path):
    doc = base()
    cluster(doc)["managedNodeGroups"][0].update(sizes)
    assert "greater than" in problems(doc)[f"managedNodeGroups[0].{path}"]


def test_ordered_sizes_are_accepted_and_defaults_follow_eksctl():
    doc = base()
    cluster(doc)["managedNodeGroups"][0].update({"minSize": 1, "desiredCapacity": 2, "maxSize": 3})
    cluster(doc)["nodeGroups"] = [{"name": "n1", "privateNetworking": True}]
    c = check(doc).cluster
    assert c.managed_node_groups[0].sizes == (1, 2, 3)
    assert c.node_groups[0].sizes == (2, 2, 2)


# --- publicAccessCIDRs ------------------------------------------------------------------------


def test_bad_public_access_cidr_is_an_error():
    doc = base()
    cluster(doc)["vpc"]["publicAccessCIDRs"] = ["203.0.113.7/32", "203.0.113.300/32"]
    assert "not a valid CIDR" in problems(doc)["vpc.publicAccessCIDRs[1]"]


def test_open_internet_cidr_is_allowed_when_written_out_and_warned_about():
    doc = base()
    cluster(doc)["vpc"]["publicAccessCIDRs"] = ["0.0.0.0/0"]
    s = check(doc)
    assert s.cluster.vpc.public_access_cidrs == ["0.0.0.0/0"]
    assert any("0.0.0.0/0" in w and "whole internet" in w for w in s.warnings)


def test_restricted_cidrs_bring_no_warning():
    assert check(base()).warnings == ()


# --- all problems at once ---------------------------------------------------------------------


def test_all_problems_are_reported_at_once():
    doc = base()
    c = cluster(doc)
    c["localZones"] = ["x"]
    c["vpc"]["clusterEndpoints"] = {"publicAccess": True}
    c["vpc"]["cidr"] = "nope"
    c["managedNodeGroups"][0]["privateNetworking"] = False
    c["privateCluster"] = {"enabled": False}
    c["iamm"] = {}
    found = problems(doc)
    assert {"localZones", "vpc.clusterEndpoints", "vpc.cidr", "managedNodeGroups[0].privateNetworking",
            "privateCluster.enabled", "iamm"} <= set(found)


def test_rendered_error_names_the_stack_file_and_each_path():
    doc = base()
    cluster(doc)["managedNodeGroups"][0].pop("privateNetworking")
    with pytest.raises(SettingsError) as e:
        check(doc)
    text = e.value.render()
    assert text.splitlines()[0].startswith("Pulumi.t.yaml: 1 problem")
    assert "  managedNodeGroups[0].privateNetworking: must be set" in text


# --- shapes: never a traceback ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, needle",
    [
        ("", "empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("config: [1, 2]\n", "config: is a list"),
        ("config:\n  aws:region: us-west-2\n", "private-eks:cluster: is missing"),
        ("config:\n  aws:region: us-west-2\n  private-eks:cluster: hello\n", "private-eks:cluster: is a str"),
        ("config:\n  private-eks:cluster:\n    metadata: [a]\n", "metadata: must be a mapping"),
        ("config: {a: [}\n", "YAML syntax error at line 1"),
    ],
)
def test_malformed_stack_files_are_clear_errors(tmp_path, text, needle):
    f = tmp_path / "Pulumi.bad.yaml"
    f.write_text(text)
    with pytest.raises(SettingsError) as e:
        load_stack_file(f)
    assert needle in e.value.render()
    assert str(f) in e.value.render()


def test_missing_stack_file_is_a_clear_error(tmp_path):
    with pytest.raises(SettingsError) as e:
        load_stack_file(tmp_path / "Pulumi.nope.yaml")
    assert "no such stack file" in e.value.render()


def test_stack_name_comes_from_the_file_name_else_metadata(tmp_path):
    a = tmp_path / "Pulumi.prod.yaml"
    a.write_text(yaml.safe_dump(base()))
    b = tmp_path / "cluster.yaml"
    b.write_text(yaml.safe_dump(base()))
    assert load_stack_file(a).stack == "prod"
    assert load_stack_file(b).stack == "c1"


def test_float_version_asks_for_quotes():
    doc = base()
    cluster(doc)["metadata"]["version"] = 1.3
    # YAML's 1.30 is the float 1.3: the hint names the version meant, quoted (never "1.3").
    assert 'write it quoted, "1.30"' in problems(doc)["metadata.version"]


def test_inputs_are_not_mutated():
    doc = base()
    before = copy.deepcopy(doc)
    check(doc)
    assert doc == before


# ------------------------------------------------------------------ fidelity to eksctl and EKS


@pytest.mark.parametrize("name", ["1-gpu-spot", "gpu", "A1", "x" * 63])
def test_node_group_names_eksctl_and_eks_accept_are_accepted(name):
    """eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/validation.go (IsInvalidNameArg refuses only
    characters outside [a-zA-Z0-9-]) and EKS CreateNodegroup (^[0-9A-Za-z][A-Za-z0-9\\-_]*, at most 63)."""
    for kind in ("nodeGroups", "managedNodeGroups"):
        doc = base()
        cluster(doc)[kind] = [{"name": name, "privateNetworking": True}]
        if kind == "nodeGroups":
            cluster(doc).pop("managedNodeGroups")
        assert getattr(check(doc).cluster, "node_groups" if kind == "nodeGroups" else "managed_node_groups")[0].name == name


@pytest.mark.parametrize("name", ["-lead", "under_score", "dot.ted", "spa ce", "x" * 64])
def test_node_group_names_eksctl_or_eks_refuse_are_errors(name):
    doc = base()
    cluster(doc)["managedNodeGroups"][0]["name"] = name
    assert "managedNodeGroups[0].name" in problems(doc)


def test_cluster_names_may_start_with_a_digit_as_in_eks():
    """EKS CreateCluster: ^[0-9A-Za-z][A-Za-z0-9\\-_]*, at most 100 characters."""
    doc = base()
    cluster(doc)["metadata"]["name"] = "1st-cluster"
    assert check(doc).cluster.metadata.name == "1st-cluster"
    cluster(doc)["metadata"]["name"] = "x" * 101
    assert "metadata.name" in problems(doc)


def test_max_size_below_the_default_min_size_is_an_error():
    """eksctl-io/eksctl validation.go: with minSize defaulted to 2, maxSize 1 fails ("cannot use
    --nodes-min=2 and --nodes-max=1 at the same time")."""
    doc = base()
    cluster(doc)["managedNodeGroups"][0]["maxSize"] = 1
    assert "managedNodeGroups[0].maxSize" in problems(doc)
    cluster(doc)["managedNodeGroups"][0]["minSize"] = 0
    assert check(doc).cluster.managed_node_groups[0].sizes == (0, 0, 1)


def test_creator_admin_permissions_false_is_accepted_in_api_mode():
    doc = base()
    cluster(doc)["accessConfig"] = {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert check(doc).cluster.access_config.bootstrap_cluster_creator_admin_permissions is False


@pytest.mark.parametrize("mode", ["CONFIG_MAP", "API_AND_CONFIG_MAP"])
def test_creator_admin_permissions_false_is_refused_where_pulumi_eks_writes_aws_auth(mode):
    """pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts creates the aws-auth ConfigMap through the
    Kubernetes API whenever the mode supports it (supportsConfigMap), as the cluster's creator."""
    doc = base()
    cluster(doc)["accessConfig"] = {"authenticationMode": mode, "bootstrapClusterCreatorAdminPermissions": False}
    assert "accessConfig.bootstrapClusterCreatorAdminPermissions" in problems(doc)


def test_existing_subnets_may_be_given_by_cidr_with_the_vpc_id():
    """eksctl-io/eksctl: with vpc.id, vpc.subnets.private.<az>.cidr names an existing subnet,
    looked up by the VPC and the CIDR."""
    doc = existing()
    cluster(doc)["vpc"]["subnets"]["private"] = {"us-west-2b": {"cidr": "10.0.0.0/19"},
                                                 "us-west-2c": {"id": "subnet-c"}}
    s = check(doc)
    assert not s.cluster.new_vpc


def test_subnets_by_cidr_without_the_vpc_id_next_to_ids_are_an_error():
    doc = existing()
    del cluster(doc)["vpc"]["id"]
    cluster(doc)["vpc"]["subnets"]["private"]["us-west-2b"] = {"cidr": "10.0.0.0/19"}
    assert "vpc.id" in problems(doc)["vpc.subnets.private"]


def test_existing_subnet_zones_are_compared_with_availability_zones_at_validate():
    """Rules that compare sections run at validate, for an existing VPC too, not first at plan."""
    doc = existing()
    cluster(doc)["availabilityZones"] = ["us-west-2a", "us-west-2b"]
    assert "us-west-2c" in problems(doc)["vpc.subnets.private"]


@pytest.mark.parametrize("region", ["eu-isoe-west-1", "us-isof-south-1", "us-isob-east-1", "cn-north-1",
                                    "us-gov-west-1", "ap-southeast-7"])
def test_regions_of_every_partition_eksctl_knows_are_accepted(region):
    doc = base()
    del cluster(doc)["availabilityZones"]
    doc["config"]["aws:region"] = region
    assert check(doc).region == region
