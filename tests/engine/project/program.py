"""The engine test project's program: the cluster's stand-ins, run offline by the real engine.

The real program runs on the engine through the provider doubles (automation/rehearse,
tests/engine/test_rehearse.py). This stand-in stays for what the doubles do not give: faults
injected at a chosen operation and count, waits a test can kill mid-operation (SIGKILL, SIGTERM),
and a journal of each provider call with its inputs and times.

The aws and eks provider plugins cannot be had here, so each part of the real program
(``components.program.build``) has a Python dynamic-provider stand-in with the inputs that matter
to the runner: the network (VPC, private subnets, route tables), the endpoints, the cluster (API
access per phase) and the node groups. The build takes the same arguments and exports the same
stack outputs as the real program, so the Runner drives it through the same code path.

When ``AWS_ENDPOINT_URL`` names an endpoint (the tests start moto's server), the providers make
the AWS calls of the real resources through boto3, so the VPC, subnets, route tables, endpoints,
cluster and node groups exist in moto's emulated account, where the CLI's preflight and
post-deploy audit see them; without one they only keep their state. ``diff`` compares inputs and ``update`` applies the
change (pass 2 is UpdateClusterConfig on the cluster). The cluster's outputs also carry
``accessHistory``, one entry per create/update: which API access each pass applied, in order.

Two environment variables, read by the providers (they run in the engine's plugin process):

- ``PRIVATE_EKS_ENGINE_JOURNAL``: a file; every provider operation appends one JSON line, with
  the time it was written (``time``, Unix seconds). The cluster's lines, written when its
  create/update has applied the access, are the record of the endpoint access over time.
- ``PRIVATE_EKS_ENGINE_FAULTS``: a folder of faults. A file ``<op>-<kind>`` (op: create, update,
  delete; kind: vpc, subnet, routeTable, endpoints, cluster, nodeGroup) makes that operation fail;
  it holds how many times (a number, each failure consumes one) or ``always``. A file
  ``sleep-<op>-<kind>`` holds seconds to wait before that operation (to hold the stack's lock). A
  file ``wait-<op>-<kind>`` holds seconds to wait *after* the AWS call succeeded, before the engine
  hears of it: EKS's create and update waits (CreateCluster returns at once; the cluster is ACTIVE
  minutes later), the window in which a killed run leaves AWS ahead of the state.

``read`` (refresh, and the import of a pending create) reads the cluster back from AWS
(DescribeCluster): the state then learns the endpoint access AWS really has.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

if TYPE_CHECKING:  # the engine's plugin process loads this module: it needs no settings models
    from components.settings import StackSettings

JOURNAL_ENV = "PRIVATE_EKS_ENGINE_JOURNAL"
FAULTS_ENV = "PRIVATE_EKS_ENGINE_FAULTS"
PHASES = ("bootstrap", "private")
# moto checks neither role; they are here because the EKS API requires them.
ROLE_ARN = "arn:aws:iam::123456789012:role/private-eks-cluster"
NODE_ROLE_ARN = "arn:aws:iam::123456789012:role/private-eks-nodes"


class InjectedFault(Exception):
    """A failure the test asked for through the faults folder."""


def _journal(entry: dict[str, Any]) -> None:
    path = os.environ.get(JOURNAL_ENV)
    if path:
        # One short write per line in append mode: lines from concurrent plugin processes don't mix.
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({**entry, "time": time.time()}, sort_keys=True) + "\n")


def _wait_after(op: str, kind: str, id_: str) -> None:
    folder = os.environ.get(FAULTS_ENV)
    marker = Path(folder, f"wait-{op}-{kind}") if folder else None
    if marker is not None and marker.is_file():
        seconds = float(marker.read_text().strip() or "0")
        # Journaled first: a test then knows AWS has done the call and the engine does not know it.
        _journal({"op": op, "kind": kind, "id": id_, "waiting": seconds, "pid": os.getpid()})
        time.sleep(seconds)


def _fault(op: str, kind: str) -> None:
    folder = os.environ.get(FAULTS_ENV)
    if not folder:
        return
    sleep = Path(folder, f"sleep-{op}-{kind}")
    if sleep.is_file():
        seconds = float(sleep.read_text().strip() or "0")
        # Journaled first, so a test knows the operation is under way (and the stack locked).
        _journal({"op": op, "kind": kind, "sleeping": seconds, "pid": os.getpid()})
        time.sleep(seconds)
    marker = Path(folder, f"{op}-{kind}")
    if not marker.is_file():
        return
    left = marker.read_text().strip() or "1"
    if left != "always":
        n = int(left)
        if n <= 0:
            return
        marker.write_text(str(n - 1))
    _journal({"op": op, "kind": kind, "fault": True})
    raise InjectedFault(f"injected fault: {op} of the {kind} stand-in failed ({marker.name})")


class StandInProvider(ResourceProvider):
    """CRUD for one kind of stand-in; subclasses make the AWS calls. Properties in ``replace_on``
    force a replacement, like the immutable properties of the real resources (a VPC's CIDR)."""

    kind = "resource"
    replace_on: tuple[str, ...] = ()
    # Outputs the provider adds; they are not inputs, so diff ignores them.
    computed: tuple[str, ...] = ("__provider", "arn")
    # The serialized provider is then not a secret: the engine's events stay readable.
    serialize_as_secret_always = False

    def _inputs(self, props: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in props.items() if k not in self.computed}

    def _outs(self, id_: str, inputs: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        return {**inputs, "arn": f"arn:aws:stand-in:{inputs.get('region', '')}:{self.kind}/{id_}"}

    def _aws_create(self, inputs: dict[str, Any]) -> str:
        raise NotImplementedError

    def _aws_update(self, id_: str, olds: dict[str, Any], inputs: dict[str, Any]) -> None:
        raise NotImplementedError(f"{self.kind}: every change replaces it")

    def _aws_delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError

    def create(self, props: dict[str, Any]) -> CreateResult:
        _fault("create", self.kind)
        inputs = self._inputs(props)
        if _aws_named():
            id_ = self._aws_create(inputs)
        else:
            digest = hashlib.sha1(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:12]
            id_ = f"{self.kind}-{digest}"
        _wait_after("create", self.kind, id_)
        _journal({"op": "create", "kind": self.kind, "id": id_, "inputs": inputs})
        return CreateResult(id_, self._outs(id_, inputs, None))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = self._inputs(props)
        if _aws_named():
            inputs = self._aws_read(id_, inputs)
        _journal({"op": "read", "kind": self.kind, "id": id_})
        # What the provider computed stays as it was: a read applies nothing (no accessHistory entry).
        computed = {k: props[k] for k in self.computed if k in props}
        return ReadResult(id_, {**StandInProvider._outs(self, id_, inputs, props), **computed})

    def _aws_read(self, id_: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return inputs  # the parts the runner reads back are the cluster's

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = self._inputs(olds), self._inputs(news)
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        replaces = [k for k in changed if k in self.replace_on or self.replace_on == ("*",)]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _fault("update", self.kind)
        inputs = self._inputs(news)
        if _aws_named():
            self._aws_update(id_, olds, inputs)
        _wait_after("update", self.kind, id_)
        _journal({"op": "update", "kind": self.kind, "id": id_, "inputs": inputs})
        return UpdateResult(self._outs(id_, inputs, olds))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _fault("delete", self.kind)
        if _aws_named():
            self._aws_delete(id_, props)
        _journal({"op": "delete", "kind": self.kind, "id": id_})


def _aws_named() -> bool:
    """The stand-ins call AWS only when the environment names an endpoint (moto's server): never
    the real AWS. Without one they only keep their state (ids made from their inputs)."""
    return bool(os.environ.get("AWS_ENDPOINT_URL"))


_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _client(service: str, region: str) -> Any:
    # One client per plugin process and service (making one costs more than moto's calls), made
    # under a lock: the engine runs operations in parallel and boto3's sessions are not thread-safe.
    # boto3's standard configuration chain: AWS_ENDPOINT_URL points it at moto.
    import boto3

    with _CLIENTS_LOCK:
        if (service, region) not in _CLIENTS:
            _CLIENTS[service, region] = boto3.session.Session().client(service, region_name=region)
        return _CLIENTS[service, region]


class VpcProvider(StandInProvider):
    """A VPC with DNS support and hostnames, and DHCP options handing out the Amazon resolver."""

    kind, replace_on = "vpc", ("cidrBlock", "region")

    def _aws_create(self, inputs: dict[str, Any]) -> str:
        ec2 = _client("ec2", inputs["region"])
        vpc_id = ec2.create_vpc(CidrBlock=inputs["cidrBlock"])["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
        options = ec2.create_dhcp_options(DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])["DhcpOptions"]["DhcpOptionsId"]
        ec2.associate_dhcp_options(DhcpOptionsId=options, VpcId=vpc_id)
        return vpc_id

    def _aws_delete(self, id_: str, props: dict[str, Any]) -> None:
        _client("ec2", props["region"]).delete_vpc(VpcId=id_)


class SubnetProvider(StandInProvider):
    kind, replace_on = "subnet", ("*",)

    def _aws_create(self, inputs: dict[str, Any]) -> str:
        return _client("ec2", inputs["region"]).create_subnet(
            VpcId=inputs["vpcId"], CidrBlock=inputs["cidrBlock"], AvailabilityZone=inputs["availabilityZone"],
        )["Subnet"]["SubnetId"]

    def _aws_delete(self, id_: str, props: dict[str, Any]) -> None:
        _client("ec2", props["region"]).delete_subnet(SubnetId=id_)


class RouteTableProvider(StandInProvider):
    """A route table of its own for one subnet (explicitly associated), no routes out."""

    kind, replace_on = "routeTable", ("*",)

    def _aws_create(self, inputs: dict[str, Any]) -> str:
        ec2 = _client("ec2", inputs["region"])
        table = ec2.create_route_table(VpcId=inputs["vpcId"])["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=inputs["subnetId"])
        return table

    def _aws_delete(self, id_: str, props: dict[str, Any]) -> None:
        ec2 = _client("ec2", props["region"])
        for table in ec2.describe_route_tables(RouteTableIds=[id_])["RouteTables"]:
            for association in table.get("Associations", []):
                ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
        ec2.delete_route_table(RouteTableId=id_)


class EndpointsProvider(StandInProvider):
    """The endpoint set: a security group admitting 443 from the VPC, interface endpoints with
    private DNS in the subnets, the S3 gateway on every route table."""

    kind, replace_on = "endpoints", ("*",)
    computed = (*StandInProvider.computed, "securityGroupId", "endpointIds")

    def _aws_create(self, inputs: dict[str, Any]) -> str:
        ec2 = _client("ec2", inputs["region"])
        group = ec2.create_security_group(GroupName=f"endpoints-{inputs['vpcId']}", Description="VPC endpoints",
                                          VpcId=inputs["vpcId"])["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": inputs["vpcCidr"]}]}])
        for service in inputs["services"]:
            name = f"com.amazonaws.{inputs['region']}.{service}"
            if service == "s3":
                ec2.create_vpc_endpoint(VpcId=inputs["vpcId"], ServiceName=name, VpcEndpointType="Gateway",
                                        RouteTableIds=inputs["routeTableIds"])
            else:
                ec2.create_vpc_endpoint(VpcId=inputs["vpcId"], ServiceName=name, VpcEndpointType="Interface",
                                        SubnetIds=inputs["subnetIds"], SecurityGroupIds=[group],
                                        PrivateDnsEnabled=True)
        return group

    def _aws_delete(self, id_: str, props: dict[str, Any]) -> None:
        ec2 = _client("ec2", props["region"])
        found = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [props["vpcId"]]}])["VpcEndpoints"]
        if found:
            ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"] for e in found])
        ec2.delete_security_group(GroupId=id_)


