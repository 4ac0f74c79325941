"""The Runner end to end on the real engine: two passes, fail closed, resume, day-2, preview,
destroy, many stacks, locks. The stand-in program (project/program.py) records what the engine
did: the cluster's state (``accessHistory``) and a journal of every provider operation."""

from __future__ import annotations

import json
import threading

import pytest

from automation.errors import OperationFailed, StackLocked, WindowLeftOpen
from automation.passes import StackState

pytestmark = pytest.mark.engine

CIDR = "203.0.113.7/32"


def phases(result) -> list[str]:
    return [p.phase for p in result.passes]


def resource_changes(changes) -> list[tuple[str, str]]:
    """(op, name) of the changes (the report already leaves the engine's default providers out)."""
    return [(c.op, c.name) for c in changes]


def history(engine, stack: str = "engine") -> list[tuple[str, bool, list[str]]]:
    return [(h["phase"], h["endpointPublicAccess"], h["publicAccessCidrs"])
            for h in engine.cluster_state(stack)["accessHistory"]]


def test_new_stack_is_created_open_then_closed_in_two_passes(engine):
    output: list[str] = []
    result = engine.runner(output=output).up()

    assert phases(result) == ["bootstrap", "private"]
    assert result.initial_state is StackState.NONE
    assert result.outputs["endpointPhase"] == "private"
    assert result.outputs["endpointPublicAccess"] is False
    assert result.outputs["clusterName"] == "engine-test"
    assert len(result.outputs["privateSubnetIds"]) == 2
    cluster = engine.cluster_state()
    assert (cluster["endpointPublicAccess"], cluster["endpointPrivateAccess"], cluster["publicAccessCidrs"]) == (
        False, True, [])
    assert history(engine) == [("bootstrap", True, [CIDR]), ("private", False, [])]
    aws = engine.aws("eks").describe_cluster(name="engine-test")["cluster"]["resourcesVpcConfig"]
    assert (aws["endpointPublicAccess"], aws["endpointPrivateAccess"]) == (False, True)
    assert any("pass 1/2: bootstrap" in line for line in output)
    assert any("pass 2/2: private" in line for line in output)


def test_pass_two_failure_is_retried_and_the_window_closed(engine):
    # A new stack's cluster is created in pass 1: its first update is pass 2's.
    engine.fault("update", "cluster", times=1)
    runner = engine.runner()

    with pytest.raises(OperationFailed) as failed:
        runner.up()

    assert "turned off again" in str(failed.value)
    assert any("injected fault: update of the cluster" in e for e in failed.value.errors)
    assert engine.cluster_state()["endpointPublicAccess"] is False
    assert history(engine) == [("bootstrap", True, [CIDR]), ("private", False, [])]
    assert [op["op"] for op in engine.operations("cluster")] == ["create", "update", "update"]
    assert runner.status().state is StackState.PRIVATE


def test_failure_after_the_cluster_exists_still_closes_the_window(engine):
    engine.fault("create", "nodeGroup", times="always")

    with pytest.raises(OperationFailed) as failed:
        engine.runner().up()

    assert any("injected fault: create of the nodeGroup" in e for e in failed.value.errors)
    assert engine.cluster_state()["endpointPublicAccess"] is False
    assert engine.cluster_state()["publicAccessCidrs"] == []
    assert engine.runner().status().window_open is False


def test_window_that_cannot_be_closed_is_window_left_open(engine):
    engine.fault("update", "cluster", times="always")

    with pytest.raises(WindowLeftOpen) as left_open:
        engine.runner().up()

    assert "PUBLIC API endpoint is still ON" in str(left_open.value)
    assert left_open.value.cidrs == [CIDR]
    assert engine.cluster_state()["endpointPublicAccess"] is True
    aws = engine.aws("eks").describe_cluster(name="engine-test")["cluster"]["resourcesVpcConfig"]
    assert (aws["endpointPublicAccess"], aws["publicAccessCidrs"]) == (True, [CIDR])
    status = engine.runner().status()
    assert status.window_open and status.endpoint_public_access is True
    # Pass 2, then three attempts to close: each a real update the provider refused.
    refused = [op for op in engine.operations("cluster") if op.get("fault")]
    assert len(refused) == 4


def test_interrupted_run_is_reported_open_and_closed_first(engine):
    # What an interrupted `up` leaves: pass 1 applied, pass 2 never run.
    engine.stack(phase="bootstrap").up()

    status = engine.runner().status()
    assert status.state is StackState.BOOTSTRAP and status.window_open
    assert status.phase == "bootstrap" and status.endpoint_public_access is True

    output: list[str] = []
    result = engine.runner(output=output).up()

    assert result.initial_state is StackState.BOOTSTRAP
    assert [(p.phase, p.purpose) for p in result.passes][0] == ("private", "resume: close")
    assert phases(result) == ["private"]
    assert any("closing it first" in line for line in output)
    assert history(engine) == [("bootstrap", True, [CIDR]), ("private", False, [])]
    assert engine.runner().status().window_open is False


