"""A plain `pulumi up` (``__main__.py``) warns when the stack needs the Kubernetes API.

`pulumi up` always builds the private phase: it never opens the public endpoint, so whatever is
written through the Kubernetes API (automation/kubernetes_api.py says what: the aws-auth ConfigMap
in the CONFIG_MAP modes, ServiceAccounts, storage classes, ...) can only be reached from inside the
VPC. The rule is the runner's own, applied to each resource as it registers: a stack transform sees
every resource, pulumi-eks's Kubernetes children included, and changes none.
"""

from __future__ import annotations

from typing import Any, Callable

from automation.kubernetes_api import KubernetesApiNeed, kubernetes_api_needs

ADVICE = ("a plain `pulumi up` never turns the public endpoint on, so this only works from inside the VPC "
          "(or through a proxy into it); from outside, use `private-eks up`, which opens a bootstrap window for it")


def needs_of(type_: str, name: str, props: Any, *, authentication_mode: str) -> list[KubernetesApiNeed]:
    """The rule for one registering resource (props as the transform sees them)."""
    inputs = dict(props) if isinstance(props, dict) else {}
    return kubernetes_api_needs([{"type": type_, "name": name, "inputs": inputs}],
                                authentication_mode=authentication_mode)


def transform(authentication_mode: str, warn: Callable[[str], None]) -> Callable[[Any], None]:
    """A resource transform that warns once per resource needing the Kubernetes API."""
    seen: set[tuple[str, str]] = set()

    def check(args: Any) -> None:
        for need in needs_of(args.type_, args.name, args.props, authentication_mode=authentication_mode):
            if (need.type, need.name) not in seen:
                seen.add((need.type, need.name))
                warn(f"needs the Kubernetes API: {need}; {ADVICE}")
        return None

    return check


def register(authentication_mode: str) -> None:
    """Install the warning in the running Pulumi program."""
    import pulumi

    pulumi.runtime.register_resource_transform(transform(authentication_mode, pulumi.warn))
