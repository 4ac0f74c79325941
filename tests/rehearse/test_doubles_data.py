"""The doubles' data: pulumi-eks's children, the plugin versions, the timeline."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from automation.rehearse import home, timeline
from automation.rehearse.children import CHILDREN, name_of


def test_every_child_cites_the_pulumi_eks_line_that_registers_it():
    for component, kids in CHILDREN.items():
        for kid in kids:
            assert kid.source.startswith("pulumi-eks nodejs/eks/") and ":" in kid.source, (component, kid)


def test_pulumi_eks_names_its_children_from_the_component_name():
    """pulumi-eks nodejs/eks/cluster/cluster.ts:687 `${name}-eksCluster`, servicerole.ts:89
    `${name}-role`, nodegroup.ts:1487 the Auto Scaling group takes the component's own name."""
    assert name_of("eks:index:Cluster", "eksCluster", "dev-cluster-eks") == "dev-cluster-eks-eksCluster"
    assert name_of("eks:index:ServiceRole", "role", "x-eksRole") == "x-eksRole-role"
    assert name_of("eks:index:NodeGroupV2", "asg", "ng") == "ng"


def test_the_service_role_attachment_is_named_by_the_policy_hash():
    """pulumi-eks nodejs/eks/servicerole.ts:20 sha1hash: the first 8 hex characters of the sha1 of
    the policy id; the double names the cluster role's attachment the same way."""
    from automation.rehearse.eks_double import sha8

    policy = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
    assert sha8(policy) == hashlib.sha1(policy.encode()).hexdigest()[:8]


def test_the_plugins_are_installed_at_the_versions_the_sdks_ask_for(tmp_path: Path):
    """Each SDK's pulumi-plugin.json names the plugin version the engine loads; the launcher sits
    where the CLI looks: plugins/resource-NAME-vVERSION/pulumi-resource-NAME."""
    import pulumi_aws

    versions = home.install(tmp_path)
    want = json.loads((Path(pulumi_aws.__file__).parent / "pulumi-plugin.json").read_text())["version"]
    assert versions["aws"] == want
    for name, version in versions.items():
        exe = tmp_path / "plugins" / f"resource-{name}-v{version}" / f"pulumi-resource-{name}"
        assert exe.is_file() and os.access(exe, os.X_OK)


def _op(urn, start, minutes, op="create", **kw):
    return {"urn": urn, "name": urn, "type": "t", "op": op, "start": start, "end": start + 0.01, "minutes": minutes,
            **kw}


def test_the_timeline_follows_dependencies_and_finds_the_critical_path_and_the_window():
    journal = [_op("vpc", 1.0, 0.1), _op("cluster", 1.1, 10, public=True), _op("endpoint", 1.1, 2),
               _op("nodes", 1.3, 4), _op("cluster", 5.0, 6, op="update", public=False)]
    deps = {"vpc": set(), "cluster": {"vpc"}, "endpoint": {"vpc"}, "nodes": {"cluster", "endpoint"}}
    t = timeline.build(journal, [1.0, 5.0], deps)
    assert [s.name for s in t.critical_path] == ["vpc", "cluster", "nodes", "cluster"]
    assert round(t.total, 1) == 20.1
    assert (round(t.window_opened, 1), round(t.window_closed, 1)) == (10.1, 20.1)


def test_a_dependency_on_a_component_waits_for_its_children():
    resources = [{"urn": "comp"}, {"urn": "kid", "parent": "comp"}, {"urn": "user", "dependencies": ["comp"]}]
    assert timeline.dependencies(resources)["user"] == {"comp", "kid"}
