"""Physical names that fit AWS's limits.

pulumi-aws names a resource that is given no name by adding ``-`` and 7 random characters to its
resource name (its auto-naming), and the Terraform provider refuses a name over the type's limit.
Resource names here grow with the cluster's name (up to 100 characters) and the node groups', so
a name that would not fit is given explicitly instead: its head, cut short, and a digest of the
whole name and the region (an IAM name is global to the account, a cluster name only to its region).
A name that fits is left to auto-naming, so that existing stacks keep their resources: giving a
name where there was none replaces the resource.
"""

from __future__ import annotations

import hashlib
from typing import Optional

# What pulumi-aws's auto-naming adds to a resource name: "-" and 7 random characters.
AUTO_NAME_SUFFIX = 8

# The longest name AWS (and the Terraform provider's validation) accepts, by resource type. Sources
# (terraform-provider-aws): internal/service/iam/role.go roleNameMaxLen = 64;
# iam/instance_profile.go instanceProfileNameMaxLen = 128; iam/role_policy.go rolePolicyNameMaxLen
# = 128; iam/policy.go policyNameMaxLen = 128; ec2/vpc_security_group.go name StringLenBetween(0,
# 255); verify/validate.go ValidLaunchTemplateName ("name is limited to 125"); logs/group.go
# validLogGroupName (512); ec2/ec2_key_pair.go key_name StringLenBetween(0, 255);
# autoscaling/group.go name StringLenBetween(0, 255).
NAME_LIMITS: dict[str, int] = {
    "aws:iam/role:Role": 64,
    "aws:iam/instanceProfile:InstanceProfile": 128,
    "aws:iam/rolePolicy:RolePolicy": 128,
    "aws:iam/policy:Policy": 128,
    "aws:ec2/securityGroup:SecurityGroup": 255,
    "aws:ec2/launchTemplate:LaunchTemplate": 125,
    "aws:cloudwatch/logGroup:LogGroup": 512,
    "aws:ec2/keyPair:KeyPair": 255,
    "aws:autoscaling/group:Group": 255,
}
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
INSTANCE_PROFILE = "aws:iam/instanceProfile:InstanceProfile"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
# The input that holds each type's name (the others call it ``name``).
NAME_INPUTS = {"aws:ec2/keyPair:KeyPair": "keyName"}


def fits(resource_name: str, typ: str) -> bool:
    """Whether pulumi-aws's auto-name for ``resource_name`` fits the type's limit."""
    return len(resource_name) + AUTO_NAME_SUFFIX <= NAME_LIMITS[typ]


def bounded(resource_name: str, typ: str, region: str) -> str:
    """``resource_name`` cut to fit the type's limit, ending in a digest of the whole name and the region."""
    limit = NAME_LIMITS[typ]
    digest = hashlib.sha256(f"{region}/{resource_name}".encode()).hexdigest()[:8]
    head = resource_name[: limit - len(digest) - 1].rstrip("-")
    return f"{head}-{digest}"


def physical_name(resource_name: str, typ: str, region: str) -> Optional[str]:
    """The name to give a resource explicitly: None when auto-naming fits (as it always did), else
    :func:`bounded`."""
    return None if fits(resource_name, typ) else bounded(resource_name, typ, region)
