"""The harness itself, without the Runner: the built CLI runs the stand-in program for real."""

import pytest

pytestmark = pytest.mark.engine


def test_the_engine_runs_the_stand_in_program_and_records_access_per_phase(engine):
    stack = engine.stack(phase="bootstrap")
    first = stack.up()
    assert first.summary.result == "succeeded"
    assert first.outputs["endpointPhase"].value == "bootstrap"
    assert engine.cluster_state()["endpointPublicAccess"] is True
    assert engine.cluster_state()["publicAccessCidrs"] == ["203.0.113.7/32"]

    stack = engine.stack(phase="private")
    second = stack.up()
    assert second.summary.resource_changes == {"same": 8, "update": 1}
    cluster = engine.cluster_state()
    assert (cluster["endpointPublicAccess"], cluster["publicAccessCidrs"]) == (False, [])
    assert [h["phase"] for h in cluster["accessHistory"]] == ["bootstrap", "private"]
    assert [op["op"] for op in engine.operations("cluster")] == ["create", "update"]
