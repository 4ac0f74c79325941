"""pulumi-eks's node groups in the double: ``ManagedNodeGroup`` (an EKS node group, and a launch
template when the inputs need one) and ``NodeGroupV2`` (security group, launch template, Auto
Scaling group). Children and their sources: ``children.py``."""

from __future__ import annotations

from typing import Any, Callable

import pulumi

from automation.rehearse.children import name_of

# nodegroup.ts customUserDataArgs + customLaunchTemplateArgs (requiresCustomLaunchTemplate).
CUSTOM_LAUNCH_TEMPLATE = ("kubeletExtraArgs", "bootstrapExtraArgs", "bottlerocketSettings", "nodeadmExtraOptions",
                          "enableIMDSv2", "userData", "amiId", "enableEfaSupport")
NODE_GROUP_INPUTS = ("nodeGroupName", "nodeGroupNamePrefix", "subnetIds", "scalingConfig", "capacityType", "labels",
                     "taints", "tags", "instanceTypes", "amiType", "diskSize", "launchTemplate", "version",
                     "releaseVersion", "updateConfig", "remoteAccess", "forceUpdateVersion", "nodeRepairConfig")
StateOf = Callable[[Any], pulumi.Output]


def output(resource: pulumi.Resource, key: str) -> Any:
    """An output of a resource registered by type token (its class declares no attributes)."""
    return getattr(resource, key)


def managed(name: str, a: dict[str, Any], parent: pulumi.Resource, state_of: StateOf) -> dict[str, Any]:
    T = "eks:index:ManagedNodeGroup"
    kid = pulumi.ResourceOptions(parent=parent)
    cluster = state_of(a["cluster"])
    role_arn = a.get("nodeRoleArn") or (state_of(a["nodeRole"]).apply(lambda s: s.get("arn")) if a.get("nodeRole")
                                        else None)
    props = {k: a[k] for k in NODE_GROUP_INPUTS if a.get(k) is not None}
    if any(a.get(k) is not None for k in CUSTOM_LAUNCH_TEMPLATE):
        lt = pulumi.CustomResource("aws:ec2/launchTemplate:LaunchTemplate", name_of(T, "launchTemplate", name), {
            "metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled"}
            if a.get("enableIMDSv2") else None,
            "userData": a.get("userData"), "imageId": a.get("amiId"),
            "vpcSecurityGroupIds": [cluster.apply(lambda s: s.get("eksClusterSecurityGroupId"))],
            "name": None, "latestVersion": None}, kid)
        props["launchTemplate"] = {"id": lt.id, "version": output(lt, "latestVersion").apply(str)}
        props.pop("diskSize", None)
    ng = pulumi.CustomResource("aws:eks/nodeGroup:NodeGroup", name, {
        **props, "clusterName": a.get("clusterName") or cluster.apply(lambda s: s.get("clusterName")),
        "nodeRoleArn": role_arn, "status": None}, kid)
    return {"nodeGroup": ng}


def self_managed(double: Any, name: str, a: dict[str, Any], parent: pulumi.Resource, state_of: StateOf
                 ) -> dict[str, Any]:
    T = "eks:index:NodeGroupV2"
    kid = pulumi.ResourceOptions(parent=parent)
    cluster = state_of(a["cluster"])
    cluster_name = cluster.apply(lambda s: s.get("clusterName"))
    core = cluster.apply(lambda s: s.get("core") or {})
    if a.get("nodeSecurityGroup") or a.get("nodeSecurityGroupId"):
        node_sg: Any = a.get("nodeSecurityGroupId") or state_of(a["nodeSecurityGroup"]).apply(lambda s: s.get("id"))
    else:
        node_sg = double._node_security_group(
            name, core.apply(lambda c: c.get("vpcId")), cluster.apply(lambda s: s.get("clusterSecurityGroupId")),
            cluster_name, a.get("tags"), parent, component=T).id
    key_name = a.get("keyName")
    if a.get("nodePublicKey"):
        key = pulumi.CustomResource("aws:ec2/keyPair:KeyPair", name_of(T, "keyPair", name),
                                    {"publicKey": a["nodePublicKey"], "keyName": None}, kid)
        key_name = output(key, "keyName")
    profile = a.get("instanceProfile")
    profile_name = a.get("instanceProfileName") or (state_of(profile).apply(lambda s: s.get("name")) if profile else None)
    ebs = {"volumeSize": a.get("nodeRootVolumeSize") or 20, "volumeType": a.get("nodeRootVolumeType") or "gp2",
           "deleteOnTermination": True, "encrypted": a.get("nodeRootVolumeEncrypted"),
           "iops": a.get("nodeRootVolumeIops"), "throughput": a.get("nodeRootVolumeThroughput")}
    lt = pulumi.CustomResource("aws:ec2/launchTemplate:LaunchTemplate", name_of(T, "launchTemplate", name), {
        "imageId": a.get("amiId") or "ami-0rehearsal0000000", "instanceType": a.get("instanceType") or "t3.medium",
        "iamInstanceProfile": {"name": profile_name}, "keyName": key_name,
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": ebs}],
        "networkInterfaces": [{"associatePublicIpAddress": str(bool(a.get("nodeAssociatePublicIpAddress"))).lower(),
                               "securityGroups": [node_sg, *(a.get("extraNodeSecurityGroups") or [])]}],
        "userData": a.get("userData"), "metadataOptions": a.get("metadataOptions"),
        "tagSpecifications": a.get("launchTemplateTagSpecifications"),
        "name": None, "latestVersion": None}, kid)
    tags = cluster_name.apply(lambda c: [
        {"key": "Name", "value": f"{c}-worker", "propagateAtLaunch": True},
        {"key": f"kubernetes.io/cluster/{c}", "value": "owned", "propagateAtLaunch": True},
        # terraform-provider-aws keeps an ASG's tags as a set: their order means nothing (a map's
        # order does not survive the engine's protobuf Struct either).
        *({"key": k, "value": v, "propagateAtLaunch": True}
          for k, v in sorted((a.get("autoScalingGroupTags") or {}).items()))])
    asg = pulumi.CustomResource("aws:autoscaling/group:Group", name, {
        "minSize": a.get("minSize") or 1, "maxSize": a.get("maxSize") or 2,
        "desiredCapacity": a.get("desiredCapacity") or 2,
        "launchTemplate": {"name": output(lt, "name"), "version": output(lt, "latestVersion").apply(str)},
        "vpcZoneIdentifiers": a.get("nodeSubnetIds") or core.apply(lambda c: c.get("subnetIds")),
        "tags": tags, "name": None}, kid)
    return {"autoScalingGroup": asg, "nodeSecurityGroupId": node_sg}
