"""ServiceAccounts: IAM roles for service accounts (IRSA) and the Kubernetes ServiceAccounts.

Three settings meet here, as eksctl builds them:

- ``iam.serviceAccounts[]``: a role trusted through the cluster's OIDC provider by exactly one
  ServiceAccount (eksctl pkg/iam/oidc/api.go, MakeAssumeRolePolicyDocumentWithServiceAccountConditions:
  ``sub`` = ``system:serviceaccount:NS:NAME``, ``aud`` = ``sts.amazonaws.com``), with its managed
  and inline policies, and the ServiceAccount annotated with ``eks.amazonaws.com/role-arn``
  (none with ``roleOnly``);
- ``iam.podIdentityAssociations[].createServiceAccount``: the ServiceAccount alone (EKS Pod
  Identity needs no annotation);
- ``addons[].attachPolicyARNs`` / ``wellKnownPolicies`` / ``attachPolicy``: the role alone, for the
  add-on's known service account (EKS creates that ServiceAccount and annotates it from
  ``serviceAccountRoleARN``).

eksctl's ``wellKnownPolicies`` put the same policies on these roles as on Pod Identity roles
(components/iam/well_known_policies.py, ``well_known``; ``role_policies`` attaches them to either).

ServiceAccounts are written through the Kubernetes API: through the relay when the stack has one
(components/relay/provider.py), else with a provider made from the cluster's kubeconfig, so that
the stack needs the bootstrap window (automation/kubernetes_api.py).
The namespaces eksctl would create when missing are created here too, and kept on destroy: other
workloads may live in them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as kubernetes

from components import names
from components.iam.well_known_policies import well_known
from components.scope import ClusterScope
from components.settings import ADDON_SERVICE_ACCOUNTS, ROLE_ARN_ANNOTATION, StackSettings, WellKnownPolicies
from components.settings.defaults import BUILT_IN_NAMESPACES
from components.settings.karpenter import karpenter_service_accounts

if TYPE_CHECKING:
    import pulumi_eks as eks

    from components.relay.provider import KubernetesAccess

# The audience of the tokens EKS projects for IRSA (eksctl pkg/iam/oidc/api.go, defaultAudience).
AUDIENCE = "sts.amazonaws.com"


def trust_policy(provider_arn: str, issuer: str, namespace: str, name: str, pattern: Optional[str] = None) -> str:
    """The web-identity trust policy of an IRSA role: only ``namespace/name``'s tokens, for STS, or
    those of the names ``pattern`` matches (eksctl's subjectPattern: ``StringLike``, oidc/api.go,
    MakeAssumeRolePolicyDocumentWithServiceAccountConditionsAllowingWildcard). ``issuer`` is the OIDC
    issuer without ``https://`` (pulumi-eks's ``oidcIssuer``)."""
    subject = {f"{issuer}:sub": f"system:serviceaccount:{namespace}:{pattern or name}"}
    audience = {f"{issuer}:aud": AUDIENCE}
    condition = {"StringLike": subject, "StringEquals": audience} if pattern else {"StringEquals": {**subject, **audience}}
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": ["sts:AssumeRoleWithWebIdentity"],
            "Condition": condition,
        }],
    }, sort_keys=True)


def role_policies(slug: str, role: aws.iam.Role, *, partition: str, policy_arns: Sequence[str],
                  flags: Optional[WellKnownPolicies], policy: Optional[str],
                  opts: pulumi.ResourceOptions) -> list[pulumi.CustomResource]:
    """A made role's policies as eksctl puts them on it (pkg/cfn/builder/iam.go, AddAllResources): the
    given policy ARNs, then the well-known managed policies, attached; the well-known inline policies,
    by eksctl's names; the given inline document (``policy``, JSON). Returns what it declared, for
    what must wait until the role has its policies."""
    managed, inline = well_known(flags) if flags is not None else ([], [])
    arns = list(policy_arns) + [f"arn:{partition}:iam::aws:policy/{name}" for name in managed]
    made: list[pulumi.CustomResource] = []
    for i, arn in enumerate(arns):
        made.append(aws.iam.RolePolicyAttachment(f"{slug}-policy-{i}", role=role.name, policy_arn=arn, opts=opts))
    for doc in inline:
        made.append(aws.iam.RolePolicy(f"{slug}-{doc.name}", role=role.name, name=doc.name,
                                       policy=doc.document(partition), opts=opts))
    if policy:
        # Unnamed as before when the auto-name fits (a name given later would replace it).
        made.append(aws.iam.RolePolicy(f"{slug}-inline", role=role.name, policy=policy, opts=opts,
                                       name=None if names.fits(f"{slug}-inline", names.ROLE_POLICY) else f"{slug}-inline"[:128]))
    return made


