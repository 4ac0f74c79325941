"""eksctl ClusterConfig → stack settings: what carries over, what is listed, what is refused."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from automation.eksctl import (
    Dropped,
    ImportInvalid,
    ImportRefused,
    NotAClusterConfig,
    carried_paths,
    import_cluster_config,
)
from components.settings import CONFIG_KEY, DEFAULT_VERSION, REGION_KEY, Problem, field_paths
from tests.eksctl.helpers import data


def load(name: str) -> dict:
    return yaml.safe_load(data(name).read_text())


def minimal(**extra) -> dict:
    doc = {
        "apiVersion": "eksctl.io/v1alpha5",
        "kind": "ClusterConfig",
        # version and authenticationMode written out: relying on eksctl's defaults adds notes
        "metadata": {"name": "small", "region": "us-west-2", "version": "1.33"},
        "accessConfig": {"authenticationMode": "API"},
        "privateCluster": {"enabled": True},
        "managedNodeGroups": [{"name": "m1", "privateNetworking": True}],
    }
    doc.update(extra)
    return doc


def generic_paths(value, prefix: str = "", named: tuple[str, ...] = ("vpc.subnets.private",)) -> set[str]:
    """Every path in a document, with list indices as [] and user-chosen names as <name>."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{prefix}.<name>" if prefix in named else (f"{prefix}.{k}" if prefix else k)
            if prefix not in named:
                out.add(p)
            out |= generic_paths(v, p, named)
    elif isinstance(value, list):
        for item in value:
            out |= generic_paths(item, prefix + "[]", named)
    return out


# ------------------------------------------------------------------------------- the seed example


def test_seed_example_carries_region_vpc_subnets_and_endpoint_service():
    r = import_cluster_config(data("seed-existing-vpc.yaml").read_text(), source="seed.yaml")
    s = r.settings
    assert (r.stack, s.region, s.cluster.metadata.name, s.cluster.metadata.version) == (
        "private-cluster", "us-west-2", "private-cluster", "1.33")
    assert s.cluster.vpc.id == "vpc-0dd338ecf29863c55"
    assert {k: v.id for k, v in s.cluster.private_subnets.items()} == {
        "us-west-2b": "subnet-0818beec303f8419b",
        "us-west-2c": "subnet-0d9a3c8b1b4c2a7e5",
        "us-west-2d": "subnet-06c0a8e2c7f4b91d3",
    }
    assert s.cluster.subnet_zones() == ["us-west-2b", "us-west-2c", "us-west-2d"]
    assert not s.cluster.new_vpc
    assert [e.name for e in s.endpoint_services()] == ["ec2", "ecr.api", "ecr.dkr", "sts", "s3", "autoscaling"]
    (mng,) = s.cluster.managed_node_groups
    assert (mng.name, mng.instance_type, mng.sizes, mng.private_networking) == ("m1", "m5.large", (2, 2, 2), True)
    # the seed relies on eksctl's default authenticationMode, which private-eks does not share
    assert r.dropped == [] and [n.path for n in r.notes] == ["accessConfig.authenticationMode"]


def test_seed_example_document_is_the_input_minus_the_eksctl_envelope():
    src = load("seed-existing-vpc.yaml")
    r = import_cluster_config(copy.deepcopy(src))
    region = src["metadata"].pop("region")
    for k in ("apiVersion", "kind"):
        src.pop(k)
    assert r.document == {"config": {REGION_KEY: region, CONFIG_KEY: src}}


# --------------------------------------------------------------------------- every supported field


def test_the_import_carries_exactly_the_fields_the_settings_accept():
    rejected = {"vpc.subnets.public", "vpc.clusterEndpoints"}  # in the schema only to be refused
    assert set(carried_paths()) - {"metadata.region"} == set(field_paths()) - rejected


