"""Preflight of a managed node group's own launch template, against moto: it must exist and require
IMDSv2 tokens, because pulumi-eks cannot set them on a template it does not make
(pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts: enableIMDSv2 is one of the options that conflict
with launchTemplate); and eksctl's checks of a given template (eksctl-io/eksctl
pkg/cfn/builder/managed_nodegroup.go, validateLaunchTemplate)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from automation.aws.preflight import preflight
from tests.aws.conftest import stack_settings

_names = itertools.count()
REQUIRED = {"MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2}, "InstanceType": "m5.large"}


def template(session, data: dict[str, Any]) -> str:
    ec2 = session.client("ec2")
    created = ec2.create_launch_template(LaunchTemplateName=f"nodes-{next(_names)}", LaunchTemplateData=data)
    return created["LaunchTemplate"]["LaunchTemplateId"]


def findings_for(session, launch_template: dict[str, Any], **group: Any):
    settings = stack_settings(managedNodeGroups=[{"name": "m", "privateNetworking": True,
                                                  "launchTemplate": launch_template, **group}])
    return [(f.check, f.resource, f.message) for f in preflight(settings, session=session)]


def test_a_template_that_requires_tokens_passes(session):
    lt = template(session, REQUIRED)
    assert findings_for(session, {"id": lt}) == []
    assert findings_for(session, {"id": lt, "version": "1"}) == []


@pytest.mark.parametrize("metadata", [{"HttpTokens": "optional"}, {"HttpPutResponseHopLimit": 2}, None])
def test_a_template_that_allows_imdsv1_is_found_with_its_path(session, metadata):
    data = {"InstanceType": "m5.large", **({"MetadataOptions": metadata} if metadata is not None else {})}
    lt = template(session, data)
    (found,) = findings_for(session, {"id": lt})
    assert found[:2] == ("launch-template-imdsv2", lt)
    assert found[2].startswith("managedNodeGroups[0].launchTemplate: the default version does not require IMDSv2")


def test_the_named_version_is_the_one_checked(session):
    lt = template(session, REQUIRED)
    session.client("ec2").create_launch_template_version(
        LaunchTemplateId=lt, LaunchTemplateData={"InstanceType": "m5.large", "MetadataOptions": {"HttpTokens": "optional"}})
    assert findings_for(session, {"id": lt, "version": "1"}) == []
    assert [f[0] for f in findings_for(session, {"id": lt, "version": "2"})] == ["launch-template-imdsv2"]


def test_a_missing_template_or_version_is_found(session):
    lt = template(session, REQUIRED)
    assert [f[:2] for f in findings_for(session, {"id": "lt-0123456789abcdef0"})] == [
        ("launch-template-exists", "lt-0123456789abcdef0")]
    assert [f[0] for f in findings_for(session, {"id": lt, "version": "9"})] == ["launch-template-exists"]


def test_eksctls_checks_of_the_template(session):
    """validateLaunchTemplate: an instance type in the template or in instanceTypes, not both; no
    instance profile in the template. A custom AMI in the template is refused: pulumi-eks nodegroup.ts
    sets amiType from operatingSystem on a node group with a given template, and EKS CreateNodegroup
    fails a node group with amiType and a custom AMI in its launch template."""
    bare = template(session, {"MetadataOptions": {"HttpTokens": "required"}})
    assert [f[0] for f in findings_for(session, {"id": bare})] == ["launch-template-instance-type"]
    assert findings_for(session, {"id": bare}, instanceTypes=["m5.large"]) == []
    typed = template(session, REQUIRED)
    assert [f[2].split(":")[0] for f in findings_for(session, {"id": typed}, instanceTypes=["m5.large"])] == [
        "managedNodeGroups[0].instanceTypes"]
    profile_free = {**REQUIRED, "ImageId": "ami-0123456789abcdef0", "UserData": "IyEvYmluL2Jhc2gK"}
    ami = template(session, profile_free)
    assert [f[0] for f in findings_for(session, {"id": ami})] == ["launch-template-ami"]
    profile = template(session, {**REQUIRED, "IamInstanceProfile": {"Arn": "arn:aws:iam::123456789012:instance-profile/x"}})
    assert [f[0] for f in findings_for(session, {"id": profile})] == ["launch-template-instance-profile"]
