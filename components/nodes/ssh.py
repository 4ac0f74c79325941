"""SSH to a node group, as eksctl gives it to private nodes: eksctl's ``ssh`` of a node group.

- The key pair: an existing one (``publicKeyName``), or ``publicKey`` imported as an EC2 key pair of the
  group, as eksctl does (pkg/ssh/client/ssh.go, LoadKeyByContent: ImportKeyPair with the key as given).
  Either goes on the nodes' launch template as its key name.
- ``allow``: a security group of the group opening port 22 from the VPC CIDR, or from
  ``sourceSecurityGroupIds`` instead (pkg/cfn/builder/managed_launch_template.go,
  makeSSHIngressRules; its rule for private nodes). Self-managed nodes take it as an extra node
  security group; managed nodes on the launch template pulumi-eks makes, after the EKS cluster
  security group, as eksctl does (managed_launch_template.go adds its "SSH" group to the template's
  SecurityGroupIds).
"""

from __future__ import annotations

import hashlib
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.settings import NodeSSH


def key_name(prefix: str, ssh: NodeSSH, tags: dict[str, str], parent: pulumi.Resource) -> Optional[pulumi.Input[str]]:
    """The key pair's name for the nodes' launch template: the existing one, or the imported key's."""
    if ssh.public_key_name:
        return ssh.public_key_name
    if ssh.public_key is None:
        return None
    key = ssh.public_key.strip()
    # Named by the key's digest, as eksctl names imported keys by their fingerprint (getKeyName): a new
    # key is a new name, so the replacement is created before the old pair is deleted.
    digest = hashlib.sha256(key.split()[1].encode()).hexdigest()[:16]
    pair = aws.ec2.KeyPair(f"{prefix}-key", key_name=f"{prefix}-{digest}", public_key=key, tags=tags or None,
                           opts=pulumi.ResourceOptions(parent=parent))
    return pair.key_name


def ssh_security_group(prefix: str, group: str, ssh: NodeSSH, *, vpc_id: pulumi.Input[str],
                       vpc_cidr: Optional[pulumi.Input[str]], tags: dict[str, str], parent: pulumi.Resource) -> aws.ec2.SecurityGroup:
    """Port 22 open from ``sourceSecurityGroupIds`` when given, else from the VPC CIDR only."""
    if ssh.source_security_group_ids:
        rule = aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=22, to_port=22,
                                                security_groups=list(ssh.source_security_group_ids),
                                                description="SSH from the given security groups")
    elif vpc_cidr is None:
        raise ValueError("ssh.allow needs the VPC CIDR")
    else:
        rule = aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=22, to_port=22, cidr_blocks=[vpc_cidr],
                                                description="SSH from the VPC")
    return aws.ec2.SecurityGroup(
        f"{prefix}-ssh", vpc_id=vpc_id, description=f"SSH to {group} from inside the VPC", ingress=[rule],
        tags={**tags, "Name": f"{prefix}-ssh"}, opts=pulumi.ResourceOptions(parent=parent))
