"""The double's AWS calls: moto's server (``AWS_ENDPOINT_URL``) for what moto models, so that the
runner's status, audit and preflight read the same account; outputs shaped like pulumi-aws's."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from typing import Any, Callable

from automation.rehearse import world
from automation.rehearse.server import UNKNOWN, ProviderError

ACCOUNT = "123456789012"


def _tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": str(v)} for k, v in (props.get("tags") or {}).items()]


def _known(value: Any) -> bool:
    return value not in (None, UNKNOWN)


class MotoState:
    def __init__(self) -> None:
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-west-2"
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.session.Session().client(service, region_name=self.region)
        return self._clients[service]

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{ACCOUNT}:{resource}"

    # ------------------------------------------------------------------------ create
    def create(self, type_: str, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        make: Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]] | None = getattr(
            self, "_create_" + type_.rsplit(":", 1)[-1], None)
        if make is not None:
            return make(name, p)
        rid = p.get("name") or p.get("nodeGroupName") or p.get("fargateProfileName") or f"{name}-{uuid.uuid4().hex[:8]}"
        if type_ == "aws:eks/addon:Addon":
            rid = f"{p.get('clusterName')}:{p.get('addonName')}"
        out = {**p, "id": rid, "arn": self.arn(type_.split(":")[1].split("/")[0], f"{name}/{rid}")}
        if type_ == "aws:ec2/launchTemplate:LaunchTemplate":
            out.update(id=f"lt-{uuid.uuid4().hex[:17]}", latestVersion=1, defaultVersion=1)
            rid = out["id"]
        if type_ == "aws:eks/nodeGroup:NodeGroup":
            out.update(status="ACTIVE", resources=[{"autoscalingGroups": [{"name": f"eks-{rid}"}]}])
        if type_ == "aws:eks/fargateProfile:FargateProfile":
            out.update(status="ACTIVE")
        return str(rid), out

    def _create_Vpc(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock=p["cidrBlock"])["Vpc"]
        for attr in ("enableDnsSupport", "enableDnsHostnames"):
            if p.get(attr) is not None:
                ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], **{attr[0].upper() + attr[1:]: {"Value": p[attr]}})
        if p.get("tags"):
            ec2.create_tags(Resources=[vpc["VpcId"]], Tags=_tags(p))
        main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"][0]
        return vpc["VpcId"], {**p, "id": vpc["VpcId"], "arn": self.arn("ec2", f"vpc/{vpc['VpcId']}"),
                              "mainRouteTableId": main["RouteTableId"]}

    def _create_Subnet(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        ec2 = self.client("ec2")
        kw = {"AvailabilityZone": p["availabilityZone"]} if p.get("availabilityZone") else {}
        s = ec2.create_subnet(VpcId=p["vpcId"], CidrBlock=p["cidrBlock"], **kw)["Subnet"]
        if p.get("tags"):
            ec2.create_tags(Resources=[s["SubnetId"]], Tags=_tags(p))
        return s["SubnetId"], {**p, "id": s["SubnetId"], "availabilityZone": s["AvailabilityZone"],
                               "arn": self.arn("ec2", f"subnet/{s['SubnetId']}"), "mapPublicIpOnLaunch": False}

    def _create_RouteTable(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rt = self.client("ec2").create_route_table(VpcId=p["vpcId"])["RouteTable"]
        if p.get("tags"):
            self.client("ec2").create_tags(Resources=[rt["RouteTableId"]], Tags=_tags(p))
        return rt["RouteTableId"], {**p, "id": rt["RouteTableId"], "routes": p.get("routes") or []}

    def _create_RouteTableAssociation(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        a = self.client("ec2").associate_route_table(RouteTableId=p["routeTableId"], SubnetId=p["subnetId"])
        return a["AssociationId"], {**p, "id": a["AssociationId"]}

    def _create_SecurityGroup(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        ec2 = self.client("ec2")
        g = ec2.create_security_group(GroupName=p["name"], Description=p.get("description") or "Managed by Pulumi",
                                      VpcId=p["vpcId"])
        perms = [{"IpProtocol": str(r.get("protocol", "tcp")), "FromPort": int(r.get("fromPort", 0)),
                  "ToPort": int(r.get("toPort", 0)), "IpRanges": [{"CidrIp": c} for c in r.get("cidrBlocks") or []]}
                 for r in p.get("ingress") or [] if r.get("cidrBlocks")]
        if perms:
            ec2.authorize_security_group_ingress(GroupId=g["GroupId"], IpPermissions=perms)
        return g["GroupId"], {**p, "id": g["GroupId"], "arn": self.arn("ec2", f"security-group/{g['GroupId']}")}

    def _create_VpcEndpoint(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        kw: dict[str, Any] = {"VpcId": p["vpcId"], "ServiceName": p["serviceName"],
                              "VpcEndpointType": p.get("vpcEndpointType", "Gateway")}
        if kw["VpcEndpointType"] == "Interface":
            kw.update(SubnetIds=p.get("subnetIds") or [], SecurityGroupIds=p.get("securityGroupIds") or [],
                      PrivateDnsEnabled=bool(p.get("privateDnsEnabled")))
        else:
            kw["RouteTableIds"] = p.get("routeTableIds") or []
        if p.get("policy"):
            kw["PolicyDocument"] = p["policy"]
        e = self.client("ec2").create_vpc_endpoint(**kw)["VpcEndpoint"]
        return e["VpcEndpointId"], {**p, "id": e["VpcEndpointId"], "state": "available",
                                    "arn": self.arn("ec2", f"vpc-endpoint/{e['VpcEndpointId']}")}

    def _create_Role(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        policy = p.get("assumeRolePolicy") or "{}"
        r = self.client("iam").create_role(RoleName=p["name"], Path=p.get("path") or "/",
                                           AssumeRolePolicyDocument=policy if isinstance(policy, str)
                                           else json.dumps(policy))["Role"]
        return p["name"], {**p, "id": p["name"], "arn": r["Arn"], "uniqueId": r["RoleId"]}

    def _create_Cluster(self, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        vpc = p.get("vpcConfig") or {}
        kw: dict[str, Any] = {"endpointPublicAccess": bool(vpc.get("endpointPublicAccess", True)),
              "endpointPrivateAccess": bool(vpc.get("endpointPrivateAccess", False)),
              "subnetIds": vpc.get("subnetIds") or [], "securityGroupIds": vpc.get("securityGroupIds") or []}
        if vpc.get("publicAccessCidrs"):
            kw["publicAccessCidrs"] = vpc["publicAccessCidrs"]
        c = self.client("eks").create_cluster(name=p["name"], version=p.get("version") or "1.32",
                                               roleArn=p.get("roleArn") or self.arn("iam", "role/x", False),
                                               resourcesVpcConfig=kw)["cluster"]
        sg = self.client("ec2").create_security_group(
            GroupName=f"eks-cluster-sg-{p['name']}-{hashlib.sha1(p['name'].encode()).hexdigest()[:8]}",
            Description="EKS created security group", VpcId=self._vpc_of(kw["subnetIds"]))["GroupId"]
        issuer = f"https://oidc.eks.{self.region}.amazonaws.com/id/{uuid.uuid4().hex.upper()}"
        return p["name"], {**p, "id": p["name"], "arn": c["arn"], "status": "ACTIVE", "version": c.get("version"),
                           "endpoint": f"https://{uuid.uuid4().hex[:32].upper()}.gr7.{self.region}.eks.amazonaws.com",
                           "certificateAuthority": {"data": "LS0tLS1CRUdJTi1kb3VibGU="},
                           "identities": [{"oidcs": [{"issuer": issuer}]}],
                           "vpcConfig": {**vpc, "clusterSecurityGroupId": sg, "vpcId": self._vpc_of(kw["subnetIds"])}}

    def _vpc_of(self, subnets: list[str]) -> str:
        found = self.client("ec2").describe_subnets(SubnetIds=subnets[:1])["Subnets"] if subnets else []
        return found[0]["VpcId"] if found else ""

    # ------------------------------------------------------------------------ update / delete
    def update(self, type_: str, rid: str, p: dict[str, Any]) -> None:
        if type_ == "aws:eks/cluster:Cluster":
            vpc = p.get("vpcConfig") or {}
            kw = {"endpointPublicAccess": bool(vpc.get("endpointPublicAccess")),
                  "endpointPrivateAccess": bool(vpc.get("endpointPrivateAccess"))}
            if vpc.get("endpointPublicAccess") and vpc.get("publicAccessCidrs"):
                kw["publicAccessCidrs"] = vpc["publicAccessCidrs"]
            self.client("eks").update_cluster_config(name=rid, resourcesVpcConfig=kw)

    def delete(self, type_: str, rid: str) -> None:
        ec2 = self.client("ec2")
        calls: dict[str, Callable[[], Any]] = {
            "aws:ec2/vpc:Vpc": lambda: ec2.delete_vpc(VpcId=rid),
            "aws:ec2/subnet:Subnet": lambda: ec2.delete_subnet(SubnetId=rid),
            "aws:ec2/routeTable:RouteTable": lambda: ec2.delete_route_table(RouteTableId=rid),
            "aws:ec2/routeTableAssociation:RouteTableAssociation": lambda: ec2.disassociate_route_table(
                AssociationId=rid),
            "aws:ec2/securityGroup:SecurityGroup": lambda: ec2.delete_security_group(GroupId=rid),
            "aws:ec2/vpcEndpoint:VpcEndpoint": lambda: ec2.delete_vpc_endpoints(VpcEndpointIds=[rid]),
            "aws:iam/role:Role": lambda: self.client("iam").delete_role(RoleName=rid),
            "aws:eks/cluster:Cluster": lambda: self.client("eks").delete_cluster(name=rid),
        }
        if type_ in calls:
            try:
                calls[type_]()
            except Exception as e:  # noqa: BLE001 - moto's dependency rules are not AWS's; say what failed
                raise ProviderError(f"{type_} {rid}: delete failed: {e}") from e

    # ------------------------------------------------------------------------ invokes
    def invoke(self, token: str, a: dict[str, Any]) -> dict[str, Any]:
        fn = token.rsplit(":", 1)[-1]
        if fn == "getAvailabilityZones":
            zones = self.client("ec2").describe_availability_zones()["AvailabilityZones"]
            return {"id": self.region, "names": [z["ZoneName"] for z in zones], "zoneIds": [z["ZoneId"] for z in zones],
                    "state": "available", "groupNames": [self.region]}
        if fn == "getVpcEndpointService":
            name = a.get("serviceName") or f"com.amazonaws.{self.region}.{a.get('service')}"
            found = self.client("ec2").describe_vpc_endpoint_services(ServiceNames=[name])["ServiceDetails"]
            zones = found[0]["AvailabilityZones"] if found else []
            kind = a.get("serviceType") or (found[0]["ServiceType"][0]["ServiceType"] if found else "Interface")
            return {"id": name, "serviceName": name, "availabilityZones": zones, "serviceType": kind,
                    "service": a.get("service"), "privateDnsName": f"{name.split('.')[-1]}.{self.region}.amazonaws.com"}
        if fn == "getAddonVersion":
            return {"id": a.get("addonName"), "addonName": a.get("addonName"), "version": "v1.0.0-eksbuild.1",
                    "kubernetesVersion": a.get("kubernetesVersion")}
        if fn == "getCluster":
            for _, e in world.entries("aws:eks/cluster:Cluster"):
                if e["props"].get("name") == a.get("name"):
                    # getCluster's result lists the CA (certificateAuthorities); the resource has one.
                    ca = e["props"].get("certificateAuthority")
                    return {**e["props"], "certificateAuthorities": [ca] if ca else []}
            raise ProviderError(f"getCluster: no EKS cluster named {a.get('name')!r}")
        if fn == "getPartition":
            return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
        if fn == "getRegion":
            return {"id": self.region, "name": self.region, "region": self.region}
        if fn == "getCallerIdentity":
            return {"id": ACCOUNT, "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/rehearsal", "userId": "R"}
        if fn == "getLaunchTemplate":
            return {"id": a.get("id"), "latestVersion": 1, "defaultVersion": 1}
        if fn == "getRouteTables":
            filters = [{"Name": f["name"], "Values": f["values"]} for f in a.get("filters") or []]
            if a.get("vpcId"):
                filters.append({"Name": "vpc-id", "Values": [a["vpcId"]]})
            tables = self.client("ec2").describe_route_tables(Filters=filters)["RouteTables"]
            return {"id": self.region, "ids": [t["RouteTableId"] for t in tables], "vpcId": a.get("vpcId")}
        if fn == "getVpc":
            v = self.client("ec2").describe_vpcs(VpcIds=[a["id"]])["Vpcs"][0]
            return {"id": v["VpcId"], "cidrBlock": v["CidrBlock"], "default": v.get("IsDefault", False),
                    "arn": self.arn("ec2", f"vpc/{v['VpcId']}")}
        if fn == "getSubnet" and not a.get("id"):
            found = self.client("ec2").describe_subnets(Filters=[
                {"Name": "vpc-id", "Values": [a["vpcId"]]}, {"Name": "cidr-block", "Values": [a["cidrBlock"]]}])
            if not found["Subnets"]:
                raise ProviderError(f"getSubnet: no subnet {a.get('cidrBlock')} in {a.get('vpcId')}")
            a = {"id": found["Subnets"][0]["SubnetId"]}
        if fn == "getSubnet":
            s = self.client("ec2").describe_subnets(SubnetIds=[a["id"]])["Subnets"][0]
            return {"id": s["SubnetId"], "vpcId": s["VpcId"], "cidrBlock": s["CidrBlock"],
                    "availabilityZone": s["AvailabilityZone"], "mapPublicIpOnLaunch": s["MapPublicIpOnLaunch"]}
        raise ProviderError(f"the aws double does not answer the invoke {token}")
