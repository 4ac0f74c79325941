"""privateCluster.pullThroughCache: the ECR rules, the node role permissions, the registry mirrors the
nodes' user data gets (components/images.py, components/nodes/registry_mirrors.py) and the plan's
image finding."""

from __future__ import annotations

import base64
import copy
import json
import tomllib

import pytest

from automation.plan import MOCK_ACCOUNT, plan_stack
from components.settings import SettingsError
from tests.components.helpers import BASE, EXISTING, run, settings

RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
SECRET = "arn:aws:secretsmanager:us-west-2:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
# Two upstream registries: one anonymous, one with credentials.
TWO = [{"upstream": "quay"}, {"upstream": "docker-hub", "credentialARN": SECRET}]


def with_cache(cluster=None, rules=TWO, **changes):
    doc = copy.deepcopy(cluster if cluster is not None else EXISTING)
    doc.setdefault("privateCluster", {})["pullThroughCache"] = copy.deepcopy(rules)
    doc.update(changes)
    return settings(doc)


def test_one_rule_per_upstream_registry():
    """ECR API reference, CreatePullThroughCacheRule: upstreamRegistryUrl per registry (quay.io,
    registry-1.docker.io, ...), ecrRepositoryPrefix, credentialArn for those that need credentials
    (ECR user guide, "Sync an upstream registry")."""
    rules = sorted((r.inputs["ecrRepositoryPrefix"], r.inputs["upstreamRegistryUrl"], r.inputs.get("credentialArn"))
                   for r in run(with_cache()).by_type(RULE))
    assert rules == [("docker-hub", "registry-1.docker.io", SECRET), ("quay", "quay.io", None)]


@pytest.mark.parametrize("rules, path, message", [
    ([{"upstream": "docker-hub"}], "privateCluster.pullThroughCache[0].credentialARN", "is required"),
    ([{"upstream": "quay", "credentialARN": SECRET}], "privateCluster.pullThroughCache[0].credentialARN",
     "needs no credentials"),
    ([{"upstream": "github", "credentialARN": "arn:aws:secretsmanager:us-west-2:1:secret:gh"}],
     "privateCluster.pullThroughCache[0].credentialARN", "ecr-pullthroughcache/"),
    ([{"upstream": "k8s", "prefix": "K8S"}], "privateCluster.pullThroughCache[0].prefix", "2-30"),
    ([{"upstream": "azure", "credentialARN": SECRET}], "privateCluster.pullThroughCache[0].upstreamURL", "azurecr.io"),
    ([{"upstream": "quay", "upstreamURL": "quay.example.com"}], "privateCluster.pullThroughCache[0].upstreamURL",
     "only azure"),
    ([{"upstream": "quay"}, {"upstream": "k8s", "prefix": "quay"}], "privateCluster.pullThroughCache[1].prefix",
     "already the prefix"),
    ([{"upstream": "quay"}, {"upstream": "quay", "prefix": "quay2"}], "privateCluster.pullThroughCache[1].upstream",
     "already cached"),
    ([{"upstream": "gcr"}], "privateCluster.pullThroughCache[0].upstream", "docker-hub"),
])
def test_bad_rules_are_refused_by_path(rules, path, message):
    """ECR's rules: credentials for docker-hub/github/gitlab/azure/chainguard only, a secret named
    ecr-pullthroughcache/..., a prefix of 2-30 characters of ECR's pattern, one rule per prefix (ECR API
    reference, CreatePullThroughCacheRule)."""
    with pytest.raises(SettingsError) as e:
        with_cache(rules=rules)
    assert any(p.path == path and message in p.message for p in e.value.problems), e.value.render()


def test_the_secret_must_be_in_the_stacks_region():
    """ECR user guide, "Creating a pull through cache rule": the secret's account and region are the rule's."""
    with pytest.raises(SettingsError) as e:
        with_cache(rules=[{"upstream": "docker-hub", "credentialARN": SECRET.replace("us-west-2", "eu-west-1")}])
    assert [p.path for p in e.value.problems] == ["privateCluster.pullThroughCache[0].credentialARN"]
    assert "eu-west-1" in e.value.problems[0].message


def test_amazon_linux_2_groups_are_refused_by_path():
    """private-eks writes the mirrors for AL2023 and Bottlerocket only (components/nodes/registry_mirrors.py)."""
    doc = copy.deepcopy(BASE)
    doc["metadata"]["version"] = "1.32"
    doc["nodeGroups"][0]["amiFamily"] = "AmazonLinux2"
    with pytest.raises(SettingsError) as e:
        with_cache(doc)
    assert [p.path for p in e.value.problems] == ["nodeGroups[0].amiFamily"]


