"""The aws double's rules without the engine: auto-names and their limits, replace or update."""

from __future__ import annotations

import re

import pytest

from automation.rehearse.aws_double import auto_name, diff
from automation.rehearse.rules import AUTO_NAMES
from automation.rehearse.server import ProviderError

ROLE = "urn:pulumi:dev::private-eks::private-eks:cluster:PrivateCluster$eks:index:Cluster$aws:iam/role:Role::{}"


def test_auto_name_is_the_name_a_dash_and_seven_random_characters():
    """pulumi-terraform-bridge pkg/tfbridge/names.go AutoName → pulumi sdk/go/common/resource
    resource_id.go NewUniqueName: the logical name, "-", 7 random characters; the same seed gives
    the same name (the engine's randomSeed makes it stable across previews)."""
    a = auto_name(ROLE.format("dev-eksRole-role"), {}, {}, b"seed")
    b = auto_name(ROLE.format("dev-eksRole-role"), {}, {}, b"seed")
    assert re.fullmatch(r"dev-eksRole-role-[a-z0-9]{7}", a["name"])
    assert a == b


def test_an_existing_resource_keeps_its_name():
    """NewUniqueName runs on create only: Check keeps the name in the old state."""
    assert auto_name(ROLE.format("r"), {}, {"name": "r-abcdefg"}, b"x")["name"] == "r-abcdefg"


def test_a_name_over_the_role_limit_fails_naming_the_resource_and_the_rule():
    """IAM CreateRole: RoleName is at most 64 characters; pulumi's NewUniqueName refuses a prefix
    that leaves no room for the 7 random characters ("plus 7 random chars is longer than maximum length")."""
    assert AUTO_NAMES["aws:iam/role:Role"].max_length == 64
    fits = "a" * (64 - 8)
    auto_name(ROLE.format(fits), {}, {}, b"s")
    with pytest.raises(ProviderError) as e:
        auto_name(ROLE.format(fits + "b"), {}, {}, b"s")
    assert f"{fits}b (aws:iam/role:Role)" in str(e.value)
    assert "maximum length 64" in str(e.value)


def test_an_explicit_name_over_the_limit_fails_too():
    """EKS CreateNodegroup: nodegroupName 1-63 characters."""
    urn = "urn:pulumi:s::p::aws:eks/nodeGroup:NodeGroup::ng"
    with pytest.raises(ProviderError, match="maximum length 63"):
        auto_name(urn, {"nodeGroupName": "n" * 64}, {}, b"s")


def test_force_new_inputs_replace_and_the_others_update():
    """automation/plan/replacements.py (terraform-provider-aws ForceNew): a VPC's cidrBlock replaces it,
    its tags update it in place."""
    urn = "urn:pulumi:s::p::aws:ec2/vpc:Vpc::v"
    assert diff(urn, {"cidrBlock": "10.0.0.0/16"}, {"cidrBlock": "10.1.0.0/16"}) == (["cidrBlock"], ["cidrBlock"])
    assert diff(urn, {"tags": {"a": "1"}}, {"tags": {"a": "2"}}) == ([], ["tags"])
    assert diff(urn, {"tags": {"a": "1"}}, {"tags": {"a": "1"}}) == ([], [])
