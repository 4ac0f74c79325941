"""karpenter: Karpenter's AWS side as the components declare it (components/karpenter.py), the rules
of its settings (components/settings/karpenter.py) and its endpoints."""

from __future__ import annotations

import copy
import json

import pytest

from automation.plan import MOCK_ACCOUNT, plan_stack
from components.karpenter import NODE_POLICIES, VERSION_TAG, helm_values
from components.karpenter_policy import EKSCTL_ACTIONS, EVENT_RULES
from components.settings import SettingsError
from components.settings.karpenter import KarpenterSettings, karpenter_services
from tests.components.helpers import EXISTING, run, settings

ROLE = "aws:iam/role:Role"
INLINE = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
# eksctl examples/29-cluster-with-karpenter.yaml, on a Kubernetes version EKS still offers, with the
# Pod Identity agent the controller's role needs here.
EXAMPLE = {**copy.deepcopy(EXISTING), "metadata": {"name": "cluster-with-karpenter", "version": "1.33",
                                                   "tags": {"karpenter.sh/discovery": "cluster-with-karpenter"}},
           "iam": {"withOIDC": True}, "addons": [{"name": "eks-pod-identity-agent"}],
           "karpenter": {"version": "v0.20.0", "createServiceAccount": True, "withSpotInterruptionQueue": True}}


def karpenter_run(**karpenter):
    doc = copy.deepcopy(EXAMPLE)
    doc["karpenter"] = {**doc["karpenter"], **karpenter}
    return run(settings(doc))


def named(r, typ, suffix):
    (found,) = [x for x in r.by_type(typ) if x.name.endswith(suffix)]
    return found


def test_the_node_role_profile_and_access_entry():
    """Karpenter's cloudformation.yaml (aws/karpenter-provider-aws website/content/en/docs/getting-started/
    getting-started-with-karpenter): KarpenterNodeRole-<cluster> trusted by EC2 with the CNI, worker
    node, ECR pull-only and SSM policies, its instance profile KarpenterNodeInstanceProfile-<cluster>
    (the name the docs' "Private Clusters" section uses: with no IAM endpoint the EC2NodeClass must name
    a made profile). The role joins through an EC2_LINUX access entry (eksctl pkg/actions/karpenter/
    create.go writes aws-auth instead)."""
    r = karpenter_run()
    role = named(r, ROLE, "-karpenter-node-role")
    assert role.inputs["name"] == "KarpenterNodeRole-cluster-with-karpenter"
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert role.inputs["tags"][VERSION_TAG] == "v0.20.0"
    attached = sorted(a.inputs["policyArn"].rsplit("/", 1)[-1] for a in r.by_type(ATTACHMENT) if "-karpenter-node-" in a.name)
    assert attached == sorted(NODE_POLICIES)
    profile = named(r, "aws:iam/instanceProfile:InstanceProfile", "-karpenter-node-profile")
    assert profile.inputs["name"] == "KarpenterNodeInstanceProfile-cluster-with-karpenter"
    entry = named(r, "aws:eks/accessEntry:AccessEntry", "-karpenter-node-access")
    assert entry.inputs["type"] == "EC2_LINUX" and entry.inputs["clusterName"] == "cluster-with-karpenter"
    given = karpenter_run(defaultInstanceProfile="my-profile")
    assert named(given, "aws:iam/instanceProfile:InstanceProfile", "-karpenter-node-profile").inputs["name"] == "my-profile"


def test_the_controller_role_is_given_through_pod_identity():
    """The association is an EKS API call (CreatePodIdentityAssociation) for eksctl's namespace and
    service account (pkg/karpenter/karpenter.go: karpenter/karpenter); the role trusts
    pods.eks.amazonaws.com (EKS user guide, "Create an IAM role for Pod Identity")."""
    r = karpenter_run()
    association = named(r, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "-karpenter-pod-identity")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == ("karpenter", "karpenter")
    controller = named(r, ROLE, "-karpenter-controller-role")
    trust = json.loads(controller.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]


