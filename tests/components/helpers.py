"""Helpers for the component tests: stack settings from a dict, and the program run under Pulumi's
mock runtime (``automation.plan.run_phase`` with ``PlanMocks``, the offline plan's own mocks)."""

from __future__ import annotations

import copy
from typing import Any

from automation.plan import PlanMocks, run_phase
from components.settings import settings_from_document

BASE: dict[str, Any] = {
    "metadata": {"name": "test-cluster", "version": "1.33", "tags": {"team": "platform"}},
    "availabilityZones": ["us-west-2a", "us-west-2b", "us-west-2c"],
    "vpc": {"cidr": "10.0.0.0/16", "publicAccessCIDRs": ["203.0.113.7/32"]},
    "iam": {"withOIDC": True},
    "nodeGroups": [{"name": "ng1", "instanceType": "m5.large", "desiredCapacity": 2, "privateNetworking": True}],
    "managedNodeGroups": [{"name": "mng1", "instanceType": "m5.large", "desiredCapacity": 2,
                           "privateNetworking": True}],
    "fargateProfiles": [{"name": "fp1", "selectors": [{"namespace": "default"}]}],
}

EXISTING: dict[str, Any] = {
    "metadata": {"name": "adopted"},
    "vpc": {
        "id": "vpc-0123456789abcdef0",
        "subnets": {"private": {
            "us-west-2a": {"id": "subnet-aaaa"},
            "us-west-2b": {"id": "subnet-bbbb"},
            "us-west-2c": {"id": "subnet-cccc"},
        }},
        "publicAccessCIDRs": ["198.51.100.0/24"],
    },
    "managedNodeGroups": [{"name": "mng1", "instanceType": "m5.large", "privateNetworking": True}],
}


def settings(cluster: dict[str, Any] | None = None, *, region: str = "us-west-2", stack: str = "test", **changes: Any):
    """Validated StackSettings from ``BASE`` (or ``cluster``) with top-level keys replaced."""
    doc = copy.deepcopy(cluster if cluster is not None else BASE)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return settings_from_document({"config": {"aws:region": region, "private-eks:cluster": doc}},
                                  stack=stack, source=f"stacks/Pulumi.{stack}.yaml")


def run(s, phase: str = "private", *, bootstrap_cidrs=(), **mock_options):
    """The program for ``phase`` under the mock runtime; ``mock_options`` describe the region."""
    return run_phase(s, phase, mocks=PlanMocks(s, **mock_options), bootstrap_cidrs=bootstrap_cidrs)