def test_new_vpc_example_uses_every_carried_field_but_the_existing_vpc_ones():
    # autoModeConfig.permissionsBoundaryARN cannot be set with nodeRoleARN (eksctl auto_mode.go): its
    # import is tests/components/test_permissions_boundaries.py's.
    unused = {"vpc.id", "vpc.subnets.private.<name>.id", "localZones", "autoModeConfig.permissionsBoundaryARN",
              # private-eks's own: eksctl has no pull-through cache (components/settings/images.py).
              *(f"privateCluster.pullThroughCache{tail}" for tail in (
                  "", "[].upstream", "[].prefix", "[].credentialARN", "[].upstreamURL"))}
    # private-eks's own endpoint fields: eksctl's PrivateCluster has only enabled, skipEndpointCreation and
    # additionalEndpointServices (pkg/apis/eksctl.io/v1alpha5/types.go), so no eksctl config names them.
    unused |= {"privateCluster.existingEndpointServices", "privateCluster.endpointPolicies",
               "privateCluster.s3EndpointBuckets"}
    # privateCluster.apiRelay is private-eks's own too: no ClusterConfig carries it.
    relay = {"privateCluster.apiRelay", "privateCluster.apiRelay.enabled", "privateCluster.apiRelay.accessPolicy",
             "privateCluster.apiRelay.logRetentionInDays"}
    unused |= relay
    r = import_cluster_config(data("new-vpc-all-fields.yaml").read_text())
    used = generic_paths(r.document["config"][CONFIG_KEY]) | {"metadata.region"}
    # aws-auth mappings need a ConfigMap mode, and vpc-cni's role made from policies excludes a given one.
    aws_auth = import_cluster_config(data("aws-auth-fields.yaml").read_text())
    assert aws_auth.dropped == []
    used |= generic_paths(aws_auth.document["config"][CONFIG_KEY])
    assert set(carried_paths()) - used == unused


def test_new_vpc_example_carries_every_field_unchanged_except_map_form_taints():
    src = load("new-vpc-all-fields.yaml")
    r = import_cluster_config(data("new-vpc-all-fields.yaml").read_text())
    expected = copy.deepcopy(src)
    region = expected["metadata"].pop("region")
    # noted, not carried: what private-eks does anyway
    del expected["apiVersion"], expected["kind"], expected["vpc"]["nat"], expected["vpc"]["controlPlaneOnPrivateSubnets"]
    del expected["nodeGroups"][0]["containerRuntime"]
    expected["nodeGroups"][0]["taints"] = [
        {"key": "dedicated", "value": "system", "effect": "NoSchedule"},
        {"key": "critical", "effect": "NoExecute"},
    ]
    assert r.document == {"config": {REGION_KEY: region, CONFIG_KEY: expected}}
    assert r.dropped == []


def test_new_vpc_example_settings():
    c = import_cluster_config(data("new-vpc-all-fields.yaml").read_text()).settings.cluster
    assert c.new_vpc and c.vpc_cidr == "10.20.0.0/16"
    assert c.metadata.tags == {"team": "platform", "cost-center": "42"}
    assert c.private_cluster.additional_endpoint_services == ["autoscaling", "cloudformation"]
    assert c.subnet_zones() == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert c.vpc.public_access_cidrs == ["203.0.113.0/28", "198.51.100.7/32"]
    assert (c.access_config.authentication_mode, c.access_config.bootstrap_cluster_creator_admin_permissions) == (
        "API", False)
    assert c.iam.with_oidc and c.cloud_watch.cluster_logging.enable_types == ["api", "audit", "controllerManager"]
    ng = c.node_groups[0]
    assert (ng.sizes, ng.volume_size, ng.labels, ng.tags) == ((2, 3, 5), 100, {"role": "system"}, {"owner": "sre"})
    assert [(t.key, t.value, t.effect) for t in ng.taints] == [
        ("dedicated", "system", "NoSchedule"), ("critical", None, "NoExecute")]
    spot = c.managed_node_groups[0]
    assert (spot.instance_types, spot.spot, spot.sizes) == (["m5.large", "m5a.large"], True, (0, 2, 10))
    fp = c.fargate_profiles[0]
    assert [(s.namespace, s.labels) for s in fp.selectors] == [("default", {}), ("jobs", {"fargate": "yes"})]


def test_what_private_eks_does_anyway_is_a_note_not_a_drop():
    r = import_cluster_config(data("new-vpc-all-fields.yaml").read_text())
    assert sorted(n.path for n in r.notes) == ["managedNodeGroups[2].launchTemplate", "nodeGroups[0].containerRuntime",
                                               "vpc.controlPlaneOnPrivateSubnets", "vpc.nat"]


# ----------------------------------------------------------------------------------------- output