def test_node_roles_may_import_upstream_images():
    """ECR user guide, "IAM permissions required to sync an upstream registry": the first pull through a
    rule needs ecr:BatchImportUpstreamImage and ecr:CreateRepository, here on the rules' prefixes."""
    r = run(with_cache(BASE))
    policies = [p for p in r.by_type("aws:iam/rolePolicy:RolePolicy") if p.inputs.get("name") == "PolicyECRPullThroughCache"]
    assert len(policies) == 2  # the self-managed and the managed group's roles
    (statement,) = json.loads(policies[0].inputs["policy"])["Statement"]
    assert statement["Action"] == ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
    assert statement["Resource"] == ["arn:aws:ecr:us-west-2:*:repository/quay/*",
                                     "arn:aws:ecr:us-west-2:*:repository/docker-hub/*"]
    assert not [p for p in run(settings(BASE)).by_type("aws:iam/rolePolicy:RolePolicy")
                if p.inputs.get("name") == "PolicyECRPullThroughCache"]


def managed_user_data(s) -> str:
    plan = plan_stack(s, ("private",))
    (group,) = [x for x in plan["passes"][0]["resources"] if x["type"] == "eks:index:ManagedNodeGroup"]
    return base64.b64decode(group["childInputs"]["aws:ec2/launchTemplate:LaunchTemplate"]["userData"]).decode()


def test_al2023_nodes_mirror_the_registries_through_the_cache():
    """nodeadm's containerd reads /etc/containerd/certs.d (awslabs/amazon-eks-ami nodeadm/internal/
    containerd/config.template.toml, config_path); a hosts.toml per registry names the cache with
    override_path (containerd docs/hosts.md). The kubelet's credential provider config is nodeadm's
    (nodeadm/internal/kubelet/image-credential-provider.template.json) with the mirrored registries added."""
    text = managed_user_data(with_cache())
    assert "Content-Type: text/x-shellscript" in text and "Content-Type: application/node.eks.aws" in text
    assert 'cat > /etc/containerd/certs.d/docker.io/hosts.toml' in text
    assert 'server = "https://registry-1.docker.io"' in text
    assert '[host."https://${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/v2/docker-hub"]' in text
    assert 'server = "https://quay.io"' in text and text.count("override_path = true") == 2
    assert "--image-credential-provider-config=/etc/eks/image-credential-provider/pull-through-cache.json" in text
    config = json.loads(text.split("pull-through-cache.json <<'EOF'\n", 1)[1].split("\nEOF", 1)[0])
    match = config["providers"][0]["matchImages"]
    assert "*.dkr.ecr.*.amazonaws.com" in match and match[-2:] == ["quay.io", "docker.io"]


def test_bottlerocket_nodes_mirror_the_registries_through_the_cache():
    """Bottlerocket's settings: container-registry.mirrors (an array of tables) and the ECR credential
    provider's image-patterns, with the account's registry."""
    doc = copy.deepcopy(EXISTING)
    doc["managedNodeGroups"][0]["amiFamily"] = "Bottlerocket"
    settings_toml = tomllib.loads(managed_user_data(with_cache(doc)))["settings"]
    assert settings_toml["container-registry"]["mirrors"] == [
        {"registry": "quay.io", "endpoint": [f"https://{MOCK_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/v2/quay"]},
        {"registry": "docker.io", "endpoint": [f"https://{MOCK_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/v2/docker-hub"]}]
    provider = settings_toml["kubernetes"]["credential-providers"]["ecr-credential-provider"]
    assert provider["enabled"] is True and provider["image-patterns"][-2:] == ["quay.io", "docker.io"]


def test_the_plan_says_where_each_image_is_pulled_from():
    """Add-ons from the regional EKS registry through the ECR endpoints; the cached registries through
    the cache; anything else unreachable."""
    findings = plan_stack(with_cache(), ("private",))["findings"]
    images = [f for f in findings if f.startswith("images:")]
    assert images[0].startswith("images: add-ons vpc-cni, coredns, kube-proxy: the regional EKS registry")
    assert "through the ecr.api, ecr.dkr and S3 endpoints" in images[0]
    assert any(f.startswith("images: docker.io/... through the pull-through cache") for f in images)
    assert images[-1] == "images: any other registry is unreachable: no internet"
    # Without a cache the add-ons still come through the ECR endpoints, and nothing else is reachable.
    plain = [f for f in plan_stack(settings(EXISTING), ("private",))["findings"] if f.startswith("images:")]
    assert plain[0].startswith("images: add-ons vpc-cni, coredns, kube-proxy") and "PROBLEM" not in plain[0]
    assert plain[1:] == ["images: any other registry is unreachable: no internet"]


def test_reused_ecr_endpoints_serve_the_add_on_images():
    """Endpoints named in privateCluster.existingEndpointServices are the VPC's own: the add-ons'
    images come through them, and the plan must not call them missing."""
    doc = {**EXISTING, "privateCluster": {"existingEndpointServices": ["ecr.api", "ecr.dkr", "s3"]}}
    (first, *_) = [f for f in plan_stack(settings(doc), ("private",))["findings"] if f.startswith("images:")]
    assert first.endswith("through the ecr.api, ecr.dkr and S3 endpoints"), first