def test_day2_change_without_kubernetes_api_is_one_private_pass(engine):
    engine.runner().up()
    engine.edit_stack(desiredCapacity=3, maxSize=5)

    # The desired size is applied only when asked (after creation it is the autoscaler's).
    result = engine.runner().up(apply_desired_size=True)

    assert phases(result) == ["private"]
    assert resource_changes(result.passes[0].changes) == [("update", "mng-apps")]
    node_group = engine.resources()["mng-apps"]["outputs"]
    assert (node_group["desiredSize"], node_group["maxSize"]) == (3, 5)
    scaling = engine.aws("eks").describe_nodegroup(clusterName="engine-test", nodegroupName="mng-apps")
    assert scaling["nodegroup"]["scalingConfig"]["desiredSize"] == 3
    # The API endpoint was never reopened: the cluster saw no update beyond the first two passes.
    assert history(engine) == [("bootstrap", True, [CIDR]), ("private", False, [])]


def test_bootstrap_always_opens_and_closes_the_window_again(engine):
    engine.runner().up()

    result = engine.runner().up(bootstrap="always", bootstrap_cidrs=["198.51.100.9/32"])

    assert phases(result) == ["bootstrap", "private"]
    assert history(engine)[2:] == [("bootstrap", True, ["198.51.100.9/32"]), ("private", False, [])]
    assert engine.cluster_state()["endpointPublicAccess"] is False


def test_preview_of_a_new_stack_reports_both_passes_from_real_events(engine):
    preview = engine.runner().preview()

    first, second = preview.report.passes
    assert (first.phase, first.kind, second.phase, second.kind) == ("bootstrap", "previewed", "private", "derived")
    created = {c.name for c in first.changes if c.op == "create"}
    assert {"vpc", "cluster", "mng-apps", "endpoints", "private-us-west-2a", "rt-us-west-2b"} <= created
    assert [(c.op, c.name) for c in second.changes] == [("update", "cluster")]
    assert set(second.changes[0].changed) == {"endpointPublicAccess", "publicAccessCidrs"}
    data = json.loads(preview.json())
    assert data["finalEndpointAccess"] == {"public": False, "private": True}
    assert data["bootstrapCidrs"] == [CIDR]
    markdown = preview.markdown()
    assert markdown.startswith("#### ") and "engine" in markdown
    assert "<details>" in markdown and "final API endpoint access: public off" in markdown
    # A preview changes nothing.
    assert engine.operations() == []


def test_preview_of_a_day2_change_lists_the_changed_resource(engine):
    engine.runner().up()
    # (maxSize: a desired size change alone is no change after creation, the autoscaler owns it.)
    engine.edit_stack(maxSize=5)

    preview = engine.runner().preview()

    (only,) = preview.report.passes
    assert (only.phase, only.kind) == ("private", "previewed")
    assert resource_changes(only.changes) == [("update", "mng-apps")]
    assert "mng-apps" in preview.markdown()
    assert engine.resources()["mng-apps"]["outputs"]["maxSize"] == 3


def test_destroy_deletes_every_resource(engine):
    engine.runner().up()

    result = engine.runner().destroy()

    assert result.existed and result.complete
    deleted = {op["kind"] for op in engine.operations() if op["op"] == "delete"}
    assert deleted == {"vpc", "subnet", "routeTable", "endpoints", "cluster", "nodeGroup"}
    assert engine.aws("eks").list_clusters()["clusters"] == []
    assert engine.aws("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.20.0.0/16"]}])["Vpcs"] == []
    assert engine.runner().status().state is StackState.NONE


def test_destroy_force_carries_on_past_a_failing_delete(engine):
    engine.runner().up()
    engine.fault("delete", "routeTable", times="always")

    with pytest.raises(OperationFailed):
        engine.runner().destroy()
    result = engine.runner().destroy(force=True)

    assert not result.complete
    left = {r.name for r in result.remaining}
    # The route tables could not go, nor what they sit in; everything else did.
    assert left == {"rt-us-west-2a", "rt-us-west-2b", "private-us-west-2a", "private-us-west-2b", "vpc"}
    assert {"cluster", "mng-apps", "endpoints"}.isdisjoint(engine.resources())
    assert any("injected fault: delete of the routeTable" in e for e in result.errors)


def test_two_stacks_run_concurrently(engine):
    results, errors = {}, []

    def up(stack: str) -> None:
        try:
            results[stack] = engine.runner(stack).up()
        except Exception as e:  # reported below with the stack's name
            errors.append((stack, e))

    threads = [threading.Thread(target=up, args=(s,)) for s in ("engine", "other")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    assert errors == []
    assert {s: phases(r) for s, r in results.items()} == {"engine": ["bootstrap", "private"],
                                                          "other": ["bootstrap", "private"]}
    assert history(engine, "other") == [("bootstrap", True, ["198.51.100.0/24"]), ("private", False, [])]
    assert engine.cluster_state("engine")["name"] == "engine-test"
    assert engine.cluster_state("other")["name"] == "engine-other"
    assert engine.resources("other")["endpoints"]["outputs"]["services"][-1] == "logs"


def test_second_up_on_a_locked_stack_is_a_clear_error_and_corrupts_nothing(engine):
    engine.slow("create", "cluster", 6)
    first: dict = {}
    worker = threading.Thread(target=lambda: first.setdefault("result", engine.runner().up()))
    worker.start()
    engine.wait_for("create", "cluster")  # the first run is mid-update: it holds the lock

    with pytest.raises(StackLocked) as locked:
        engine.runner().up()
    worker.join(timeout=120)

    assert "stack engine is locked by another update" in str(locked.value)
    assert phases(first["result"]) == ["bootstrap", "private"]
    assert [op["op"] for op in engine.operations("cluster")] == ["create", "update"]
    # Still usable: a further up finds nothing to change.
    again = engine.runner().up()
    assert phases(again) == ["private"] and resource_changes(again.passes[0].changes) == []
