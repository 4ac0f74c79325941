"""One answer to "is the window open?" (automation/window_state.py) for status, up, close and the
failure paths: the state, its pending operations and AWS's DescribeCluster
(``cluster.resourcesVpcConfig.endpointPublicAccess``, botocore/data/eks/2017-11-01/service-2.json
VpcConfigResponse). When AWS cannot be asked about a cluster that may exist, the answer is
"unknown", never "closed"."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from automation.passes import StackState
from automation.window_state import AwsAnswer, ask_aws, judge

CLUSTER = "urn:pulumi:dev::private-eks::eks:index:Cluster$aws:eks/cluster:Cluster::dev-eksCluster"
SETTINGS = SimpleNamespace(region="us-west-2", cluster=SimpleNamespace(metadata=SimpleNamespace(name="dev")))


def cluster(public: bool) -> dict:
    return {"urn": CLUSTER, "type": "aws:eks/cluster:Cluster", "custom": True,
            "outputs": {"name": "dev", "vpcConfig": {"endpointPublicAccess": public}}}


def pending(public: bool) -> dict:
    return {"type": "creating", "resource": {"urn": CLUSTER, "type": "aws:eks/cluster:Cluster", "custom": True,
                                             "inputs": {"name": "dev", "vpcConfig": {"endpointPublicAccess": public}}}}


def deployment(resources=(), ops=()) -> dict:
    return {"resources": list(resources), "pending_operations": list(ops)}


def raises(settings):
    raise ConnectionError("could not connect to the endpoint URL")


@pytest.mark.parametrize("dep, access, open_, unknown", [
    # The case: the state says private (or holds nothing but a pending create), AWS says ON.
    (deployment([cluster(False)]), SimpleNamespace(public=True), True, False),
    (deployment(ops=[pending(False)]), SimpleNamespace(public=True), True, False),
    # AWS cannot be asked: a state that says private is not believed: unknown.
    (deployment([cluster(False)]), raises, False, True),
    # ... but a pending create of public access is open whatever AWS says when it cannot answer.
    (deployment(ops=[pending(True)]), raises, True, False),
    # AWS says off and the state agrees: closed.
    (deployment([cluster(False)]), SimpleNamespace(public=False), False, False),
    # AWS has no such cluster and nothing is pending: closed.
    (deployment([cluster(False)]), None, False, False),
    # No cluster anywhere: AWS is not asked at all.
    (deployment(), raises, False, False),
])
def test_the_verdict_combines_state_pending_and_aws(dep, access, open_, unknown):
    asked = []

    def cluster_access(settings):
        asked.append(settings)
        return access(settings) if callable(access) else access

    verdict = judge(dep, lambda: ask_aws(cluster_access, SETTINGS))
    assert (verdict.open, verdict.unknown) == (open_, unknown)
    assert bool(asked) == bool(dep["resources"] or dep["pending_operations"])
    if unknown:
        assert "UNKNOWN" in verdict.describe() and "could not connect" in verdict.describe()


def test_aws_behind_the_state_asks_for_a_refresh_first():
    verdict = judge(deployment([cluster(False)]), lambda: AwsAnswer(True, "from AWS"))
    assert verdict.behind and verdict.state is StackState.PRIVATE
    assert "AWS says public access is ON" in verdict.describe()


def test_the_status_result_uses_the_same_rule():
    from automation.results import StatusResult

    s = StatusResult("dev", True, StackState.PRIVATE, aws_public_access=None, aws_note="AWS could not be asked: x",
                     aws_failed=True)
    assert not s.window_open and s.window_unknown and s.to_json()["windowUnknown"] is True