def test_output_loads_back_to_the_document_and_names_each_source_section():
    r = import_cluster_config(data("new-vpc-all-fields.yaml").read_text(), source="cfg.yaml")
    assert yaml.safe_load(r.text) == r.document
    comments = re.findall(r"^\s*# from eksctl: (\S+)", r.text, flags=re.M)
    assert comments == [
        "metadata.region", "metadata", "privateCluster", "availabilityZones", "vpc", "kubernetesNetworkConfig",
        "accessConfig", "iam", "cloudWatch", "secretsEncryption", "upgradePolicy", "zonalShiftConfig",
        "controlPlaneScalingConfig", "identityProviders", "autoModeConfig", "addons", "capabilities", "karpenter",
        "nodeGroups",
        "nodeGroups[0]", "nodeGroups[1]", "managedNodeGroups", "managedNodeGroups[0]", "managedNodeGroups[1]",
        "managedNodeGroups[2]", "fargateProfiles", "fargateProfiles[0]", "deletionProtection",
    ]
    assert "eksctl ClusterConfig cfg.yaml" in r.text.splitlines()[0]
    assert "nodeGroups[0] (taints converted from eksctl's map form)" in r.text


def test_each_comment_precedes_its_section():
    lines = import_cluster_config(data("new-vpc-all-fields.yaml").read_text()).text.splitlines()
    i = lines.index("      # from eksctl: managedNodeGroups[1]")
    assert lines[i + 1] == "      - name: mng-apps"
    i = lines.index("    # from eksctl: vpc")
    assert lines[i + 1] == "    vpc:"


def test_stack_defaults_to_metadata_name_and_can_be_chosen():
    assert import_cluster_config(minimal()).stack == "small"
    r = import_cluster_config(minimal(), stack="prod")
    assert r.stack == "prod" and r.settings.stack == "prod" and "stacks/Pulumi.prod.yaml" in r.text


def test_a_bad_stack_name_is_refused():
    with pytest.raises(ValueError, match="not a stack name"):
        import_cluster_config(minimal(), stack="a/b")


# ------------------------------------------------------------------------------ unsupported fields

UNSUPPORTED_PATHS = [
    "metadata.annotations", "vpc.nat", "vpc.clusterEndpoints", "vpc.subnets.public",
    "addons[1].useDefaultPodIdentityAssociations", "outpost", "gitops",
    "nodeGroups[0].instanceSelector", "nodeGroups[0].ssh.allow",
]


def test_unsupported_fields_refuse_the_import_listing_every_path():
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(data("unsupported.yaml").read_text(), source="unsupported.yaml")
    assert [d.path for d in e.value.dropped] == UNSUPPORTED_PATHS
    rendered = e.value.render()
    assert rendered.startswith("unsupported.yaml: 9 fields cannot be carried over")
    assert all(f"  {p}: " in rendered for p in UNSUPPORTED_PATHS)


def test_dropped_fields_carry_their_reason():
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(data("unsupported.yaml").read_text())
    reasons = {d.path: d.reason for d in e.value.dropped}
    assert "no public subnets" in reasons["vpc.subnets.public"]
    assert "two passes" in reasons["vpc.clusterEndpoints"]
    assert "NAT" in reasons["vpc.nat"]
    assert "EC2 API" in reasons["nodeGroups[0].instanceSelector"]
    assert "podIdentityAssociations" in reasons["addons[1].useDefaultPodIdentityAssociations"]


def test_allow_drop_writes_the_rest_and_still_lists_the_dropped_fields():
    r = import_cluster_config(data("unsupported.yaml").read_text(), allow_drop=True)
    assert [d.path for d in r.dropped] == UNSUPPORTED_PATHS
    c = r.settings.cluster
    assert c.iam.with_oidc and c.vpc.cidr == "10.1.0.0/16" and c.node_groups[0].instance_type == "m5.large"
    assert c.vpc.cluster_endpoints is None and c.vpc.subnets is None
    assert "subnets" not in r.document["config"][CONFIG_KEY]["vpc"]  # nothing left of it once public went
    header = r.text.split("config:", 1)[0]
    assert "Not carried over" in header and all(f"#   {p}: " in header for p in UNSUPPORTED_PATHS)
    assert yaml.safe_load(r.text) == r.document


def test_an_unknown_key_is_dropped_with_a_suggestion():
    doc = minimal()
    doc["managedNodegroups"] = doc.pop("managedNodeGroups")
    r = import_cluster_config(doc, allow_drop=True)
    assert r.dropped == [Dropped("managedNodegroups",
                                 "private-eks has no setting for it (did you mean 'managedNodeGroups'?)")]


