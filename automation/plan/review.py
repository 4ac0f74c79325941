"""What a reviewer checks in a plan, as sentences: internet paths, public subnets and IPs, API
access, IMDSv2 of given launch templates, the endpoint services and their hourly cost, and whether
the stack needs the Kubernetes API."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence

from automation.plan.resource_types import (
    EGRESS_IGW,
    EIP,
    EKS_CLUSTER,
    IGW,
    NAT,
    NODE_GROUP_TYPES,
    ROUTE,
    ROUTE_TABLE,
    SUBNET,
    VPC_ENDPOINT,
)

# Interface endpoint price, USD per endpoint per AZ per hour (data processing not included).
# Source: https://aws.amazon.com/privatelink/pricing/ ("Interface Endpoint pricing"), recorded
# 2026-11-25 from the published prices as known then, without a live check of the page (this
# project is built offline); prices change — treat the estimate as an order of magnitude.
ENDPOINT_HOURLY_PRICE: dict[str, float] = {
    "us-east-1": 0.01, "us-east-2": 0.01, "us-west-1": 0.011, "us-west-2": 0.01,
    "ca-central-1": 0.011, "eu-west-1": 0.011, "eu-west-2": 0.011, "eu-west-3": 0.0117,
    "eu-central-1": 0.012, "eu-north-1": 0.011, "ap-south-1": 0.011, "ap-northeast-1": 0.014,
    "ap-northeast-2": 0.013, "ap-southeast-1": 0.013, "ap-southeast-2": 0.013, "sa-east-1": 0.0175,
    "us-gov-west-1": 0.012, "us-gov-east-1": 0.012, "cn-north-1": 0.0156, "cn-northwest-1": 0.0156,
}
# Unknown regions (new regions, isolated partitions): the us-east-1 price, labelled as a default.
DEFAULT_ENDPOINT_HOURLY_PRICE = 0.01


def endpoint_price(region: str) -> tuple[float, bool]:
    """(USD per interface endpoint per AZ per hour, whether it is the labelled default)."""
    if region in ENDPOINT_HOURLY_PRICE:
        return ENDPOINT_HOURLY_PRICE[region], False
    return DEFAULT_ENDPOINT_HOURLY_PRICE, True


def _interface_endpoint_azs(resources: Iterable[Mapping[str, Any]]) -> int:
    return sum(len(r["inputs"].get("subnetIds") or []) for r in resources
               if r["type"] == VPC_ENDPOINT and r["inputs"].get("vpcEndpointType") == "Interface")


def _internet_paths(resources: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    def default_route(route: Mapping[str, Any]) -> bool:
        return route.get("cidrBlock") in ("0.0.0.0/0",) or route.get("ipv6CidrBlock") in ("::/0",) or \
            route.get("destinationCidrBlock") == "0.0.0.0/0" or route.get("destinationIpv6CidrBlock") == "::/0"

    routes = [r for r in resources if r["type"] == ROUTE and default_route(r["inputs"])]
    inline = [rt for rt in resources if rt["type"] == ROUTE_TABLE
              for route in rt["inputs"].get("routes") or [] if default_route(route)]
    return {
        "internet gateways": sum(r["type"] in (IGW, EGRESS_IGW) for r in resources),
        "NAT gateways": sum(r["type"] == NAT for r in resources),
        "elastic IPs": sum(r["type"] == EIP for r in resources),
        "default routes": len(routes) + len(inline),
    }


def _public_subnets(resources: Sequence[Mapping[str, Any]]) -> int:
    n = sum(1 for r in resources if r["type"] == SUBNET and r["inputs"].get("mapPublicIpOnLaunch"))
    n += sum(len(r["inputs"].get("publicSubnetIds") or []) for r in resources if r["type"] == EKS_CLUSTER)
    return n


def _api_access(resources: Sequence[Mapping[str, Any]]) -> str:
    clusters = [r for r in resources if r["type"] == EKS_CLUSTER]
    if not clusters:
        return "no cluster"
    i = clusters[0]["inputs"]
    private = "private" if i.get("endpointPrivateAccess") else "no private access"
    if i.get("endpointPublicAccess"):
        cidrs = ", ".join(i.get("publicAccessCidrs") or []) or "0.0.0.0/0 (unrestricted!)"
        return f"public ({cidrs}) + {private}"
    return f"{private} only"


def findings(plan_passes: Sequence[Mapping[str, Any]], region: str) -> tuple[list[str], float]:
    """What a reviewer checks, as sentences; and the hourly interface-endpoint cost."""
    out: list[str] = []
    for p in plan_passes:
        res = p["resources"]
        paths = _internet_paths(res)
        parts = ", ".join(f"{k}: {v}" for k, v in paths.items())
        verdict = "OK" if not any(paths.values()) else "PROBLEM: a fully-private cluster has no internet path"
        out.append(f"{p['phase']}: {parts} — {verdict}")
        public = _public_subnets(res)
        out.append(f"{p['phase']}: public subnets: {public} — " + ("OK" if public == 0 else "PROBLEM"))
        nodes_public = [r["name"] for r in res if r["type"] in NODE_GROUP_TYPES
                        and r["inputs"].get("nodeAssociatePublicIpAddress")]
        if nodes_public:
            out.append(f"{p['phase']}: PROBLEM: node groups with public IPs: {', '.join(nodes_public)}")
        out.append(f"{p['phase']}: API access: {_api_access(res)}")
    last = plan_passes[-1]["resources"] if plan_passes else []
    for r in last:
        template = r["inputs"].get("launchTemplate") if r["type"] == "eks:index:ManagedNodeGroup" else None
        if isinstance(template, Mapping):
            # pulumi-eks sets IMDSv2 only on launch templates it makes (nodes/nodegroup.ts).
            out.append(f"IMDSv2: {r['name']} uses its own launch template {template.get('id')}: only the template "
                       "can require IMDSv2 tokens; preflight checks that it does")
    endpoints = [r for r in last if r["type"] == VPC_ENDPOINT]
    if endpoints:
        described = []
        for r in endpoints:
            i = r["inputs"]
            where = (f"{len(i.get('subnetIds') or [])} AZs, private DNS {'on' if i.get('privateDnsEnabled') else 'OFF'}"
                     if i.get("vpcEndpointType") == "Interface" else f"{len(i.get('routeTableIds') or [])} route tables")
            described.append(f"{i.get('serviceName')} ({i.get('vpcEndpointType')}, {where})")
        out.append(f"endpoint services ({len(endpoints)}): " + "; ".join(described))
    else:
        out.append("endpoint services: none created (skipEndpointCreation: the VPC must already have them)")
    price, default = endpoint_price(region)
    azs = _interface_endpoint_azs(last)
    cost = round(azs * price, 6)
    label = f"default price ${price}/h, {region} not in the price table" if default else f"${price}/h in {region}"
    out.append(f"interface endpoints: {azs} endpoint-AZs × {label} = ${cost:.4f}/hour "
               f"(≈ ${cost * 730:.2f}/month, data processing extra)")
    return out, cost


# How `up` reaches the Kubernetes API (the plan's kubernetesApi.path): through the stack's relay
# (docs/architecture.md §11), through a bootstrap window, or not at all.
PATH_RELAY, PATH_WINDOW, PATH_NONE = "relay", "bootstrap-window", "none-needed"


def kubernetes_api_path(needs: Sequence[Any], relay_function: Optional[str]) -> str:
    return PATH_RELAY if relay_function else PATH_WINDOW if needs else PATH_NONE


def kubernetes_api_finding(needs: Sequence[Any], relay_function: Optional[str] = None) -> str:
    if relay_function:
        what = ("yes — " + "; ".join(str(n) for n in needs)) if needs else "no"
        return (f"needs the Kubernetes API: {what}; path: the relay function {relay_function} — `private-eks up` "
                "never turns the public endpoint on (`--bootstrap always` still opens a window)")
    if not needs:
        return ("needs the Kubernetes API: no — `private-eks up --bootstrap never` creates the stack without "
                "ever turning the public endpoint on")
    return "needs the Kubernetes API: yes — " + "; ".join(str(n) for n in needs)
