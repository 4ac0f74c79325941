"""privateCluster's endpoint fields (components/settings/network.py, components/settings/validate.py):
any PrivateLink service by short or full name, existing endpoints per service, endpoint policies and
the limited S3 gateway — every bad value refused by path, with the stack file."""

from __future__ import annotations

import pytest

from components import catalog
from components.endpoint_policy import ENDPOINT_POLICY_MAX
from tests.settings.test_rules import base, check, cluster, existing, problems

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}


def with_private(doc_fn=base, **private) -> dict:
    doc = doc_fn()
    cluster(doc)["privateCluster"] = private
    return doc


@pytest.mark.parametrize("name", ["sqs", "elasticfilesystem", "monitoring", "guardduty-data", "codeartifact.api",
                                  "com.amazonaws.us-west-2.sqs", "com.amazonaws.us-west-2.pricing.api"])
def test_any_service_name_is_accepted_and_created(name):
    s = check(with_private(additionalEndpointServices=[name]))
    created = [catalog.full_service_name(e, "us-west-2") for e in s.endpoint_services()]
    assert created[-1] == (name if name.startswith("com.") else f"com.amazonaws.us-west-2.{name}")


def test_catalog_types_gateway_for_s3_and_dynamodb_interface_otherwise():
    """PrivateLink guide, 'Gateway endpoints': S3 and DynamoDB only; every other AWS service is Interface."""
    s = check(with_private(additionalEndpointServices=["dynamodb", "sqs", "not-in-catalog"]))
    types = {e.name: e.type for e in s.endpoint_services()}
    assert (types["dynamodb"], types["sqs"], types["not-in-catalog"]) == ("Gateway", "Interface", "Interface")


@pytest.mark.parametrize("junk", ["SQS", "sqs endpoint", "-sqs", "sqs..api", "com.amazonaws.us-west-2.", "a" * 200, ""])
def test_junk_names_are_refused_by_path(junk):
    msg = problems(with_private(additionalEndpointServices=["sqs", junk]))["privateCluster.additionalEndpointServices[1]"]
    assert "is not an endpoint service name" in msg


def test_a_full_name_of_another_region_is_refused_by_path():
    msg = problems(with_private(additionalEndpointServices=["com.amazonaws.eu-west-1.sqs"]))[
        "privateCluster.additionalEndpointServices[0]"]
    assert "eu-west-1" in msg and "us-west-2" in msg


def test_a_full_name_with_another_partitions_prefix_is_refused_and_the_partitions_own_is_kept():
    """eksctl endpoint_service.go (GetEndpointServiceDomainPrefix): China takes cn.com.amazonaws for
    some services; a us-west-2 stack takes only com.amazonaws. The name written is the name sent."""
    msg = problems(with_private(additionalEndpointServices=["cn.com.amazonaws.us-west-2.sqs"]))[
        "privateCluster.additionalEndpointServices[0]"]
    assert "com.amazonaws" in msg
    doc = with_private(additionalEndpointServices=["cn.com.amazonaws.cn-north-1.sagemaker.api"])
    doc["config"]["aws:region"] = "cn-north-1"
    cluster(doc)["availabilityZones"] = ["cn-north-1a", "cn-north-1b"]
    s = check(doc)
    assert catalog.full_service_name(s.endpoint_services()[-1], "cn-north-1") == "cn.com.amazonaws.cn-north-1.sagemaker.api"


def test_the_same_service_by_short_and_full_name_is_refused():
    msg = problems(with_private(additionalEndpointServices=["sqs", "com.amazonaws.us-west-2.sqs"]))[
        "privateCluster.additionalEndpointServices[1]"]
    assert "'sqs'" in msg


def test_existing_services_are_not_created_and_may_be_required_ones():
    s = check(with_private(existing, existingEndpointServices=["ecr.api", "ecr.dkr", "s3"]))
    assert [e.name for e in s.endpoint_services()] == ["ec2", "sts"]
    assert [e.name for e in s.endpoint_selection().expected] == ["ecr.api", "ecr.dkr", "s3"]


