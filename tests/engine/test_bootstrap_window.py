"""``--bootstrap never`` and the measured window on the real engine. The cluster stand-in journals
each create/update with the access it applied and the time (``EngineProject.access_log``): the
record of the endpoint's public access over time that these tests check the runner against."""

from __future__ import annotations

import math

import pytest

from automation.errors import KubernetesApiNeeded
from automation.passes import StackState
from tests.engine.project import program as standin

pytestmark = pytest.mark.engine


def phases(result) -> list[str]:
    return [p.phase for p in result.passes]


def with_kubernetes_resource(settings, phase, cidrs):
    """The stand-in program plus what an embedding program may add: a Kubernetes ServiceAccount."""
    outputs = standin.build(settings, phase, cidrs)
    standin.StandInKubernetesObject("kubernetes:core/v1:ServiceAccount", "app-sa")
    return outputs


def test_never_creates_a_new_stack_in_one_private_pass_with_public_access_never_on(engine):
    output: list[str] = []
    result = engine.runner(output=output).up(bootstrap="never")

    assert phases(result) == ["private"] and result.passes[0].purpose == "create"
    assert result.initial_state is StackState.NONE
    log = engine.access_log()
    assert log and not any(public for _, public in log)
    assert [(op["op"], op["inputs"]["publicAccessCidrs"]) for op in engine.operations("cluster")] == [("create", [])]
    aws = engine.aws("eks").describe_cluster(name="engine-test")["cluster"]["resourcesVpcConfig"]
    assert (aws["endpointPublicAccess"], aws["endpointPrivateAccess"]) == (False, True)
    assert result.windows == () and result.window_seconds == 0
    assert result.window_json()["seconds"] == 0 and result.bootstrap_cidrs == ()
    status = engine.runner().status()
    assert status.state is StackState.PRIVATE and status.window is None
    assert status.to_json()["window"]["seconds"] == 0
    assert not any("bootstrap" in line for line in output if line.startswith("=== engine: pass"))


def test_never_applies_a_day2_change_privately(engine):
    engine.runner().up(bootstrap="never")
    engine.edit_stack(maxSize=5)  # (not the desired size: the autoscaler owns it after creation)

    result = engine.runner().up(bootstrap="never")

    assert phases(result) == ["private"] and result.passes[0].purpose == "apply"
    assert [(c.op, c.name) for c in result.passes[0].changes] == [("update", "mng-apps")]
    assert engine.resources()["mng-apps"]["outputs"]["maxSize"] == 5
    assert not any(public for _, public in engine.access_log())
    assert result.windows == ()


def test_auto_window_is_open_from_the_clusters_creation_to_the_private_pass_update(engine):
    result = engine.runner().up()

    (opened, was_public), (closed, now_public) = engine.access_log()
    assert (was_public, now_public) == (True, False)
    (window,) = result.windows
    # The measured window contains the recorded one...
    assert window.opened_at.timestamp() <= opened < closed <= window.closed_at.timestamp()
    # ...and starts with the cluster, not with the pass: the cluster waits for the subnets.
    subnets_done = max(op["time"] for op in engine.operations("subnet") if op["op"] == "create")
    assert window.opened_at.timestamp() >= math.floor(subnets_done)
    assert window.closed_at.timestamp() - closed < 10  # the runner's receipt of the engine's event
    assert result.window_seconds == pytest.approx(window.seconds())
    assert result.window_opened_at == window.opened_at and result.window_closed_at == window.closed_at
    # status reads the coarser update history: it contains the measured window.
    status = engine.runner().status().window
    assert status.source == "update history" and not status.open
    assert status.opened_at <= window.opened_at and status.closed_at.timestamp() >= math.floor(closed)


def test_never_refuses_a_config_map_stack_before_anything_is_created(engine):
    engine.set_cluster(accessConfig={"authenticationMode": "CONFIG_MAP"})

    with pytest.raises(KubernetesApiNeeded) as refused:
        engine.runner().up(bootstrap="never")

    assert refused.value.exit_code == 2
    assert [(n.type, n.name) for n in refused.value.needs] == [("kubernetes:core/v1:ConfigMap", "aws-auth")]
    assert "nothing was created or changed" in str(refused.value)
    assert "kubernetes:core/v1:ConfigMap aws-auth: a Kubernetes resource" in refused.value.render()
    assert engine.operations() == []
    assert engine.checkpoint() is None  # the stack made to preview against is gone too


def test_never_refuses_a_day2_kubernetes_resource_and_changes_nothing(engine):
    engine.runner().up(bootstrap="never")
    before, operations = engine.checkpoint(), len(engine.operations())

    with pytest.raises(KubernetesApiNeeded) as refused:
        engine.runner(program=with_kubernetes_resource).up(bootstrap="never")

    assert [(n.type, n.name) for n in refused.value.needs] == [("kubernetes:core/v1:ServiceAccount", "app-sa")]
    assert engine.checkpoint() == before
    assert len(engine.operations()) == operations


def test_auto_opens_a_window_for_a_day2_kubernetes_resource(engine):
    engine.runner().up(bootstrap="never")

    result = engine.runner(program=with_kubernetes_resource).up()

    assert phases(result) == ["bootstrap", "private"]
    assert [public for _, public in engine.access_log()] == [False, True, False]
    assert len(result.windows) == 1 and result.window_seconds > 0


def test_never_closes_a_window_found_open(engine):
    engine.stack(phase="bootstrap").up()  # what an interrupted run leaves: the window open

    result = engine.runner().up(bootstrap="never")

    assert [(p.phase, p.purpose) for p in result.passes] == [("private", "resume: close")]
    assert [public for _, public in engine.access_log()] == [True, False]
    (window,) = result.windows  # opened by the earlier run: its start comes from the update history
    assert window.source == "opened: update history; closed: engine events"
    assert window.closed_at.timestamp() >= engine.access_log()[-1][0]
    assert engine.runner().status().window_open is False


def test_preview_with_never_shows_one_private_pass_or_the_refusal(engine):
    preview = engine.runner().preview(bootstrap="never")

    (only,) = preview.report.passes
    assert (only.phase, only.kind, only.purpose) == ("private", "previewed", "create")
    assert {"vpc", "cluster", "mng-apps"} <= {c.name for c in only.changes if c.op == "create"}
    assert preview.report.bootstrap_cidrs == ()
    engine.set_cluster(accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    with pytest.raises(KubernetesApiNeeded, match="up would refuse it before any change"):
        engine.runner().preview(bootstrap="never")
    assert engine.operations() == [] and engine.checkpoint() is None