def test_unsupported_keys_deep_inside_carried_sections_are_listed():
    doc = minimal()
    doc["vpc"] = {"cidr": "10.0.0.0/16", "subnets": {"private": {"us-west-2a": {"cidr": "10.0.0.0/19", "cidrIndex": 1},
                                                                 "us-west-2b": {"cidr": "10.0.32.0/19"}}}}
    doc["fargateProfiles"] = [{"name": "fp", "selectors": [{"namespace": "a", "labelz": {}}],
                               "podExecutionRoleARN": "arn:aws:iam::0:role/x"}]
    doc["cloudWatch"] = {"clusterLogging": {"enableTypes": ["api"], "logRetentionInDays": 7}}
    doc["addons"] = [{"name": "eks-pod-identity-agent"}]
    doc["iam"] = {"podIdentityAssociations": [{"namespace": "a", "serviceAccountName": "b", "createServiceAccount": True,
                                               "roleARN": "arn:aws:iam::111122223333:role/r",
                                               "permissionPolicyName": "p"}]}
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(doc)
    assert [d.path for d in e.value.dropped] == [
        "vpc.subnets.private.us-west-2a.cidrIndex",
        "fargateProfiles[0].podExecutionRoleARN",
        "iam.podIdentityAssociations[0].permissionPolicyName",
    ]
    assert [n.path for n in import_cluster_config(doc, allow_drop=True).notes] == [
        "fargateProfiles[0].selectors[0].labelz"]


def test_empty_unsupported_fields_are_notes_not_drops():
    r = import_cluster_config(minimal(gitops={}))
    assert r.dropped == [] and [n.path for n in r.notes] == ["gitops"]


def test_karpenter_is_carried_with_the_pod_identity_agent_it_needs():
    """eksctl examples/29-cluster-with-karpenter.yaml's karpenter section: carried as eksctl names it
    (eksctl pkg/apis/eksctl.io/v1alpha5/types.go, Karpenter); the controller's role is a Pod Identity
    role here (an IRSA one in eksctl pkg/actions/karpenter/create.go), so the agent add-on is added."""
    section = {"version": "v0.20.0", "createServiceAccount": True, "withSpotInterruptionQueue": True}
    r = import_cluster_config(minimal(iam={"withOIDC": True}, karpenter=section))
    assert r.dropped == [] and r.document["config"][CONFIG_KEY]["karpenter"] == section
    assert [a.name for a in r.settings.cluster.addons] == ["eks-pod-identity-agent"]
    assert "karpenter" in [n.path for n in r.notes]
    given = import_cluster_config(minimal(karpenter=section, addons=[{"name": "eks-pod-identity-agent"}]))
    assert [a.name for a in given.settings.cluster.addons] == ["eks-pod-identity-agent"]
    assert "karpenter" not in [n.path for n in given.notes]


def test_private_only_cluster_endpoints_are_a_note():
    r = import_cluster_config(minimal(vpc={"clusterEndpoints": {"privateAccess": True, "publicAccess": False}}))
    assert r.dropped == [] and [n.path for n in r.notes] == ["vpc.clusterEndpoints"]
    assert "vpc" not in r.document["config"][CONFIG_KEY]


def test_map_form_taint_without_an_effect_is_dropped_by_its_key():
    doc = minimal(nodeGroups=[{"name": "ng", "privateNetworking": True,
                               "taints": {"ok": "v:NoSchedule", "bad": "just-a-value"}}])
    r = import_cluster_config(doc, allow_drop=True)
    assert [d.path for d in r.dropped] == ["nodeGroups[0].taints.bad"]
    assert [(t.key, t.value, t.effect) for t in r.settings.cluster.node_groups[0].taints] == [("ok", "v", "NoSchedule")]


def test_a_node_group_left_without_carried_fields_keeps_its_place_and_is_refused():
    doc = minimal(nodeGroups=[{"name": "ng", "privateNetworking": True}, {"instanceSelector": {"vCPUs": 2}}])
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(doc, allow_drop=True)
    assert [str(p) for p in e.value.problems] == ["nodeGroups[1].name: is required"]
    assert [d.path for d in e.value.dropped] == ["nodeGroups[1].instanceSelector"]


def test_self_managed_spot_is_dropped_pointing_to_instances_distribution_which_is_carried():
    """eksctl types.go: `spot` and `instanceTypes` are ManagedNodeGroup's; a NodeGroup asks for spot and
    several types through instancesDistribution (carried: tests/eksctl/test_import_mixed_instances.py)."""
    doc = minimal(nodeGroups=[{"name": "ng", "privateNetworking": True, "spot": True, "instanceTypes": ["m5.large"],
                               "instancesDistribution": {"instanceTypes": ["m5.large"]}}])
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(doc)
    reasons = {d.path: d.reason for d in e.value.dropped}
    assert set(reasons) == {"nodeGroups[0].spot", "nodeGroups[0].instanceTypes"}
    assert "instancesDistribution" in reasons["nodeGroups[0].spot"]
    assert "instancesDistribution.instanceTypes" in reasons["nodeGroups[0].instanceTypes"]
    r = import_cluster_config(doc, allow_drop=True)
    assert r.settings.cluster.node_groups[0].instances_distribution.instance_types == ["m5.large"]