class ServiceAccounts(pulumi.ComponentResource):
    """The IRSA roles and ServiceAccounts of a cluster; ``addon_role_arns`` maps an add-on's name to
    the ARN of the role made for it."""

    addon_role_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        *,
        settings: StackSettings,
        oidc_provider_arn: pulumi.Input[str],
        oidc_issuer: pulumi.Input[str],
        kubeconfig: pulumi.Input[str],
        partition: str,
        tags: Optional[Mapping[str, str]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
        access: Optional[KubernetesAccess] = None,
    ):
        """``access``: the stack's Kubernetes access; with a relay its provider is used, and every
        write waits for the relay."""
        super().__init__("private-eks:service-accounts:ServiceAccounts", name, None, opts)
        cfg = settings.cluster
        self._name = name
        self._cluster = cfg.metadata.name
        self._partition = partition
        self._tags = dict(tags or {})
        self._oidc = pulumi.Output.all(oidc_provider_arn, oidc_issuer)
        self._kubeconfig = kubeconfig
        self._provider: Optional[kubernetes.Provider] = None
        # Without a relay the ServiceAccounts keep their own kubeconfig provider (its name in existing stacks).
        self._access = access if access is not None and access.relay is not None else None
        self._ready: list[pulumi.Resource] = self._access.ready if self._access is not None else []
        self._namespaces: dict[str, pulumi.Resource] = {}

        for sa in cfg.iam.service_accounts:
            meta = sa.metadata
            role_arn: pulumi.Input[str]
            if sa.attach_role_arn is not None:
                role_arn = sa.attach_role_arn
            else:
                role_arn = self._role(f"{name}-{meta.namespace}-{meta.name}", meta.namespace, meta.name,
                                      policy_arns=sa.attach_policy_arns, flags=sa.well_known_policies,
                                      policy=sa.attach_policy, role_name=sa.role_name,
                                      boundary=sa.permissions_boundary, tags=sa.tags, pattern=sa.subject_pattern)
            if not sa.role_only:
                self._service_account(meta.namespace, meta.name, labels=meta.labels,
                                      annotations={**meta.annotations, ROLE_ARN_ANNOTATION: role_arn})
        for pia in cfg.iam.pod_identity_associations:
            if pia.create_service_account:
                self._service_account(pia.namespace, pia.service_account_name)
        for namespace, account in karpenter_service_accounts(cfg):
            self._service_account(namespace, account)
        self.addon_role_arns = {}
        for addon in cfg.addons:
            if addon.makes_role:
                namespace, account = ADDON_SERVICE_ACCOUNTS[addon.name]
                self.addon_role_arns[addon.name] = self._role(
                    f"{name}-addon-{addon.name}", namespace, account, policy_arns=addon.attach_policy_arns,
                    flags=addon.well_known_policies, policy=addon.attach_policy, role_name=None, boundary=None, tags={})
        self.register_outputs({"addonRoleArns": self.addon_role_arns})

    def _role(self, slug: str, namespace: str, account: str, *, policy_arns: Sequence[str], flags: WellKnownPolicies,
              policy: Mapping[str, Any], role_name: Optional[str], boundary: Optional[str], tags: Mapping[str, str],
              pattern: Optional[str] = None) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        # IAM names a role with at most 64 characters: an unnamed one gets a readable prefix of at
        # most 38 (the provider's limit for name_prefix), the rest unique, rather than a resource
        # name that may be too long.
        prefix = None if role_name else f"{self._cluster}-{namespace}-{account}"[:37] + "-"
        role = aws.iam.Role(
            f"{slug}-role", name=role_name, name_prefix=prefix,
            assume_role_policy=self._oidc.apply(lambda o: trust_policy(o[0], o[1], namespace, account, pattern)),
            permissions_boundary=boundary, tags={**self._tags, **tags} or None, opts=child)
        role_policies(slug, role, partition=self._partition, policy_arns=policy_arns, flags=flags,
                      policy=json.dumps(policy, sort_keys=True) if policy else None, opts=child)
        return role.arn

    def _kubernetes(self) -> kubernetes.Provider:
        if self._access is not None:
            return self._access.provider(was=(f"{self._name}-k8s", self))
        if self._provider is None:
            # Once the window is closed the API is reachable only from inside the VPC: a destroy
            # from outside could never delete these ServiceAccounts and would stop before the
            # cluster, which takes them with it. deleteUnreachable lets it forget them instead
            # (day-2 deletions open a window first: automation/kubernetes_api.py).
            self._provider = kubernetes.Provider(f"{self._name}-k8s", kubeconfig=self._kubeconfig,
                                                 delete_unreachable=True, opts=pulumi.ResourceOptions(parent=self))
        return self._provider

    def _namespace(self, namespace: str) -> list[pulumi.Resource]:
        if namespace in BUILT_IN_NAMESPACES:
            return []
        if namespace not in self._namespaces:
            self._namespaces[namespace] = kubernetes.core.v1.Namespace(
                f"{self._name}-ns-{namespace}", metadata=kubernetes.meta.v1.ObjectMetaArgs(name=namespace),
                opts=pulumi.ResourceOptions(parent=self, provider=self._kubernetes(), retain_on_delete=True,
                                            depends_on=self._ready or None))
        return [self._namespaces[namespace]]

    def _service_account(self, namespace: str, name: str, *, labels: Optional[Mapping[str, str]] = None,
                         annotations: Optional[Mapping[str, pulumi.Input[str]]] = None) -> None:
        kubernetes.core.v1.ServiceAccount(
            f"{self._name}-sa-{namespace}-{name}",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels=dict(labels or {}) or None,
                                                       annotations=dict(annotations or {}) or None),
            opts=pulumi.ResourceOptions(parent=self, provider=self._kubernetes(),
                                        depends_on=[*self._ready, *self._namespace(namespace)]))


def service_accounts(scope: ClusterScope, cluster: eks.Cluster,
                     access: Optional[KubernetesAccess] = None) -> dict[str, pulumi.Output[str]]:
    """The cluster's IRSA roles and ServiceAccounts, when it has any; the add-ons' roles by name."""
    cfg = scope.settings.cluster
    if not (cfg.iam.service_accounts or cfg.service_accounts or any(a.makes_role for a in cfg.addons)):
        return {}
    accounts = ServiceAccounts(
        f"{scope.name}-service-accounts", settings=scope.settings, oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer=cluster.oidc_issuer, kubeconfig=cluster.kubeconfig_json, partition=scope.partition,
        tags=scope.tags, opts=scope.child(depends_on=[cluster]), access=access)
    return accounts.addon_role_arns