def test_existing_services_need_an_existing_vpc():
    assert "existing VPC" in problems(with_private(existingEndpointServices=["ecr.api"]))[
        "privateCluster.existingEndpointServices"]


def test_a_service_both_existing_and_additional_is_refused():
    msg = problems(with_private(existing, additionalEndpointServices=["sqs"], existingEndpointServices=["sqs"]))
    assert "additionalEndpointServices" in msg["privateCluster.existingEndpointServices[0]"]


@pytest.mark.parametrize("key", ["existingEndpointServices", "endpointPolicies", "s3EndpointBuckets"])
def test_skip_endpoint_creation_excludes_the_per_service_fields(key):
    value = {"sqs": ALLOW_ALL} if key == "endpointPolicies" else ["ecr.api"] if key == "existingEndpointServices" else ["b1"]
    msg = problems(with_private(existing, skipEndpointCreation=True, **{key: value}))[f"privateCluster.{key}"]
    assert "skipEndpointCreation" in msg


def test_endpoint_policy_without_principal_is_refused_by_path():
    """PrivateLink guide, 'Control access to VPC endpoints using endpoint policies': an endpoint policy
    must contain a Principal element."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}
    found = problems(with_private(additionalEndpointServices=["sqs"], endpointPolicies={"sqs": policy}))
    assert "Principal" in found["privateCluster.endpointPolicies.sqs.Statement[0]"]


def test_gateway_endpoint_policy_principal_must_be_star():
    """PrivateLink guide, 'Principals for gateway endpoints': the Principal must be *."""
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                             "Action": "s3:GetObject", "Resource": "*"}]}
    found = problems(with_private(endpointPolicies={"s3": policy}))
    assert '"*"' in found["privateCluster.endpointPolicies.s3.Statement[0].Principal"]


def test_endpoint_policy_over_20480_characters_is_refused():
    """PrivateLink quotas: 20,480 characters per endpoint policy (the document is sent compact)."""
    arns = [f"arn:aws:s3:::bucket-{i:05d}/*" for i in range(ENDPOINT_POLICY_MAX // 25)]
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": arns}]}
    assert "20,480" in problems(with_private(endpointPolicies={"s3": policy}))["privateCluster.endpointPolicies.s3"]


def test_endpoint_policy_for_an_existing_endpoint_is_refused():
    found = problems(with_private(existing, existingEndpointServices=["sqs"], endpointPolicies={"sqs": ALLOW_ALL}))
    assert "existingEndpointServices" in found["privateCluster.endpointPolicies.sqs"]


def test_s3_buckets_are_checked_against_s3_naming_rules():
    """S3 User Guide, 'General purpose bucket naming rules': 3-63 characters, lowercase letters, digits,
    dots and hyphens, beginning and ending with a letter or digit, no two adjacent dots."""
    found = problems(with_private(s3EndpointBuckets=["ok-bucket", "Upper", "ab", "a..b", "-dash"]))
    assert sorted(found) == [f"privateCluster.s3EndpointBuckets[{i}]" for i in (1, 2, 3, 4)]


def test_s3_buckets_and_an_s3_policy_are_exclusive():
    found = problems(with_private(s3EndpointBuckets=["b1"], endpointPolicies={"s3": ALLOW_ALL}))
    assert "endpointPolicies.s3" in found["privateCluster.s3EndpointBuckets"]


def test_endpoint_policy_for_a_service_not_made_here_is_refused():
    msg = problems(with_private(endpointPolicies={"sqs": ALLOW_ALL}))["privateCluster.endpointPolicies.sqs"]
    assert "additionalEndpointServices" in msg


def test_endpoint_policy_on_a_derived_endpoint_is_accepted():
    """The EFS CSI driver's endpoint is made without being listed; a policy may still be put on it."""
    doc = with_private(endpointPolicies={"elasticfilesystem": ALLOW_ALL})
    cluster(doc)["addons"] = [{"name": "aws-efs-csi-driver"}]
    assert "elasticfilesystem" in [e.name for e in check(doc).endpoint_services()]
