"""The Kubernetes API relay in the stack (components/relay/function.py, components/relay/provider.py,
docs/architecture.md §11) under Pulumi's mock runtime, its settings (components/settings/relay.py)
and what the offline plan says of it."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as kubernetes
import pytest

from automation.api import Plan
from automation.plan import plan_json, plan_stack, run_program
from automation.plan.comment import exposure
from automation.plan.mocks import digest
from components.errors import PrivateEksError
from components.program import build, kubernetes_provider
from components.relay import protocol
from components.relay.function import FUNCTION_NAME_MAX, function_name
from components.settings import SettingsError
from tests.components.helpers import BASE, run, settings

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
PROVIDER = "pulumi:providers:kubernetes"
S3 = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
SA = {"metadata": {"name": "reader", "namespace": "apps"}, "attachPolicyARNs": [S3]}


def relayed(**relay):
    return settings(privateCluster={"apiRelay": {"enabled": True, **relay}},
                    iam={"withOIDC": True, "serviceAccounts": [SA]})


def named(r, typ, suffix):
    (found,) = [x for x in r.by_type(typ) if x.name.endswith(suffix)]
    return found


def test_the_function_name_fits_lambdas_64_characters_and_is_known_before_it_exists():
    """Lambda API reference, CreateFunction ``FunctionName``: "If you specify only the function name, it
    is limited to 64 characters in length", pattern ``[a-zA-Z0-9-_]+``; EKS cluster names go up to 100
    (EKS API CreateCluster ``name``), so a long one is cut and keeps a digest of the whole."""
    assert function_name("dev") == "dev-k8s-api-relay"
    longest = "c" * 100
    other = "c" * 99 + "d"
    assert len(function_name(longest)) <= FUNCTION_NAME_MAX and len(function_name(other)) <= FUNCTION_NAME_MAX
    assert function_name(longest) != function_name(other)
    assert function_name(longest).endswith("-k8s-api-relay")
    r = run(relayed())
    assert r.one(FUNCTION).inputs["name"] == function_name("test-cluster") == r.outputs[protocol.OUTPUT_FUNCTION]


def test_the_function_runs_in_the_private_subnets_with_its_own_group_its_cluster_and_its_code():
    r = run(relayed())
    fn = r.one(FUNCTION).inputs
    cluster = r.one("eks:index:Cluster").inputs
    assert sorted(fn["vpcConfig"]["subnetIds"]) == sorted(cluster["privateSubnetIds"])
    group = named(r, SG, "-relay-sg")
    assert fn["vpcConfig"]["securityGroupIds"] == [group.id]
    assert fn["handler"] == protocol.FUNCTION_HANDLER and fn["runtime"].startswith("python3.")
    env = fn["environment"]["variables"]
    assert set(env) == {protocol.ENV_CLUSTER_NAME, protocol.ENV_ENDPOINT, protocol.ENV_CA_DATA}
    assert env[protocol.ENV_CLUSTER_NAME] == "test-cluster" and env[protocol.ENV_ENDPOINT].startswith("https://")
    assert sorted(fn["code"].assets) == sorted(protocol.FUNCTION_FILES)
    # CloudWatch Logs: the function's lines go to its own group, with a retention (Lambda would
    # otherwise create /aws/lambda/<name> with none).
    logs = named(r, "aws:cloudwatch/logGroup:LogGroup", "-relay-logs").inputs
    assert logs == {**logs, "name": f"/aws/lambda/{fn['name']}", "retentionInDays": 30}
    assert fn["loggingConfig"]["logGroup"] == logs["name"]


def test_the_role_may_reach_the_vpc_and_describe_its_own_cluster_only():
    """AWS managed policy AWSLambdaVPCAccessExecutionRole (ec2:CreateNetworkInterface and the log
    writes a function in a VPC needs; Lambda developer guide "Giving Lambda functions access to
    resources in an Amazon VPC"); eks:DescribeCluster on the cluster's own ARN."""
    r = run(relayed())
    role = named(r, ROLE, "-relay-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    attached = [a.inputs["policyArn"] for a in r.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                if a.name.endswith("-relay-vpc-access")]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]
    (statement,) = json.loads(named(r, "aws:iam/rolePolicy:RolePolicy", "-relay-describe-cluster").inputs["policy"])[
        "Statement"]
    assert statement == {"Effect": "Allow", "Action": "eks:DescribeCluster",
                         "Resource": "arn:aws:eks:us-west-2:123456789012:cluster/test-cluster"}


def test_the_group_sends_https_to_the_cluster_group_only_and_that_group_lets_it_in():
    """No ingress at all on the relay's group; egress tcp/443 to the EKS cluster security group
    alone (the private endpoint's network interfaces carry it: EKS user guide "View Amazon EKS
    security group requirements for clusters"), and the matching ingress rule on that group."""
    r = run(relayed())
    group = named(r, SG, "-relay-sg").inputs
    cluster_sg = "sg-" + digest("clustersg", "test-cluster")
    assert "ingress" not in group
    assert group["egress"] == [{"description": "the cluster's private API endpoint", "fromPort": 443, "protocol": "tcp",
                                "securityGroups": [cluster_sg], "toPort": 443}]
    rule = named(r, SG_RULE, "-relay-to-cluster").inputs
    assert (rule["type"], rule["protocol"], rule["fromPort"], rule["toPort"], rule["securityGroupId"]) == \
        ("ingress", "tcp", 443, 443, cluster_sg)
    assert rule["sourceSecurityGroupId"] == named(r, SG, "-relay-sg").id


@pytest.mark.parametrize(("region", "partition"), [("us-west-2", "aws"), ("cn-north-1", "aws-cn")])
def test_the_role_has_an_access_entry_and_the_chosen_policy_on_the_whole_cluster(region, partition):
    """EKS API CreateAccessEntry (type STANDARD) and AssociateAccessPolicy: policy ARNs are
    ``arn:<partition>:eks::aws:cluster-access-policy/<name>`` (Amazon EKS User Guide "Review access
    policy permissions")."""
    s = settings(privateCluster={"apiRelay": {"enabled": True, "accessPolicy": "AmazonEKSEditPolicy"}},
                 region=region, availabilityZones=None)
    r = run(s)
    entry = named(r, "aws:eks/accessEntry:AccessEntry", "-relay-access").inputs
    assert (entry["type"], entry["clusterName"]) == ("STANDARD", "test-cluster")
    assert entry["principalArn"].endswith(":role/test-cluster-cluster-relay-role")
    assoc = named(r, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "-relay-access-policy")
    assert assoc.inputs["principalArn"] == entry["principalArn"]
    assert assoc.inputs["policyArn"] == f"arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
    assert assoc.inputs["accessScope"] == {"type": "cluster"}


def test_kubernetes_resources_go_through_the_relay_provider_after_the_function_and_its_policy():
    """pulumi-kubernetes provider.go DiffConfig: with clusterIdentifier set and unchanged, kubeconfig
    and context changes are updates, never replacements; with no kubeconfig input the provider reads
    the ambient KUBECONFIG and selects ``context`` (protocol.context_name)."""
    r = run(relayed())
    (provider,) = r.by_type(PROVIDER)
    assert "kubeconfig" not in provider.inputs
    assert provider.inputs["context"] == protocol.context_name("test-cluster") == "private-eks-relay/test-cluster"
    assert provider.inputs["clusterIdentifier"] == "test-cluster"
    function, assoc = r.one(FUNCTION), named(r, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
                                             "-relay-access-policy")
    for typ in ("kubernetes:core/v1:ServiceAccount", "kubernetes:core/v1:Namespace"):
        (made,) = r.by_type(typ)
        assert {function.urn, assoc.urn} <= set(made.dependencies), typ
    assert {function.urn, assoc.urn} <= set(provider.dependencies)


def test_without_the_relay_nothing_changes():
    """The relay is opt-in: no function, and the ServiceAccounts' provider is the kubeconfig one it
    always was (same name, so existing stacks keep their resources)."""
    r = run(settings(iam={"withOIDC": True, "serviceAccounts": [SA]}))
    assert not r.by_type(FUNCTION) and protocol.OUTPUT_FUNCTION not in r.outputs
    (provider,) = r.by_type(PROVIDER)
    assert provider.name == "test-cluster-cluster-service-accounts-k8s" and "kubeconfig" in provider.inputs


def test_an_embedding_program_gets_the_stacks_provider_through_the_relay():
    s = relayed()

    def program():
        outputs = build(s, "private")
        kubernetes.core.v1.ConfigMap("app-config", data={"k": "v"},
                                     opts=pulumi.ResourceOptions(provider=kubernetes_provider("test-cluster")))
        return outputs

    r = run_program(s, "private", program)
    # One provider: the embedder's ConfigMap shares the stack's relay provider with its ServiceAccounts.
    (provider,) = r.by_type(PROVIDER)
    assert r.by_type("kubernetes:core/v1:ConfigMap")
    assert provider.inputs["context"] == protocol.context_name("test-cluster")
    with pytest.raises(ValueError, match="call build"):
        kubernetes_provider("no-such-cluster")


def test_the_plan_says_the_path_and_is_byte_identical_with_the_code_as_digests():
    s = relayed()
    first, second = plan_stack(s), plan_stack(relayed())
    assert plan_json(first) == plan_json(second)
    assert first["kubernetesApi"]["path"] == "relay" and first["kubernetesApi"]["needed"] is True
    assert Plan.from_json(plan_json(first)).kubernetes_api_path == "relay"
    (finding,) = [f for f in first["findings"] if f.startswith("needs the Kubernetes API")]
    assert "the relay function test-cluster-k8s-api-relay" in finding and "never turns the public endpoint on" in finding
    (fn,) = [r for r in first["passes"][-1]["resources"] if r["type"] == FUNCTION]
    assert sorted(fn["inputs"]["code"]["archive"]) == sorted(protocol.FUNCTION_FILES)
    assert all(a["asset"].startswith("sha256:") and a["bytes"] > 0 for a in fn["inputs"]["code"]["archive"].values())
    # The pull-request comment: merging a relay stack opens no window, new or not.
    e = exposure({"passes": []}, first, [])
    assert e.window is False and "relay" in e.why


def test_the_relay_needs_api_mode():
    """pulumi-eks nodejs/eks/cluster/cluster.ts writes the aws-auth ConfigMap (``eksNodeAccess``)
    with its own provider built from the cluster's kubeconfig whenever the mode supports the
    ConfigMap: that write cannot go through the relay, so the settings refuse the pair by path."""
    doc = {**BASE, "privateCluster": {"apiRelay": {"enabled": True}},
           "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}
    with pytest.raises(SettingsError) as e:
        settings(doc)
    (problem,) = e.value.problems
    assert problem.path == "accessConfig.authenticationMode" and "apiRelay" in problem.message
    assert isinstance(e.value, PrivateEksError) and e.value.exit_code == 2


@pytest.mark.parametrize(("field", "value"), [("accessPolicy", "AmazonEKSEverythingPolicy"),
                                              ("logRetentionInDays", 2), ("enabled", "yes please")])
def test_bad_relay_fields_are_refused_by_path(field, value):
    with pytest.raises(SettingsError) as e:
        settings(privateCluster={"apiRelay": {"enabled": True, field: value}})
    assert [p.path for p in e.value.problems] == [f"privateCluster.apiRelay.{field}"]


def test_turning_the_relay_on_keeps_the_service_accounts_provider_by_alias():
    """Without the alias the ServiceAccounts would move to another provider and be replaced; with it
    the engine updates the one provider (kubeconfig out, context and clusterIdentifier in: provider.go
    DiffConfig plans no replacement when clusterIdentifier is added)."""
    before = run(settings(iam={"withOIDC": True, "serviceAccounts": [SA]}))
    after = run(relayed())
    (old,) = before.by_type(PROVIDER)
    (new,) = after.by_type(PROVIDER)
    (alias,) = new.aliases
    assert (alias.spec.name, alias.spec.parentUrn) == (old.name, old.parent_urn)


def test_the_archive_is_the_whole_function_and_imports_on_its_own(tmp_path):
    """What Lambda unpacks at /var/task: the archive's files alone must import the handler named
    in ``handler`` (no project package beside them)."""
    import subprocess
    import sys

    from components.relay.function import function_code

    for name, asset in function_code().assets.items():
        (tmp_path / name).write_text(asset.text)
    module, attr = protocol.FUNCTION_HANDLER.split(".")
    code = f"import {module}; assert callable({module}.{attr})"
    # -S -E: no site-packages (the project is not importable), the archive's folder first on the path.
    done = subprocess.run([sys.executable, "-S", "-E", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("policy", "accounts", "said"), [
    ("AmazonEKSViewPolicy", [SA], "cannot write the stack's ServiceAccounts"),
    ("AmazonEKSEditPolicy", [SA], "cannot create the namespaces the stack makes for its ServiceAccounts (apps)"),
    ("AmazonEKSAdminPolicy", [SA], "only AmazonEKSClusterAdminPolicy writes namespaces"),
])
def test_the_access_policy_must_allow_the_writes_the_stack_makes(policy, accounts, said):
    """Amazon EKS User Guide "Review access policy permissions": the view, edit and admin policies
    are Kubernetes' user-facing roles, and "Using RBAC Authorization" says admin and edit have no
    write access to the namespace itself; view writes nothing."""
    with pytest.raises(SettingsError) as e:
        settings(privateCluster={"apiRelay": {"enabled": True, "accessPolicy": policy}},
                 iam={"withOIDC": True, "serviceAccounts": accounts})
    (problem,) = e.value.problems
    assert problem.path == "privateCluster.apiRelay.accessPolicy" and said in problem.message


def test_edit_is_enough_for_service_accounts_in_namespaces_every_cluster_has():
    s = settings(privateCluster={"apiRelay": {"enabled": True, "accessPolicy": "AmazonEKSEditPolicy"}},
                 iam={"withOIDC": True, "serviceAccounts": [
                     {**SA, "metadata": {"name": "reader", "namespace": "kube-system"}},
                     {**SA, "metadata": {"name": "app", "namespace": "default"}, "roleOnly": False}]})
    assert s.cluster.private_cluster.api_relay.access_policy == "AmazonEKSEditPolicy"
    # roleOnly writes nothing through the Kubernetes API: even the view policy will do.
    settings(privateCluster={"apiRelay": {"enabled": True, "accessPolicy": "AmazonEKSViewPolicy"}},
             iam={"withOIDC": True, "serviceAccounts": [{**SA, "roleOnly": True}]})