# ------------------------------------------------------------------- results that would not validate


def test_missing_private_networking_is_refused_naming_the_path():
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(data("missing-private-networking.yaml").read_text(), source="m.yaml")
    assert [p.path for p in e.value.problems] == ["managedNodeGroups[0].privateNetworking"]
    assert "m.yaml: 1 problem" in e.value.render()


def test_private_networking_false_is_refused():
    doc = minimal(nodeGroups=[{"name": "ng", "privateNetworking": False}])
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(doc)
    assert e.value.problems == [Problem("nodeGroups[0].privateNetworking", "must be true in a fully-private cluster")]


def test_missing_region_is_named_by_its_eksctl_path():
    doc = minimal()
    del doc["metadata"]["region"]
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(doc)
    assert [p.path for p in e.value.problems] == ["metadata.region"]


def test_an_unquoted_version_is_refused_with_the_quote_advice():
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(data("seed-existing-vpc.yaml").read_text().replace('"1.33"', "1.30"))
    (p,) = e.value.problems
    assert p.path == "metadata.version" and '"1.30"' in p.message and '"1.3"' not in p.message


def test_private_cluster_disabled_is_converted_with_a_note():
    r = import_cluster_config(minimal(privateCluster={"enabled": False}))
    assert r.document["config"][CONFIG_KEY]["privateCluster"] == {"enabled": True}
    assert "privateCluster.enabled" in [n.path for n in r.notes]


def test_missing_private_cluster_is_added_and_noted():
    doc = minimal()
    del doc["privateCluster"]
    r = import_cluster_config(doc)
    assert r.document["config"][CONFIG_KEY]["privateCluster"] == {"enabled": True}
    assert [n.path for n in r.notes if n.path.startswith("privateCluster")] == ["privateCluster"]
    assert "# added: private-eks builds only fully-private clusters" in r.text


def test_a_non_private_configs_node_groups_are_made_private_with_a_note_each():
    """eksctl-io/eksctl validation.go refuses privateNetworking unset only when privateCluster is
    enabled ("privateNetworking must be enabled for a fully-private cluster"): a public config's
    node groups are converted instead, each with a note."""
    doc = minimal(nodeGroups=[{"name": "ng1"}, {"name": "ng2", "privateNetworking": False}],
                  managedNodeGroups=[{"name": "1-gpu-spot", "minSize": 0, "instanceType": "g4dn.xlarge", "spot": True}])
    del doc["privateCluster"]
    r = import_cluster_config(doc)
    c = r.settings.cluster
    assert [g.private_networking for g in c.node_groups + c.managed_node_groups] == [True, True, True]
    notes = {n.path: n.message for n in r.notes}
    assert notes["nodeGroups[0].privateNetworking"].startswith("was unset: set to true")
    assert notes["nodeGroups[1].privateNetworking"].startswith("was False: set to true")
    assert notes["managedNodeGroups[0].privateNetworking"].startswith("was unset: set to true")
    assert c.managed_node_groups[0].sizes == (0, 0, 1)  # scale from zero, as eksctl builds it


def test_an_enabled_private_cluster_with_private_networking_unset_is_still_refused():
    doc = minimal(managedNodeGroups=[{"name": "m1"}])
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(doc)
    assert [p.path for p in e.value.problems] == ["managedNodeGroups[0].privateNetworking"]


def test_relying_on_eksctls_default_where_private_eks_differs_is_noted():
    """eksctl-io/eksctl defaults.go (getDefaultAuthenticationMode: API_AND_CONFIG_MAP) and types.go
    (DefaultVersion): private-eks's defaults differ on purpose (README, Coming from eksctl)."""
    doc = minimal()
    del doc["accessConfig"], doc["metadata"]["version"]
    notes = {n.path: n.message for n in import_cluster_config(doc).notes}
    assert "API_AND_CONFIG_MAP" in notes["accessConfig.authenticationMode"]
    assert "1.34" in notes["metadata.version"] and "1.33" in notes["metadata.version"]
    explicit = minimal(accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    explicit["metadata"]["version"] = "1.34"
    notes = {n.path for n in import_cluster_config(explicit).notes}
    assert not notes & {"accessConfig.authenticationMode", "metadata.version"}


def test_wrong_shapes_are_reported_by_path():
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(vpc=5, availabilityZones="us-west-2a"))
    assert sorted(p.path for p in e.value.problems) == ["availabilityZones", "vpc"]


