"""The ``eks`` provider double: Construct of pulumi-eks's components, registering the children
pulumi-eks registers (``children.py``) through the engine, where the program's transforms reach
them and the ``aws``/``kubernetes`` doubles create them."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
from pulumi.provider import ConstructResult, Provider
from pulumi.runtime.invoke import invoke_output

from automation.rehearse.children import name_of

VERSION = "4.4.0"
CONFIG_MAP_MODES = (None, "CONFIG_MAP", "API_AND_CONFIG_MAP")


def state_of(ref: Any) -> pulumi.Output[dict[str, Any]]:
    """The outputs of a resource the program passed by reference (a URN here: the double imports no
    pulumi-eks SDK to rehydrate it), through the engine's ``getResource``."""
    if isinstance(ref, pulumi.Resource):
        ref = ref.urn
    return pulumi.Output.from_input(ref).apply(
        lambda urn: invoke_output("pulumi:pulumi:getResource", {"urn": urn}).apply(lambda r: r.get("state") or {}))


def sha8(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


class ServiceRole(pulumi.ComponentResource):
    def __init__(self, name: str, service: str, policies: list[str], tags: Any, opts: pulumi.ResourceOptions):
        super().__init__("eks:index:ServiceRole", name, None, opts)
        kid = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(name_of("eks:index:ServiceRole", "role", name), tags=tags, opts=kid,
                                 assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                                     "Effect": "Allow", "Principal": {"Service": service},
                                     "Action": ["sts:AssumeRole", "sts:TagSession"]}]}))
        self.attachments = [aws.iam.RolePolicyAttachment(f"{name}-{sha8(f'arn:aws:iam::aws:policy/{p}')}",
                                                         role=self.role.name, opts=kid,
                                                         policy_arn=f"arn:aws:iam::aws:policy/{p}") for p in policies]
        self.register_outputs({})


def _opt(inputs: dict[str, Any], key: str, default: Any = None) -> Any:
    value = inputs.get(key)
    return default if value is None else value