def test_before_1_0_the_controller_has_eksctls_policy():
    """eksctl pkg/cfn/builder/karpenter.go addResourcesForKarpenter: one statement of its actions on
    every resource, and the queue actions on the queue's ARN with withSpotInterruptionQueue."""
    r = karpenter_run()
    (policy,) = [p for p in r.by_type(INLINE) if "-karpenter-Karpenter" in p.name]
    document = json.loads(policy.inputs["policy"])
    assert document["Statement"][0] == {"Effect": "Allow", "Resource": "*", "Action": list(EKSCTL_ACTIONS)}
    queue = named(r, "aws:sqs/queue:Queue", "-karpenter-queue")
    assert document["Statement"][1]["Resource"].endswith(queue.name)
    assert set(document["Statement"][1]["Action"]) == {"sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                                       "sqs:GetQueueUrl", "sqs:ReceiveMessage"}


def test_from_1_0_the_controller_has_karpenters_scoped_policies():
    """Karpenter 1.x's cloudformation.yaml: NodeLifecyclePolicy, IAMIntegrationPolicy (PassRole on the
    node role only, to EC2), EKSIntegrationPolicy (DescribeCluster on this cluster), ResourceDiscoveryPolicy,
    and InterruptionPolicy with the queue."""
    r = karpenter_run(version="1.8.1")
    policies = {p.inputs["name"]: json.loads(p.inputs["policy"]) for p in r.by_type(INLINE) if "-karpenter-Karpenter" in p.name}
    assert sorted(policies) == ["KarpenterControllerEKSIntegrationPolicy", "KarpenterControllerIAMIntegrationPolicy",
                                "KarpenterControllerInterruptionPolicy", "KarpenterControllerNodeLifecyclePolicy",
                                "KarpenterControllerResourceDiscoveryPolicy"]
    (describe,) = policies["KarpenterControllerEKSIntegrationPolicy"]["Statement"]
    assert describe["Resource"] == f"arn:aws:eks:us-west-2:{MOCK_ACCOUNT}:cluster/cluster-with-karpenter"
    passing = policies["KarpenterControllerIAMIntegrationPolicy"]["Statement"][0]
    assert passing["Action"] == "iam:PassRole" and passing["Resource"].endswith(":role/cluster-with-karpenter-cluster-karpenter-node-role")
    lifecycle = policies["KarpenterControllerNodeLifecyclePolicy"]["Statement"]
    assert lifecycle[1]["Condition"]["StringEquals"] == {
        "aws:ResourceTag/kubernetes.io/cluster/cluster-with-karpenter": "owned"}
    # Inline policies of one role share IAM's 10,240-character budget (IAM quotas, "Role policy size").
    assert sum(len(json.dumps(d, separators=(",", ":"))) for d in policies.values()) <= 10240
    without_queue = karpenter_run(version="1.8.1", withSpotInterruptionQueue=False)
    assert not [p for p in without_queue.by_type(INLINE) if p.name.endswith("InterruptionPolicy")]


def test_the_interruption_queue_and_its_rules():
    """cloudformation.yaml and eksctl addSpotInterruptionQueueWithRules: a queue named after the cluster
    keeping messages 300 s with SQS-managed SSE, sendable by EventBridge and SQS (and nothing over
    plain HTTP), fed by four rules."""
    r = karpenter_run()
    queue = named(r, "aws:sqs/queue:Queue", "-karpenter-queue")
    assert (queue.inputs["name"], queue.inputs["messageRetentionSeconds"], queue.inputs["sqsManagedSseEnabled"]) == (
        "cluster-with-karpenter", 300, True)
    policy = json.loads(named(r, "aws:sqs/queuePolicy:QueuePolicy", "-queue-policy").inputs["policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]}
    assert policy["Statement"][1]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    patterns = sorted(json.loads(rule.inputs["eventPattern"])["detail-type"][0]
                      for rule in r.by_type("aws:cloudwatch/eventRule:EventRule"))
    assert patterns == sorted(detail for _, detail in EVENT_RULES.values())
    assert len(r.by_type("aws:cloudwatch/eventTarget:EventTarget")) == 4
    assert not karpenter_run(withSpotInterruptionQueue=False).by_type("aws:sqs/queue:Queue")


def test_the_cluster_security_group_gets_the_discovery_tag():
    """eksctl pkg/actions/karpenter/create.go: with karpenter.sh/discovery in metadata.tags, the EKS
    cluster security group is tagged too (EKS does not propagate the cluster's tags to it)."""
    r = karpenter_run()
    tag = r.one("aws:ec2/tag:Tag")
    assert (tag.inputs["key"], tag.inputs["value"]) == ("karpenter.sh/discovery", "cluster-with-karpenter")
    assert tag.inputs["resourceId"].startswith("sg-")


def test_the_service_account_is_written_only_when_eksctl_would_write_it():
    """eksctl create.go: createServiceAccount false (its default) has eksctl make the ServiceAccount
    (through the Kubernetes API: the window), true leaves it to the Helm chart."""
    doc = copy.deepcopy(EXAMPLE)
    doc["karpenter"]["createServiceAccount"] = False
    s = settings(doc)
    accounts = [x for x in run(s).by_type("kubernetes:core/v1:ServiceAccount")]
    assert [(a.inputs["metadata"]["namespace"], a.inputs["metadata"]["name"]) for a in accounts] == [("karpenter", "karpenter")]
    assert plan_stack(s, ("private",))["kubernetesApi"]["needed"] is True
    assert plan_stack(settings(EXAMPLE), ("private",))["kubernetesApi"]["needed"] is False


def test_the_outputs_are_the_helm_values_a_private_cluster_needs():
    """Karpenter docs, "Private Clusters": settings.isolatedVPC=true (no pricing endpoint); eksctl
    pkg/karpenter/karpenter.go Install: settings under settings.aws before v0.33."""
    r = karpenter_run()
    out = r.outputs["karpenter"]
    assert out["helmValues"]["settings"]["aws"]["isolatedVPC"] is True
    assert out["helmValues"]["settings"]["aws"]["interruptionQueueName"] == "cluster-with-karpenter"
    assert out["helmValues"]["settings"]["aws"]["clusterEndpoint"].startswith("https://")
    flat = helm_values(KarpenterSettings(version="1.8.1"), cluster_name="c", endpoint="https://e", queue="c",
                       instance_profile="p")
    assert flat["settings"] == {"clusterName": "c", "clusterEndpoint": "https://e", "isolatedVPC": True,
                                "interruptionQueue": "c"}
    assert flat["serviceAccount"] == {"create": False, "name": "karpenter"}
    assert out["al2023MirrorUserData"] is None
    doc = copy.deepcopy(EXAMPLE)
    doc["privateCluster"] = {"pullThroughCache": [{"upstream": "ecr-public"}]}
    mirrored = run(settings(doc)).outputs["karpenter"]["al2023MirrorUserData"]
    assert "/etc/containerd/certs.d/public.ecr.aws/hosts.toml" in mirrored and "application/node.eks.aws" in mirrored
    assert any("through the pull-through cache (ecr-public)" in f
               for f in plan_stack(settings(doc), ("private",))["findings"])


def test_karpenters_endpoints():
    """Karpenter docs, "Private Clusters": ec2, ecr.api, ecr.dkr, s3, sts, ssm, sqs (interruption
    handling) and eks; eks-auth for Pod Identity. All are created, the plan naming Karpenter as the need."""
    s = settings(EXAMPLE)
    assert [name for name, _ in karpenter_services(s.cluster)] == [
        "ec2", "ecr.api", "ecr.dkr", "s3", "sts", "ssm", "eks", "eks-auth", "sqs"]
    assert {"ssm", "eks", "eks-auth", "sqs"} <= {e.name for e in s.endpoint_services()}
    plan = plan_stack(s, ("private",))
    (run,) = plan["passes"]
    created = {r["inputs"]["serviceName"].rsplit(".", 1)[-1] for r in run["resources"]
               if r["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint"}
    assert {"ssm", "eks", "sqs"} <= created
    no_queue = copy.deepcopy(EXAMPLE)
    no_queue["karpenter"]["withSpotInterruptionQueue"] = False
    assert "sqs" not in [name for name, _ in karpenter_services(settings(no_queue).cluster)]


@pytest.mark.parametrize("change, path, message", [
    ({"karpenter": {}}, "karpenter.version", "is required"),
    ({"karpenter": {"version": "latest"}}, "karpenter.version", "not a version"),
    ({"karpenter": {"version": "v0.19.0"}}, "karpenter.version", "minimum supported version is v0.20.0"),
    ({"karpenter": {"version": "1.8.1", "defaultInstanceProfile": "a b"}}, "karpenter.defaultInstanceProfile",
     "not an instance profile name"),
    ({"addons": []}, "karpenter", "needs the 'eks-pod-identity-agent' add-on"),
    ({"accessConfig": {"authenticationMode": "CONFIG_MAP"}}, "karpenter", "needs accessConfig.authenticationMode"),
])
def test_bad_settings_are_refused_by_path(change, path, message):
    """eksctl validation.go validateKarpenterConfig: version required, parsed, at least v0.20.0; here
    also the agent the Pod Identity role needs and access entries for the node role."""
    doc = {**copy.deepcopy(EXAMPLE), **change}
    with pytest.raises(SettingsError) as e:
        settings(doc)
    assert any(p.path == path and message in p.message for p in e.value.problems), e.value.render()


def test_versions_older_than_pod_identity_are_warned_about():
    """EKS Pod Identity launched in November 2023; eksctl's example pins v0.20.0, older than that."""
    assert any(w.startswith("karpenter.version: v0.20.0 predates EKS Pod Identity") for w in settings(EXAMPLE).warnings)
    doc = copy.deepcopy(EXAMPLE)
    doc["karpenter"]["version"] = "1.8.1"
    assert not settings(doc).warnings


def test_iam_with_oidc_is_not_required():
    """eksctl requires iam.withOIDC for Karpenter (validation.go), for its IRSA role; Pod Identity needs
    no OIDC provider."""
    doc = copy.deepcopy(EXAMPLE)
    del doc["iam"]
    assert settings(doc).cluster.karpenter is not None


def test_long_cluster_names_keep_iam_names_in_bounds():
    """IAM: role names up to 64 characters, instance profile names up to 128 (terraform-provider-aws
    iam/role.go roleNameMaxLen, iam/instance_profile.go); SQS queue names up to 80 (SQS CreateQueue)."""
    doc = copy.deepcopy(EXAMPLE)
    doc["metadata"] = {"name": "c" * 100, "version": "1.33"}
    r = run(settings(doc))
    assert len(named(r, ROLE, "-karpenter-node-role").inputs["name"]) <= 64
    assert named(r, "aws:iam/instanceProfile:InstanceProfile", "-karpenter-node-profile").inputs["name"].startswith(
        "KarpenterNodeInstanceProfile-ccc")
    assert len(named(r, "aws:sqs/queue:Queue", "-karpenter-queue").inputs["name"]) == 80
