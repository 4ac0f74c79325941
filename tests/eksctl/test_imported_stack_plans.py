"""An imported stack file goes through the offline plan: what eksctl described is what gets planned."""

from __future__ import annotations

import base64
import json
import tomllib

from tests.eksctl.helpers import data, run_cli


def import_and_plan(tmp_path, example: str, stack: str, *extra: str) -> dict:
    out = tmp_path / f"Pulumi.{stack}.yaml"
    r = run_cli("import-eksctl", str(data(example)), "-o", str(out), *extra)
    assert r.returncode == 0, r.stderr
    p = run_cli("plan", "--file", str(out), "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def resources(plan: dict, phase: str, typ: str) -> list[dict]:
    (run,) = [p for p in plan["passes"] if p["phase"] == phase]
    return [r for r in run["resources"] if r["type"] == typ]


def endpoint_services(plan: dict, phase: str = "private") -> list[str]:
    return sorted(r["inputs"]["serviceName"] for r in resources(plan, phase, "aws:ec2/vpcEndpoint:VpcEndpoint"))


def test_seed_example_plans_region_version_node_group_and_endpoints(tmp_path):
    plan = import_and_plan(tmp_path, "seed-existing-vpc.yaml", "seed")
    assert (plan["stack"], plan["region"]) == ("seed", "us-west-2")
    (cluster,) = resources(plan, "private", "eks:index:Cluster")
    assert (cluster["inputs"]["name"], cluster["inputs"]["version"]) == ("private-cluster", "1.33")
    assert cluster["inputs"]["endpointPublicAccess"] is False
    (mng,) = resources(plan, "private", "eks:index:ManagedNodeGroup")
    assert (mng["inputs"]["nodeGroupName"], mng["inputs"]["instanceTypes"], mng["inputs"]["scalingConfig"]) == (
        "m1", ["m5.large"], {"desiredSize": 2, "maxSize": 2, "minSize": 2})
    assert endpoint_services(plan) == sorted(f"com.amazonaws.us-west-2.{s}" for s in
                                             ("autoscaling", "ec2", "ecr.api", "ecr.dkr", "s3", "sts"))
    assert resources(plan, "private", "aws:ec2/vpc:Vpc") == []  # the existing VPC is used, not created


def test_new_vpc_example_plans_every_group_and_the_endpoints_its_fields_need(tmp_path):
    plan = import_and_plan(tmp_path, "new-vpc-all-fields.yaml", "all")
    assert plan["region"] == "eu-west-1"
    (cluster,) = resources(plan, "private", "eks:index:Cluster")
    i = cluster["inputs"]
    assert (i["version"], i["authenticationMode"], i["enabledClusterLogTypes"]) == (
        "1.32", "API", ["api", "audit", "controllerManager"])
    (boot,) = resources(plan, "bootstrap", "eks:index:Cluster")
    assert boot["inputs"]["publicAccessCidrs"] == ["203.0.113.0/28", "198.51.100.7/32"]
    managed = resources(plan, "private", "eks:index:ManagedNodeGroup")
    mngs = {r["inputs"]["nodeGroupName"]: r["inputs"] for r in managed}
    assert set(mngs) == {"mng-spot", "mng-apps", "mng-template"}
    # The bootstrap fields: a custom AMI's through pulumi-eks's user data inputs; on EKS's AMI as user data
    # of the launch template pulumi-eks makes, which EKS merges with its own (components/nodes/user_data.py).
    assert [p["contentType"] for p in mngs["mng-spot"]["nodeadmExtraOptions"]] == [
        'text/x-shellscript; charset="us-ascii"', "application/node.eks.aws"]
    user_data = {r["inputs"]["nodeGroupName"]: base64.b64decode(
        r["childInputs"]["aws:ec2/launchTemplate:LaunchTemplate"]["userData"]).decode()
        for r in managed if "userData" in r.get("childInputs", {}).get("aws:ec2/launchTemplate:LaunchTemplate", {})}
    assert set(user_data) == {"mng-apps"} and "bottlerocketSettings" not in mngs["mng-apps"]
    assert tomllib.loads(user_data["mng-apps"])["settings"]["kubernetes"] == {"max-pods": 110}
    assert mngs["mng-template"]["launchTemplate"] == {"id": "lt-0123456789abcdef0", "version": "2"}
    assert "enableIMDSv2" not in mngs["mng-template"] and "diskSize" not in mngs["mng-template"]
    assert (mngs["mng-spot"]["capacityType"], mngs["mng-spot"]["instanceTypes"], mngs["mng-spot"]["diskSize"]) == (
        "SPOT", ["m5.large", "m5a.large"], 50)
    ng, apps = sorted(resources(plan, "private", "eks:index:NodeGroupV2"), key=lambda r: r["inputs"]["instanceType"],
                      reverse=True)
    assert (ng["inputs"]["instanceType"], ng["inputs"]["desiredCapacity"], ng["inputs"]["nodeRootVolumeSize"]) == (
        "m5.xlarge", 3, 100)
    assert apps["inputs"]["nodeRootVolumeThroughput"] == 300 and len(apps["inputs"]["nodeSubnetIds"]) == 1
    assert len(ng["inputs"]["nodeadmExtraOptions"]) == 3
    assert apps["inputs"]["bottlerocketSettings"] == {"settings": {"kernel": {"lockdown": "integrity"},
                                                                   "host-containers": {"admin": {"enabled": False}}}}
    (fp,) = resources(plan, "private", "aws:eks/fargateProfile:FargateProfile")
    assert fp["inputs"]["selectors"] == [{"namespace": "default"}, {"labels": {"fargate": "yes"}, "namespace": "jobs"}]
    # logs for logging, kms for secrets encryption, eks-auth for Pod Identity; elasticloadbalancing and
    # elasticfilesystem for the awsLoadBalancerController and efsCSIController roles; eks, ssm and sqs for
    # Karpenter (components/endpoint_needs.py).
    assert endpoint_services(plan) == sorted(f"com.amazonaws.eu-west-1.{s}" for s in (
        "autoscaling", "cloudformation", "ec2", "ecr.api", "ecr.dkr", "eks", "eks-auth", "elasticfilesystem",
        "elasticloadbalancing", "kms", "logs", "s3", "sqs", "ssm", "sts"))
    assert i["encryptionConfigKeyArn"].startswith("arn:aws:kms:eu-west-1:")
    assert i["autoMode"]["computeConfig"]["nodeRoleArn"].endswith(":role/auto-mode-nodes")
    assert {r["inputs"]["addonName"] for r in resources(plan, "private", "aws:eks/addon:Addon")} == {
        "eks-pod-identity-agent", "aws-ebs-csi-driver", "coredns"}
    # Three of podIdentityAssociations (iam's and the add-on's), one for Karpenter's controller.
    assert len(resources(plan, "private", "aws:eks/podIdentityAssociation:PodIdentityAssociation")) == 4
    # Two for accessConfig.accessEntries, one for the ack capability's role.
    associations = resources(plan, "private", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert len([a for a in associations if "-capability-" not in a["name"]]) == 2
    assert [a["inputs"]["accessScope"] for a in associations if "-capability-ack-" in a["name"]] == [
        {"type": "namespace", "namespaces": ["apps"]}]
    assert sorted(r["inputs"]["type"] for r in resources(plan, "private", "aws:eks/capability:Capability")) == [
        "ACK", "ARGOCD", "KRO"]
    assert len(resources(plan, "private", "aws:ec2/subnet:Subnet")) == 3
    # iam.serviceAccounts: the roleOnly one has no ServiceAccount, attachRoleARN makes no role; the
    # pod identity association with createServiceAccount has its ServiceAccount.
    accounts = {(r["inputs"]["metadata"]["namespace"], r["inputs"]["metadata"]["name"])
                for r in resources(plan, "private", "kubernetes:core/v1:ServiceAccount")}
    assert accounts == {("backend-apps", "s3-reader"), ("kube-system", "aws-load-balancer-controller"),
                        ("default", "some-app"), ("jobs", "batch-runner")}
    # wellKnownPolicies: eksctl's inline policies by its names, on the IRSA and Pod Identity roles.
    named = sorted(r["inputs"]["name"] for r in resources(plan, "private", "aws:iam/rolePolicy:RolePolicy")
                   if "name" in r["inputs"] and ("-service-accounts-" in r["name"] or "-pod-identity-" in r["name"]))
    assert named == sorted([
        "PolicyAWSLoadBalancerController", "PolicyCertManagerChangeSet", "PolicyCertManagerGetChange",
        "PolicyCertManagerHostedZones", "PolicyEFSCSIController",  # aws-load-balancer-controller's role
        "PolicyAutoScaling", "PolicyExternalDNSChangeSet", "PolicyExternalDNSHostedZones"])  # app-cache-access's
    assert plan["kubernetesApi"]["needed"] is True


def test_aws_auth_example_maps_roles_and_users_and_makes_the_addon_roles(tmp_path):
    plan = import_and_plan(tmp_path, "aws-auth-fields.yaml", "aws-auth")
    (cluster,) = resources(plan, "private", "eks:index:Cluster")
    i = cluster["inputs"]
    assert i["roleMappings"] == [{"roleArn": "arn:aws:iam::000000000000:role/myAdminRole", "username": "admin",
                                  "groups": ["system:masters"]}]
    assert i["userMappings"] == [{"userArn": "arn:aws:iam::000000000000:user/myUser", "username": "myUser",
                                  "groups": []}]
    assert i["useDefaultVpcCni"] is True and "vpcCniOptions" not in i
    addons = {r["inputs"]["addonName"]: r["inputs"] for r in resources(plan, "private", "aws:eks/addon:Addon")}
    # coredns too: an add-on of its own after the capacity (tests/components/test_first_up.py).
    assert set(addons) == {"vpc-cni", "coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver"}
    assert all(":role/" in a["serviceAccountRoleArn"] for name, a in addons.items() if name != "coredns")
    # Each role trusts its add-on's service account alone; ebsCSIController is an AWS managed policy.
    trusts = [r["inputs"]["assumeRolePolicy"] for r in resources(plan, "private", "aws:iam/role:Role")
              if "AssumeRoleWithWebIdentity" in r["inputs"]["assumeRolePolicy"]]
    assert sorted(json.loads(t)["Statement"][0]["Condition"]["StringEquals"][k] for t in trusts
                  for k in json.loads(t)["Statement"][0]["Condition"]["StringEquals"] if k.endswith(":sub")) == [
        "system:serviceaccount:kube-system:aws-node", "system:serviceaccount:kube-system:ebs-csi-controller-sa",
        "system:serviceaccount:kube-system:efs-csi-controller-sa"]
    arns = {r["inputs"]["policyArn"] for r in resources(
        plan, "private", "aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" in arns


def test_config_with_dropped_fields_plans_without_them(tmp_path):
    # unsupported.yaml asks for a NAT gateway, public endpoint access and a public subnet.
    plan = import_and_plan(tmp_path, "unsupported.yaml", "extras", "--allow-drop")
    assert plan["region"] == "us-east-1"
    for phase in ("bootstrap", "private"):
        assert f"{phase}: internet gateways: 0, NAT gateways: 0, elastic IPs: 0, default routes: 0 — OK" in plan["findings"]
        assert f"{phase}: public subnets: 0 — OK" in plan["findings"]
    assert "private: API access: private only" in plan["findings"]
    (ng,) = resources(plan, "private", "eks:index:NodeGroupV2")
    assert (ng["inputs"]["instanceType"], ng["inputs"]["nodeAssociatePublicIpAddress"]) == ("m5.large", False)
