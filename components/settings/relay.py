"""privateCluster.apiRelay: the Kubernetes API relay, a function in the private subnets that carries
the runner's, people's and CI's Kubernetes API requests to the private endpoint, so that the public
endpoint is never turned on (docs/architecture.md §11). eksctl has no such field; it is named in
eksctl's style beside the other fully-private options."""

from __future__ import annotations

from typing import Literal

from components.settings.base import SettingsModel
from components.settings.defaults import BUILT_IN_NAMESPACES, LOG_RETENTION_DAYS

# EKS access policies a relay's access entry may get (Amazon EKS User Guide "Review access policy
# permissions"; EKS ListAccessPolicies). The stack's own writes (namespaces, ServiceAccounts) are
# cluster-wide, which only the cluster admin policy allows everywhere.
ACCESS_POLICIES = ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy")
RelayAccessPolicy = Literal["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy",
                            "AmazonEKSViewPolicy"]
RelayRetention = Literal[LOG_RETENTION_DAYS]  # type: ignore[valid-type]


class ApiRelay(SettingsModel):
    enabled: bool = False
    """a function in the private subnets relays Kubernetes API requests (`up` never opens the public endpoint; `private-eks connect`); needs `accessConfig.authenticationMode: API`"""  # noqa: E501
    access_policy: RelayAccessPolicy = "AmazonEKSClusterAdminPolicy"
    """the EKS access policy of the relay's access entry (cluster scope); whoever may invoke the function has it; must allow the stack's writes (only the cluster admin policy creates namespaces)"""  # noqa: E501
    log_retention_in_days: RelayRetention = 30
    """retention of the relay's request log (`/aws/lambda/<function>`)"""


def relay_rules(relay: ApiRelay, *, authentication_mode: str,
                service_accounts: list[tuple[str, str]]) -> list[tuple[tuple[str, ...], str]]:
    """What cannot go through the relay, by path.

    pulumi-eks writes the aws-auth ConfigMap itself whenever the mode supports it
    (nodejs/eks/cluster/cluster.ts, ``eksNodeAccess``), with its own Kubernetes provider made from a
    kubeconfig that points at the cluster's endpoint, not at the relay: only ``API`` mode has no
    such write. (Its other Kubernetes writes, storage classes and the aws-node patch, are never
    asked for by this program.)

    The relay writes the stack's ServiceAccounts (``service_accounts``: namespace, name) with its
    access policy: EKS's policies are the Kubernetes user-facing roles (Amazon EKS User Guide
    "Review access policy permissions": AmazonEKSViewPolicy is ``view``, AmazonEKSEditPolicy
    ``edit``, AmazonEKSAdminPolicy ``admin``, AmazonEKSClusterAdminPolicy ``cluster-admin``); ``view``
    writes nothing, and ``edit`` and ``admin`` have "no write access to ... the namespace itself"
    (Kubernetes documentation "Using RBAC Authorization", user-facing roles), so a namespace the
    stack creates needs the cluster admin policy."""
    if not relay.enabled:
        return []
    problems: list[tuple[tuple[str, ...], str]] = []
    if authentication_mode != "API":
        problems.append((("accessConfig", "authenticationMode"),
                         f"must be API with privateCluster.apiRelay.enabled: in {authentication_mode} mode pulumi-eks "
                         "writes the aws-auth ConfigMap through its own Kubernetes provider, straight to the cluster's "
                         "endpoint, which cannot go through the relay (use accessConfig.accessEntries instead of "
                         "iamIdentityMappings)"))
    where = ("privateCluster", "apiRelay", "accessPolicy")
    created = sorted({ns for ns, _ in service_accounts if ns not in BUILT_IN_NAMESPACES})
    if service_accounts and relay.access_policy == "AmazonEKSViewPolicy":
        problems.append((where, "AmazonEKSViewPolicy (the view role) cannot write the stack's ServiceAccounts, "
                         "which go through the relay"))
    elif created and relay.access_policy != "AmazonEKSClusterAdminPolicy":
        problems.append((where, f"{relay.access_policy} cannot create the namespaces the stack makes for its "
                         f"ServiceAccounts ({', '.join(created)}): only AmazonEKSClusterAdminPolicy writes namespaces"))
    return problems