def _vpc_config(inputs: dict[str, Any]) -> dict[str, Any]:
    config = {"subnetIds": inputs["subnetIds"], "endpointPublicAccess": inputs["endpointPublicAccess"],
              "endpointPrivateAccess": inputs["endpointPrivateAccess"]}
    if inputs.get("publicAccessCidrs"):
        config["publicAccessCidrs"] = inputs["publicAccessCidrs"]
    return config


class ClusterProvider(StandInProvider):
    """The EKS cluster; an update applies the API access (UpdateClusterConfig). It also records the
    access of every create/update in ``accessHistory``: the state then tells which access each
    pass applied, and in what order."""

    kind, replace_on = "cluster", ("name", "region", "subnetIds")
    computed = (*StandInProvider.computed, "endpoint", "accessHistory")

    def _aws_create(self, inputs: dict[str, Any]) -> str:
        _client("eks", inputs["region"]).create_cluster(
            name=inputs["name"], version=inputs["version"], roleArn=ROLE_ARN, resourcesVpcConfig=_vpc_config(inputs),
            accessConfig={"authenticationMode": inputs["authenticationMode"]})
        return inputs["name"]

    def _aws_update(self, id_: str, olds: dict[str, Any], inputs: dict[str, Any]) -> None:
        # A version change is UpdateClusterVersion for the real provider; moto has no such call: the
        # version lives in the stand-in's state (and the journal), where the runner reads it.
        _client("eks", inputs["region"]).update_cluster_config(name=id_, resourcesVpcConfig=_vpc_config(inputs))

    def _aws_delete(self, id_: str, props: dict[str, Any]) -> None:
        _client("eks", props["region"]).delete_cluster(name=id_)

    def _aws_read(self, id_: str, inputs: dict[str, Any]) -> dict[str, Any]:
        vpc = _client("eks", inputs["region"]).describe_cluster(name=id_)["cluster"]["resourcesVpcConfig"]
        public = bool(vpc.get("endpointPublicAccess"))
        return {**inputs, "endpointPublicAccess": public, "endpointPrivateAccess": bool(vpc.get("endpointPrivateAccess")),
                "publicAccessCidrs": list(vpc.get("publicAccessCidrs") or []) if public else []}

    def _outs(self, id_: str, inputs: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        history = list((olds or {}).get("accessHistory") or [])
        history.append({
            "phase": inputs.get("phase"),
            "endpointPublicAccess": inputs.get("endpointPublicAccess"),
            "endpointPrivateAccess": inputs.get("endpointPrivateAccess"),
            "publicAccessCidrs": inputs.get("publicAccessCidrs") or [],
        })
        return {
            **super()._outs(id_, inputs, olds),
            "endpoint": f"https://{id_}.{inputs.get('region')}.eks.amazonaws.com",
            "accessHistory": history,
        }


class NodeGroupProvider(StandInProvider):
    """A managed node group; an update applies its sizes (UpdateNodegroupConfig)."""

    kind, replace_on = "nodeGroup", ("name", "clusterName", "region", "subnetIds", "instanceType")

    def _aws_create(self, inputs: dict[str, Any]) -> str:
        _client("eks", inputs["region"]).create_nodegroup(
            clusterName=inputs["clusterName"], nodegroupName=inputs["name"], subnets=inputs["subnetIds"],
            nodeRole=NODE_ROLE_ARN, instanceTypes=[inputs["instanceType"] or "m5.large"],
            scalingConfig=_scaling(inputs), **({"version": inputs["version"]} if inputs.get("version") else {}))
        return f"{inputs['clusterName']}:{inputs['name']}"

    def _aws_update(self, id_: str, olds: dict[str, Any], inputs: dict[str, Any]) -> None:
        eks = _client("eks", inputs["region"])
        # (moto has no UpdateNodegroupVersion either: the version is the state's, as the cluster's.)
        # The whole scalingConfig, as pulumi-aws's NodeGroup sends it on any change to it: with the
        # desired size ignored, what the state holds (the refresh's reading of AWS) goes back.
        eks.update_nodegroup_config(
            clusterName=inputs["clusterName"], nodegroupName=inputs["name"], scalingConfig=_scaling(inputs))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # As pulumi-aws's (bridged) read does, the inputs follow what AWS has: ignoreChanges then
        # keeps the refreshed desired size, not the one the stack last applied.
        result = super().read(id_, props)
        return ReadResult(result.id, result.outs, inputs=self._inputs(result.outs or {}))

    def _aws_read(self, id_: str, inputs: dict[str, Any]) -> dict[str, Any]:
        # The sizes as AWS has them (an autoscaler changes the desired size): the runner refreshes
        # node groups before a run so that the state holds them.
        got = _client("eks", inputs["region"]).describe_nodegroup(
            clusterName=inputs["clusterName"], nodegroupName=inputs["name"])["nodegroup"]
        sizes = got.get("scalingConfig") or {}
        return {**inputs, **{k: sizes[k] for k in ("minSize", "desiredSize", "maxSize") if k in sizes}}

    def _aws_delete(self, id_: str, props: dict[str, Any]) -> None:
        _client("eks", props["region"]).delete_nodegroup(clusterName=props["clusterName"], nodegroupName=props["name"])


def _scaling(inputs: dict[str, Any]) -> dict[str, int]:
    # Pulumi's wire format has one number type: 2 arrives as 2.0.
    return {key: int(inputs[key]) for key in ("minSize", "desiredSize", "maxSize")}


class StandIn(pulumi.dynamic.Resource, module="standin", name="Resource"):
    """A stand-in for a part of the network or the capacity (VPC, subnet, route table, endpoints,
    node group); the provider says which."""

    arn: pulumi.Output[str]

    def __init__(self, provider: StandInProvider, name: str, props: dict[str, Any],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(provider, name, {**props, "arn": None}, opts)


class StandInCluster(pulumi.dynamic.Resource, module="standin", name="Cluster"):
    """The cluster stand-in: the inputs of ``eks.Cluster`` that the two passes change."""

    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    accessHistory: pulumi.Output[list]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(ClusterProvider(), name, {**props, "arn": None, "endpoint": None, "accessHistory": None},
                         opts)


class StandInKubernetesObject(pulumi.ComponentResource):
    """What pulumi-eks writes through the Kubernetes API (the aws-auth ConfigMap when the
    authentication mode supports it: pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts), with its
    ``kubernetes:`` type, as a real preview shows it. A component: the engine needs no Kubernetes
    provider for it, and it writes nothing (the runner must decide before it would)."""

    def __init__(self, type_: str, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(type_, name, None, opts)
        self.register_outputs({})


def _subnet_cidrs(settings: StackSettings, zones: Sequence[str]) -> dict[str, str]:
    configured = {s.az or key: s.cidr for key, s in settings.cluster.private_subnets.items() if s.cidr}
    vpc = ipaddress.ip_network(settings.cluster.vpc_cidr)
    carved = vpc.subnets(new_prefix=min(vpc.prefixlen + 3, 28))
    return {az: configured.get(az) or str(next(carved)) for az in zones}


def build(settings: StackSettings, phase: str, bootstrap_cidrs: Sequence[str] = ()) -> dict[str, Any]:
    """The stand-in of ``components.program.build``: same arguments, same stack outputs."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
    c, region = settings.cluster, settings.region
    bootstrap = phase == "bootstrap"
    cidrs = list(bootstrap_cidrs) or list(c.vpc.public_access_cidrs)

    vpc = StandIn(VpcProvider(), "vpc", {"region": region, "cidrBlock": c.vpc_cidr})
    subnets, tables = [], []
    zones = c.availability_zones or c.subnet_zones() or [f"{region}a", f"{region}b"]
    for az, cidr in _subnet_cidrs(settings, zones).items():
        subnet = StandIn(SubnetProvider(), f"private-{az}",
                         {"region": region, "vpcId": vpc.id, "availabilityZone": az, "cidrBlock": cidr})
        table = StandIn(RouteTableProvider(), f"rt-{az}", {"region": region, "vpcId": vpc.id, "subnetId": subnet.id})
        subnets.append(subnet)
        tables.append(table)
    subnet_ids = [s.id for s in subnets]
    services = [s.name for s in settings.endpoint_services()]
    endpoints = StandIn(EndpointsProvider(), "endpoints", {
        "region": region, "vpcId": vpc.id, "vpcCidr": c.vpc_cidr, "services": services,
        "subnetIds": subnet_ids, "routeTableIds": [t.id for t in tables]})

    cluster = StandInCluster(
        "cluster",
        {
            "region": region,
            "name": c.metadata.name,
            "version": c.metadata.version,
            "phase": phase,
            "subnetIds": subnet_ids,
            "endpointPrivateAccess": True,
            "endpointPublicAccess": bootstrap,
            # Only in the bootstrap phase, as with pulumi-eks (it rejects CIDRs without public access).
            "publicAccessCidrs": cidrs if bootstrap else [],
            "authenticationMode": c.access_config.authentication_mode,
            "logTypes": list(c.cloud_watch.cluster_logging.enable_types),
            # Day-2: what `destroy` reads to refuse a protected cluster (eks.Cluster deletionProtection).
            "deletionProtection": c.deletion_protection,
        },
        # Nodes need the endpoints to pull images and register, as in the real program.
        opts=pulumi.ResourceOptions(depends_on=[endpoints]),
    )
    if c.access_config.uses_config_map:
        StandInKubernetesObject("kubernetes:core/v1:ConfigMap", "aws-auth",
                                opts=pulumi.ResourceOptions(depends_on=[cluster]))
    # The real program's day-2 options (components/cluster.py): the version a node group follows,
    # and the desired size left to the autoscaler after creation (pulumi-eks ignoreScalingChanges:
    # ignoreChanges on the size); the node groups after the cluster, as they depend on it there.
    from components import upgrades

    ignore = [] if settings.apply_desired_size else ["desiredSize"]
    for ng in [*c.managed_node_groups, *c.node_groups]:
        lo, want, hi = ng.sizes
        version = upgrades.node_group_version(ng, c.metadata.version) if hasattr(ng, "release_version") \
            else c.metadata.version
        StandIn(NodeGroupProvider(), ng.name, {
            "region": region, "clusterName": cluster.name, "name": ng.name, "subnetIds": subnet_ids,
            "minSize": lo, "desiredSize": want, "maxSize": hi, "instanceType": ng.instance_type,
            "version": version}, opts=pulumi.ResourceOptions(ignore_changes=ignore, depends_on=[cluster]))

    outputs: dict[str, Any] = {
        "clusterName": cluster.name,
        "endpointPhase": phase,
        "endpointPublicAccess": bootstrap,
        "vpcId": vpc.id,
        "privateSubnetIds": subnet_ids,
        "routeTableIds": [t.id for t in tables],
        "endpointServiceNames": services,
        "oidcProviderArn": None,
        "kubeconfig": pulumi.Output.secret(cluster.endpoint.apply(
            lambda e: json.dumps({"clusters": [{"cluster": {"server": e}}]}))),
    }
    for key, value in outputs.items():
        pulumi.export(key, value)
    return outputs
