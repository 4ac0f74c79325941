"""What a reviewer checks in a plan, as sentences: internet paths, public subnets and IPs, API
access, IMDSv2 of given launch templates, the endpoint services and their hourly cost, and whether
the stack needs the Kubernetes API."""

from __future__ import annotations

import json
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
from components.catalog import REQUIRED_NAMES

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
        for r in endpoints:
            if r["inputs"].get("policy"):
                out.append(f"endpoint policy of {r['inputs'].get('serviceName')}: {policy_summary(r['inputs']['policy'])}")
    else:
        out.append("endpoint services: none created (skipEndpointCreation: the VPC must already have them)")
    price, default = endpoint_price(region)
    azs = _interface_endpoint_azs(last)
    cost = round(azs * price, 6)
    label = f"default price ${price}/h, {region} not in the price table" if default else f"${price}/h in {region}"
    out.append(f"interface endpoints: {azs} endpoint-AZs × {label} = ${cost:.4f}/hour "
               f"(≈ ${cost * 730:.2f}/month, data processing extra)")
    return out, cost


def policy_summary(policy: Any) -> str:
    """What an endpoint policy allows and denies, statement by statement."""
    try:
        doc = json.loads(policy) if isinstance(policy, str) else policy
        statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    except (ValueError, KeyError, TypeError):
        return "not readable as a policy document"
    parts = []
    for st in statements:
        if not isinstance(st, Mapping):
            continue
        cond = " (with conditions)" if st.get("Condition") else ""
        parts.append(f"{'allows' if st.get('Effect') == 'Allow' else 'denies'} {_listed(st, 'Action')} on {_listed(st, 'Resource')}{cond}")
    return "; ".join(parts)


def _listed(st: Mapping[str, Any], key: str) -> str:
    value = st.get(key, st.get(f"Not{key}", "*"))
    text = ", ".join(value) if isinstance(value, list) else str(value)
    return f"all but {text}" if f"Not{key}" in st else text


def selection_findings(selection: Any, *, skip: bool) -> list[str]:
    """The endpoints the stack expects others to have made (never in the cost), and the ones it
    creates because an add-on or role calls them (components/endpoint_needs.py)."""
    out: list[str] = []
    if selection.expected and not skip:
        out.append("endpoint services reused, not created (not in the cost; preflight and audit check each): "
                   + ", ".join(s.name for s in selection.expected))
    created = {s.name for s in selection.create}
    # Logging, encryption and Pod Identity added their endpoints before needs were derived (their
    # paths name no list item): the plan keeps saying nothing new about them.
    settings_level = {n.service for n in selection.needs if "[" not in n.source_path}
    derived = [n for n in selection.needs if n.service in created and n.service not in settings_level
               and n.service not in REQUIRED_NAMES]
    if derived:
        out.append("endpoint services derived from what runs: " + "; ".join(str(n) for n in derived))
    return out


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


# Add-ons are pulled from the regional EKS registry (EKS user guide, "View Amazon container image
# registries for Amazon EKS add-ons"): an ECR registry, reached through the ecr.api, ecr.dkr and S3
# endpoints. Karpenter's chart and images are in ECR Public (oci://public.ecr.aws/karpenter/karpenter,
# eksctl pkg/karpenter/karpenter.go), which has no VPC endpoint.
KARPENTER_IMAGES = "public.ecr.aws/karpenter/controller"


def _ecr_reached(services: set[str], skip: bool) -> str:
    if skip:
        return "through the VPC's own ecr.api, ecr.dkr and S3 endpoints (skipEndpointCreation)"
    missing = [s for s in ("ecr.api", "ecr.dkr", "s3") if s not in services]
    return ("through the ecr.api, ecr.dkr and S3 endpoints" if not missing
            else f"PROBLEM: no {', '.join(missing)} endpoint")


def image_findings(settings: Any, resources: Sequence[Mapping[str, Any]], selection: Any) -> list[str]:
    """Where each image the stack runs is pulled from: the add-ons', the capabilities', Karpenter's
    and the cached registries' — through endpoints the stack makes or reuses, else unreachable."""
    cfg = settings.cluster
    rules = cfg.private_cluster.pull_through_cache
    from components.images import ecr_domain
    from components.settings import PULUMI_EKS_ADDONS

    services = {str(r["inputs"].get("serviceName", "")).split(f".{settings.region}.", 1)[-1]
                for r in resources if r["type"] == VPC_ENDPOINT}
    # Endpoints the stack reuses serve the pulls as its own would (preflight and audit check them).
    services |= {s.name for s in selection.expected}
    skip = cfg.private_cluster.skip_endpoint_creation
    addons = [*([] if cfg.auto_mode_config.enabled else list(PULUMI_EKS_ADDONS)), *(a.name for a in cfg.addons)]
    out = [f"images: add-ons {', '.join(dict.fromkeys(addons))}: the regional EKS registry "
           f"(ACCOUNT.{ecr_domain(settings.region)}) {_ecr_reached(services, skip)}"]
    for cap in cfg.capabilities:
        out.append(f"images: capability {cap.name} ({cap.type}) runs in EKS's own infrastructure: nothing pulled here")
    cached = {rule.host: rule for rule in rules}
    for host, rule in cached.items():
        out.append(f"images: {host}/... through the pull-through cache: ACCOUNT.{ecr_domain(settings.region)}/"
                   f"{rule.repository_prefix}/... (nodes mirror {host} there) {_ecr_reached(services, skip)}")
    if cfg.karpenter is not None:
        where = ("through the pull-through cache (ecr-public)" if "public.ecr.aws" in cached else
                 "unreachable: no internet — copy the chart and images to ECR, or add a pullThroughCache rule for "
                 "ecr-public")
        out.append(f"images: karpenter {KARPENTER_IMAGES}: {where}")
    out.append("images: any other registry is unreachable: no internet")
    return out