def test_invalid_result_also_lists_what_would_be_dropped():
    doc = load("unsupported.yaml")
    doc["nodeGroups"][0]["privateNetworking"] = None
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(doc, allow_drop=True)
    assert [p.path for p in e.value.problems] == ["nodeGroups[0].privateNetworking"]
    assert [d.path for d in e.value.dropped] == UNSUPPORTED_PATHS
    assert "also not carried over:" in e.value.render()


def test_local_zones_are_carried_to_be_refused():
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(localZones=["us-west-2-lax-1a"]))
    assert [p.path for p in e.value.problems] == ["localZones"]


# ----------------------------------------------------------------------------- not a ClusterConfig


@pytest.mark.parametrize("text, message", [
    (data("not-a-cluster-config.yaml").read_text(), "kind: 'NodeGroup'"),
    ("apiVersion: eksctl.io/v1alpha4\nkind: ClusterConfig\n", "apiVersion: 'eksctl.io/v1alpha4'"),
    ("- a\n- b\n", "is a list, not an eksctl ClusterConfig"),
    ("", "is empty"),
    ("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n---\nkind: ClusterConfig\n", "holds 2 YAML documents"),
], ids=["kind", "apiVersion", "list", "empty", "two-documents"])
def test_not_a_cluster_config(text, message):
    with pytest.raises(NotAClusterConfig) as e:
        import_cluster_config(text, source="x.yaml")
    assert message in str(e.value) and e.value.render().startswith("x.yaml: ")


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(NotAClusterConfig, match=r"YAML syntax error at line 6"):
        import_cluster_config(data("syntax-error.yaml").read_text())


def test_a_duplicate_key_is_refused_rather_than_silently_dropped():
    text = data("seed-existing-vpc.yaml").read_text() + "managedNodeGroups: []\n"
    with pytest.raises(NotAClusterConfig, match="duplicate key 'managedNodeGroups'"):
        import_cluster_config(text)


def test_a_key_overriding_a_yaml_merge_is_not_a_duplicate():
    text = data("seed-existing-vpc.yaml").read_text().replace(
        "managedNodeGroups:\n  - name: m1\n    instanceType: m5.large\n",
        "x-defaults: &ng {instanceType: m5.large, privateNetworking: true}\n"
        "managedNodeGroups:\n  - <<: *ng\n    name: m1\n    instanceType: m5.xlarge\n")
    with pytest.raises(ImportRefused) as e:  # the anchor's holder is not an eksctl field
        import_cluster_config(text)
    assert [d.path for d in e.value.dropped] == ["x-defaults"]
    mng = import_cluster_config(text, allow_drop=True).settings.cluster.managed_node_groups[0]
    assert (mng.instance_type, mng.private_networking) == ("m5.xlarge", True)


def test_an_unhashable_key_is_a_yaml_error():
    with pytest.raises(NotAClusterConfig, match="YAML syntax error"):
        import_cluster_config("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n? [a]\n: b\n")


def test_a_version_eks_no_longer_offers_is_dropped_so_eksctls_own_example_imports_with_allow_drop():
    """eksctl examples/29-cluster-with-karpenter.yaml pins '1.22', which EKS no longer creates
    (components/eks_versions.py RETIRED): the version is a dropped field, refused without --allow-drop
    and replaced by the default with it — never carried into a stack AWS would refuse."""
    text = data("karpenter.yaml").read_text().replace("version: '1.33'", "version: '1.22'")
    with pytest.raises(ImportRefused) as refused:
        import_cluster_config(text)
    assert [d.path for d in refused.value.dropped] == ["metadata.version"]
    assert "no longer offers Kubernetes 1.22" in refused.value.dropped[0].reason
    r = import_cluster_config(text, allow_drop=True)
    assert "version" not in r.document["config"][CONFIG_KEY]["metadata"]
    assert r.settings.cluster.metadata.version == DEFAULT_VERSION
    # An offered version is carried as written.
    kept = import_cluster_config(text.replace("'1.22'", "'1.31'"))
    assert kept.document["config"][CONFIG_KEY]["metadata"]["version"] == "1.31" and not kept.dropped