class EksDouble(Provider):
    def __init__(self) -> None:
        super().__init__(VERSION)

    def construct(self, name: str, resource_type: str, inputs: pulumi.Inputs,
                  options: Optional[pulumi.ResourceOptions] = None) -> ConstructResult:
        build = {"eks:index:Cluster": self._cluster, "eks:index:ManagedNodeGroup": self._managed,
                 "eks:index:NodeGroupV2": self._self_managed}.get(resource_type)
        if build is None:
            raise ValueError(f"the eks double does not construct {resource_type}")
        component = pulumi.ComponentResource(resource_type, name, None, options)
        state = build(name, dict(inputs), component)
        component.register_outputs(state)
        return ConstructResult(urn=component.urn, state=state)

    # ------------------------------------------------------------------------ Cluster
    def _cluster(self, name: str, a: dict[str, Any], parent: pulumi.ComponentResource) -> dict[str, Any]:
        T = "eks:index:Cluster"
        kid = pulumi.ResourceOptions(parent=parent)
        tags = a.get("tags")
        auto_mode = bool((a.get("autoMode") or {}).get("enabled"))
        role = ServiceRole(name_of(T, "eksRole", name), "eks.amazonaws.com", ["AmazonEKSClusterPolicy"], tags, kid)
        vpc_id = a.get("vpcId")
        cluster_sg = None
        if not (a.get("skipDefaultSecurityGroups") or auto_mode):
            cluster_sg = aws.ec2.SecurityGroup(name_of(T, "clusterSg", name), vpc_id=vpc_id, revoke_rules_on_delete=True,
                                               tags={"Name": name_of(T, "clusterSg", name), **(tags or {})}, opts=kid)
            aws.ec2.SecurityGroupRule(name_of(T, "clusterEgress", name), type="egress", protocol="-1",
                                      from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"],
                                      security_group_id=cluster_sg.id, opts=kid)
        public = _opt(a, "endpointPublicAccess", True)
        mode = a.get("authenticationMode")
        cluster = aws.eks.Cluster(
            name_of(T, "eksCluster", name), name=a.get("name"), role_arn=role.role.arn, version=a.get("version"),
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=a.get("privateSubnetIds") or a.get("subnetIds") or [],
                security_group_ids=[cluster_sg.id] if cluster_sg else None,
                endpoint_private_access=a.get("endpointPrivateAccess"), endpoint_public_access=public,
                public_access_cidrs=a.get("publicAccessCidrs")),
            enabled_cluster_log_types=a.get("enabledClusterLogTypes"),
            access_config=aws.eks.ClusterAccessConfigArgs(authentication_mode=mode,
                                                          bootstrap_cluster_creator_admin_permissions=True)
            if mode else None,
            upgrade_policy=a.get("upgradePolicy"), tags={"Name": name_of(T, "eksCluster", name), **(tags or {})},
            bootstrap_self_managed_addons=False if auto_mode else _opt(a, "bootstrapSelfManagedAddons", True),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[role, *role.attachments],
                                        ignore_changes=["accessConfig.bootstrapClusterCreatorAdminPermissions",
                                                        "bootstrapSelfManagedAddons"]))
        if _opt(a.get("kubeProxyAddonOptions") or {}, "enabled", not auto_mode):
            aws.eks.Addon(name_of(T, "kubeProxy", name), cluster_name=cluster.name, addon_name="kube-proxy",
                          preserve=True, tags=tags, resolve_conflicts_on_create="OVERWRITE",
                          resolve_conflicts_on_update="OVERWRITE", opts=kid)
        kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority).apply(
            lambda x: {"apiVersion": "v1", "kind": "Config", "clusters": [{"name": x[0], "cluster": {
                "server": x[1], "certificate-authority-data": (x[2] or {}).get("data")}}],
                "contexts": [{"name": "aws", "context": {"cluster": x[0], "user": "aws"}}],
                "current-context": "aws", "users": [{"name": "aws", "user": {"exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                    "args": ["eks", "get-token", "--cluster-name", x[0]]}}}]})
        k8s = pulumi.ProviderResource("kubernetes", name_of(T, "k8sProvider", name),
                                      {"kubeconfig": kubeconfig.apply(json.dumps)}, pulumi.ResourceOptions(parent=parent))
        access = None
        if mode in CONFIG_MAP_MODES:
            access = pulumi.CustomResource("kubernetes:core/v1:ConfigMap", name_of(T, "nodeAccess", name), {
                "apiVersion": "v1", "kind": "ConfigMap", "immutable": False,
                "metadata": {"name": "aws-auth", "namespace": "kube-system",
                             "annotations": {"pulumi.com/patchForce": "true"}},
                "data": {"mapRoles": json.dumps(a.get("roleMappings") or []),
                         "mapUsers": json.dumps(a.get("userMappings") or [])}},
                pulumi.ResourceOptions(parent=parent, provider=k8s))
        if not _opt(a, "useDefaultVpcCni", auto_mode):
            cni = pulumi.ComponentResource("eks:index:VpcCniAddon", name_of(T, "vpcCni", name), None,
                                           pulumi.ResourceOptions(parent=parent,
                                                                  depends_on=[access] if access else None))
            aws.eks.Addon(name_of(T, "vpcCni", name), cluster_name=cluster.name, addon_name="vpc-cni", preserve=True,
                          resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
                          tags=tags, opts=pulumi.ResourceOptions(parent=cni))
            cni.register_outputs({})
        if _opt(a.get("corednsAddonOptions") or {}, "enabled", not auto_mode):
            aws.eks.Addon(name_of(T, "coredns", name), cluster_name=cluster.name, addon_name="coredns", preserve=True,
                          resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
                          tags=tags, opts=kid)
        oidc_arn: Any = None
        if a.get("createOidcProvider"):
            oidc = aws.iam.OpenIdConnectProvider(
                name_of(T, "oidcProvider", name), client_id_lists=["sts.amazonaws.com"],
                url=cluster.identities.apply(lambda i: i[0]["oidcs"][0]["issuer"] if i else ""),
                thumbprint_lists=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"], opts=kid)
            oidc_arn = oidc.arn
        node_sg = None
        if cluster_sg is not None:
            node_sg = self._node_security_group(name, vpc_id, cluster_sg.id, cluster.name, tags, parent)
        issuer = cluster.identities.apply(lambda i: i[0]["oidcs"][0]["issuer"] if i else None)
        core = {"cluster": cluster, "vpcId": vpc_id, "clusterSecurityGroup": cluster_sg,
                "subnetIds": a.get("privateSubnetIds") or a.get("subnetIds"), "endpoint": cluster.endpoint,
                "eksNodeAccess": access, "tags": tags}
        return {"kubeconfig": kubeconfig, "kubeconfigJson": kubeconfig.apply(json.dumps), "eksCluster": cluster,
                "core": core, "clusterSecurityGroupId": cluster_sg.id if cluster_sg else None,
                "nodeSecurityGroupId": node_sg.id if node_sg else None, "oidcProviderArn": oidc_arn,
                "oidcIssuer": issuer.apply(lambda u: u.replace("https://", "") if u else None),
                "clusterName": cluster.name, "clusterVersion": cluster.version,
                "eksClusterSecurityGroupId": cluster.vpc_config.cluster_security_group_id,
                "endpointPublicAccess": public}

    def _node_security_group(self, name: str, vpc_id: Any, cluster_sg_id: Any, cluster_name: Any, tags: Any,
                             parent: pulumi.Resource, component: str = "eks:index:Cluster") -> aws.ec2.SecurityGroup:
        kid = pulumi.ResourceOptions(parent=parent)
        sg = aws.ec2.SecurityGroup(name_of(component, "nodeSg", name), vpc_id=vpc_id, revoke_rules_on_delete=True,
                                   tags=pulumi.Output.from_input(cluster_name).apply(lambda c: {
                                       "Name": name_of(component, "nodeSg", name), f"kubernetes.io/cluster/{c}": "owned",
                                       **(tags or {})}), opts=kid)
        for key, kind, port, src in (("nodeIngress", "ingress", (0, 0), "self"),
                                     ("nodeClusterIngress", "ingress", (1025, 65535), "cluster"),
                                     ("extApiIngress", "ingress", (443, 443), "cluster"),
                                     ("nodeEgress", "egress", (0, 0), "any")):
            aws.ec2.SecurityGroupRule(name_of(component, key, name), type=kind,
                                      protocol="-1" if port == (0, 0) else "tcp", from_port=port[0],
                                      to_port=port[1], security_group_id=sg.id, self=True if src == "self" else None,
                                      source_security_group_id=cluster_sg_id if src == "cluster" else None,
                                      cidr_blocks=["0.0.0.0/0"] if src == "any" else None, opts=kid)
        aws.ec2.SecurityGroupRule(name_of(component, "clusterIngress", name), type="ingress", protocol="tcp",
                                  from_port=443, to_port=443, security_group_id=cluster_sg_id,
                                  source_security_group_id=sg.id, opts=kid)
        return sg

    # ------------------------------------------------------------------------ node groups
    def _managed(self, name: str, a: dict[str, Any], parent: pulumi.ComponentResource) -> dict[str, Any]:
        from automation.rehearse.node_groups import managed

        return managed(name, a, parent, state_of)

    def _self_managed(self, name: str, a: dict[str, Any], parent: pulumi.ComponentResource) -> dict[str, Any]:
        from automation.rehearse.node_groups import self_managed

        return self_managed(self, name, a, parent, state_of)
