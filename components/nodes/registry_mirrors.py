"""Node containerd pointed at the ECR pull-through cache (privateCluster.pullThroughCache), per family.

* AmazonLinux2023: nodeadm's containerd reads registry hosts from ``/etc/containerd/certs.d``
  (awslabs/amazon-eks-ami nodeadm/internal/containerd/config.template.toml, ``config_path``); a
  shell script writes one ``hosts.toml`` per mirrored registry (containerd docs/hosts.md: a host
  with a path needs ``override_path``), with the account read from the instance identity document
  (IMDSv2) so the user data needs nothing known only after apply. The kubelet gets ECR credentials
  for the mirrored registries too: a copy of nodeadm's credential provider config
  (nodeadm/internal/kubelet/image-credential-provider.template.json) whose matchImages also name
  them, given by a NodeConfig kubelet flag (ecr-credential-provider 1.29 and later answers for any
  image, with the node's registry token: kubernetes/kops#16593).
* Bottlerocket: ``settings.container-registry.mirrors`` (Bottlerocket's settings reference) and
  the ecr-credential-provider's ``image-patterns`` (``settings.kubernetes.credential-providers``),
  the account from STS (GetCallerIdentity) since settings are static.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

import pulumi
import pulumi_aws as aws

from components import images
from components.images import Mirror
from components.settings import StackSettings

CERTS_D = "/etc/containerd/certs.d"
CREDENTIAL_CONFIG = "/etc/eks/image-credential-provider/pull-through-cache.json"
# nodeadm's matchImages: the ECR registries of every partition.
ECR_IMAGES = ("*.dkr.ecr.*.amazonaws.com", "*.dkr-ecr.*.on.aws", "*.dkr.ecr.*.amazonaws.com.cn",
              "*.dkr-ecr.*.on.amazonwebservices.com.cn", "*.dkr.ecr-fips.*.amazonaws.com", "*.dkr-ecr-fips.*.on.aws",
              "*.dkr.ecr.*.c2s.ic.gov", "*.dkr.ecr.*.sc2s.sgov.gov", "*.dkr.ecr.*.cloud.adc-e.uk",
              "*.dkr.ecr.*.csp.hci.ic.gov")


def credential_provider_config(found: Sequence[Mirror]) -> str:
    return json.dumps({
        "apiVersion": "kubelet.config.k8s.io/v1", "kind": "CredentialProviderConfig",
        "providers": [{"name": "ecr-credential-provider", "matchImages": [*ECR_IMAGES, *(m.host for m in found)],
                       "defaultCacheDuration": "12h", "apiVersion": "credentialprovider.kubelet.k8s.io/v1"}]},
        indent=2)


def al2023_script(found: Sequence[Mirror], ecr_domain: str) -> str:
    """The shell script part: the account from IMDSv2, then each registry's hosts.toml and the
    credential provider config."""
    lines = [
        "#!/bin/bash",
        "# Registries pulled through the ECR pull-through cache (privateCluster.pullThroughCache).",
        "set -euo pipefail",
        "TOKEN=$(curl -sf -X PUT http://169.254.169.254/latest/api/token "
        "-H 'X-aws-ec2-metadata-token-ttl-seconds: 60')",
        "ACCOUNT=$(curl -sf -H \"X-aws-ec2-metadata-token: $TOKEN\" "
        "http://169.254.169.254/latest/dynamic/instance-identity/document "
        "| sed -n 's/.*\"accountId\" *: *\"\\([0-9]*\\)\".*/\\1/p')",
    ]
    for m in found:
        lines += [
            f"mkdir -p {CERTS_D}/{m.host}",
            f"cat > {CERTS_D}/{m.host}/hosts.toml <<EOF",
            f'server = "{m.server}"',
            "",
            f'[host."https://${{ACCOUNT}}.{ecr_domain}/v2/{m.prefix}"]',
            '  capabilities = ["pull", "resolve"]',
            "  override_path = true",
            "EOF",
        ]
    lines += [f"cat > {CREDENTIAL_CONFIG} <<'EOF'", credential_provider_config(found), "EOF"]
    return "\n".join(lines) + "\n"


def al2023_node_config() -> dict[str, Any]:
    """The NodeConfig part that makes the kubelet read the credential provider config written above."""
    return {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig",
            "spec": {"kubelet": {"flags": [f"--image-credential-provider-config={CREDENTIAL_CONFIG}"]}}}


def bottlerocket_mirrors(found: Sequence[Mirror], account: pulumi.Input[str], ecr_domain: str) -> dict[str, Any]:
    """Bottlerocket settings for the mirrors: the account may be an Output (STS)."""
    return {
        "container-registry": {"mirrors": [
            {"registry": m.host,
             "endpoint": [pulumi.Output.concat("https://", account, f".{ecr_domain}/v2/{m.prefix}")]}
            for m in found]},
        "kubernetes": {"credential-providers": {"ecr-credential-provider": {
            "enabled": True, "image-patterns": [*ECR_IMAGES, *(m.host for m in found)]}}},
    }


@dataclass(frozen=True)
class NodeMirrors:
    """What the user data of every node group gets: the mirrored registries, the region's ECR domain,
    and the account (an Output; asked of STS only when a Bottlerocket group needs it)."""

    found: tuple[Mirror, ...]
    ecr_domain: str
    account: pulumi.Input[str] = ""


def node_mirrors(settings: StackSettings, parent: pulumi.Resource) -> NodeMirrors | None:
    found = images.mirrors(settings)
    if not found:
        return None
    cfg = settings.cluster
    account: pulumi.Input[str] = ""
    if any(ng.ami_family == "Bottlerocket" for ng in [*cfg.node_groups, *cfg.managed_node_groups]):
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent)).account_id
    return NodeMirrors(found, images.ecr_domain(settings.region), account)
