"""NO_PROXY for a fully-private cluster behind an HTTP(S) proxy, and the warnings that go with it.

Everything that talks to the cluster or the instance metadata service from inside the network
must bypass the proxy: the EKS API (``.eks.amazonaws.com``), the VPC itself (the private API
endpoint and the interface endpoints resolve to addresses in the VPC CIDR) and IMDS
(``169.254.169.254``). This follows eksctl's proxy guidance. Existing entries are kept, in order,
and nothing is listed twice.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from components.settings import StackSettings

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")
EKS_DOMAIN = ".eks.amazonaws.com"
IMDS_ADDRESS = "169.254.169.254"


def proxy_configured(env: Mapping[str, str]) -> bool:
    return any(env.get(name) for name in PROXY_VARIABLES)


def vpc_cidrs(settings: StackSettings) -> list[str]:
    """The VPC address ranges known from the stack file alone.

    A new VPC has its CIDR (default or set). An existing VPC is known by its CIDR when ``vpc.cidr``
    is given, else by its subnets' CIDRs when those are given; otherwise it cannot be known offline.
    """
    cluster = settings.cluster
    if cluster.new_vpc:
        return [cluster.vpc_cidr]
    if cluster.vpc.cidr:
        return [cluster.vpc.cidr]
    return [s.cidr for s in cluster.private_subnets.values() if s.cidr]


def required_entries(settings: StackSettings, extra_cidrs: Iterable[str] = ()) -> list[str]:
    return _dedupe([EKS_DOMAIN, *vpc_cidrs(settings), *extra_cidrs, IMDS_ADDRESS])


def no_proxy_value(env: Mapping[str, str], settings: StackSettings, extra_cidrs: Iterable[str] = ()) -> str:
    """The existing NO_PROXY and no_proxy entries (kept, in order) followed by the required ones."""
    existing = [e.strip() for name in NO_PROXY_VARIABLES for e in (env.get(name) or "").split(",")]
    return ",".join(_dedupe([e for e in existing if e] + required_entries(settings, extra_cidrs)))


def proxy_environment(env: Mapping[str, str], settings: StackSettings, extra_cidrs: Iterable[str] = ()) -> dict[str, str]:
    """The NO_PROXY variables to set for the runner's operations; nothing when no proxy is set."""
    if not proxy_configured(env):
        return {}
    value = no_proxy_value(env, settings, extra_cidrs)
    return {name: value for name in NO_PROXY_VARIABLES}


def proxy_warnings(env: Mapping[str, str], settings: StackSettings, *, vpc_cidr_known: bool | None = None) -> list[str]:
    """What a user behind a proxy has to know; empty when no proxy is set."""
    if not proxy_configured(env):
        return []
    warnings = []
    if settings.cluster.iam.with_oidc:
        warnings.append(
            f"a proxy is set and OIDC is on: oidc.{settings.region}.amazonaws.com must bypass TLS "
            "interception, otherwise the OIDC provider gets the proxy's certificate thumbprint and IRSA breaks"
        )
    known = bool(vpc_cidrs(settings)) if vpc_cidr_known is None else vpc_cidr_known
    if not known:
        warnings.append(
            "a proxy is set but the existing VPC's CIDR is not in the stack file: add it to NO_PROXY "
            "yourself (or set vpc.cidr together with vpc.id)"
        )
    return warnings


def export_lines(env: Mapping[str, str], settings: StackSettings) -> list[str]:
    """``export NO_PROXY=...`` and ``export no_proxy=...`` lines for a shell, proxy set or not."""
    value = no_proxy_value(env, settings)
    return [f"export {name}={_shell_quote(value)}" for name in NO_PROXY_VARIABLES]


def _shell_quote(value: str) -> str:
    if all(c.isalnum() or c in ".,/:-_*" for c in value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
