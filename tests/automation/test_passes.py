"""The pass decision of docs/architecture.md §6, for every state and bootstrap mode, the inputs it is computed
from, and the window measured from engine events and from the update history."""

import datetime as dt
from types import SimpleNamespace

import pytest

from automation.errors import ConfigurationError, UsageError
from automation.kubernetes_api import preview_needs
from automation.passes import (
    BOOTSTRAP_MODES,
    Pass,
    StackState,
    check_bootstrap_mode,
    cluster_resources,
    decide_passes,
    stack_state,
)
from automation.report import ResourceChange
from automation.window import AccessClock, WindowTracker, last_window

B, P = "bootstrap", "private"


def phases(passes: list[Pass]) -> list[str]:
    return [p.phase for p in passes]


# --------------------------------------------------------------------------- decide_passes


@pytest.mark.parametrize("kubernetes", [False, True])
@pytest.mark.parametrize("bootstrap", ["auto", "always"])
def test_new_stack_opens_then_closes_unless_never(kubernetes, bootstrap):
    passes = decide_passes(StackState.NONE, kubernetes_changes=kubernetes, bootstrap=bootstrap)
    assert phases(passes) == [B, P]
    assert not any(p.cluster_only for p in passes)


def test_window_found_open_is_closed_by_the_whole_private_pass_when_no_kubernetes_change():
    passes = decide_passes(StackState.BOOTSTRAP, kubernetes_changes=False)
    assert phases(passes) == [P]
    assert passes[0].purpose.startswith("resume") and not passes[0].cluster_only


@pytest.mark.parametrize("kubernetes,bootstrap", [(True, "auto"), (False, "always"), (True, "always")])
def test_window_found_open_is_closed_first_then_reopened_for_kubernetes_changes(kubernetes, bootstrap):
    passes = decide_passes(StackState.BOOTSTRAP, kubernetes_changes=kubernetes, bootstrap=bootstrap)
    assert phases(passes) == [P, B, P]
    # Closing first touches the cluster alone: the rest needs the API that is about to close.
    assert passes[0].cluster_only and passes[0].purpose.startswith("resume")
    assert not passes[1].cluster_only and not passes[2].cluster_only


def test_private_stack_without_kubernetes_changes_never_opens_the_window():
    assert phases(decide_passes(StackState.PRIVATE, kubernetes_changes=False)) == [P]


def test_private_stack_with_kubernetes_changes_opens_a_window():
    assert phases(decide_passes(StackState.PRIVATE, kubernetes_changes=True)) == [B, P]


def test_bootstrap_always_opens_a_window_on_a_private_stack():
    assert phases(decide_passes(StackState.PRIVATE, kubernetes_changes=False, bootstrap="always")) == [B, P]


@pytest.mark.parametrize("state", list(StackState))
@pytest.mark.parametrize("kubernetes", [False, True])
@pytest.mark.parametrize("bootstrap", BOOTSTRAP_MODES)
def test_every_plan_ends_closed(state, kubernetes, bootstrap):
    passes = decide_passes(state, kubernetes_changes=kubernetes, bootstrap=bootstrap)
    if not passes:  # never, and the change needs the Kubernetes API: refused, nothing runs
        assert (bootstrap, kubernetes) == ("never", True) and state is not StackState.BOOTSTRAP
        return
    assert passes[-1].phase == P and not passes[-1].cluster_only or passes == [
        Pass(P, "resume: close", cluster_only=True)]


@pytest.mark.parametrize("state", list(StackState))
@pytest.mark.parametrize("kubernetes", [False, True])
def test_never_has_no_bootstrap_pass_in_any_state(state, kubernetes):
    assert B not in phases(decide_passes(state, kubernetes_changes=kubernetes, bootstrap="never"))


def test_never_creates_a_new_stack_in_one_private_pass():
    assert decide_passes(StackState.NONE, kubernetes_changes=False, bootstrap="never") == [Pass(P, "create")]


def test_never_applies_a_day2_change_in_one_private_pass():
    assert decide_passes(StackState.PRIVATE, kubernetes_changes=False, bootstrap="never") == [Pass(P, "apply")]


@pytest.mark.parametrize("state", [StackState.NONE, StackState.PRIVATE])
def test_never_runs_nothing_when_the_change_needs_the_kubernetes_api(state):
    assert decide_passes(state, kubernetes_changes=True, bootstrap="never") == []


def test_never_closes_a_window_found_open_with_the_whole_private_pass():
    assert decide_passes(StackState.BOOTSTRAP, kubernetes_changes=False, bootstrap="never") == [
        Pass(P, "resume: close")]


def test_never_closes_a_window_found_open_with_the_cluster_alone_when_the_rest_needs_the_api():
    # Turning public access off is always allowed; the rest (which needs the API) is refused.
    assert decide_passes(StackState.BOOTSTRAP, kubernetes_changes=True, bootstrap="never") == [
        Pass(P, "resume: close", cluster_only=True)]


def test_unknown_bootstrap_mode_is_a_usage_error_listing_the_three():
    with pytest.raises(UsageError, match="auto, always, never") as bad:
        decide_passes(StackState.PRIVATE, kubernetes_changes=False, bootstrap="sometimes")  # type: ignore[arg-type]
    assert isinstance(bad.value, ConfigurationError) and bad.value.exit_code == 2
    assert "'sometimes'" in str(bad.value)


@pytest.mark.parametrize("mode", BOOTSTRAP_MODES)
def test_the_three_bootstrap_modes_are_accepted(mode):
    assert check_bootstrap_mode(mode) == mode


# ---------------------------------- the one Kubernetes API rule (kubernetes_api.py) on previews


def change(op, type_, name="r"):
    return ResourceChange(op=op, type=type_, name=name, urn=f"urn:pulumi:s::p::{type_}::{name}")


def needs(changes, mode="API"):
    return preview_needs(changes, authentication_mode=mode)


@pytest.mark.parametrize("op", ["create", "update", "delete", "replace"])
def test_a_change_to_a_kubernetes_resource_needs_the_api(op):
    (need,) = needs([change(op, "kubernetes:core/v1:ConfigMap", "aws-auth")])
    assert (need.type, need.name) == ("kubernetes:core/v1:ConfigMap", "aws-auth")
    assert "Kubernetes resource" in need.why


def test_unchanged_kubernetes_resources_do_not_need_the_api():
    assert needs([change("same", "kubernetes:core/v1:ConfigMap"), change("read", "kubernetes:core/v1:Namespace")]) == []


def test_aws_changes_do_not_need_the_api():
    assert needs([change("update", "aws:eks/nodeGroup:NodeGroup"),
                  change("create", "aws:ec2/vpcEndpoint:VpcEndpoint"),
                  change("update", "pulumi:providers:kubernetes", "k8s")]) == []


@pytest.mark.parametrize("mode", ["CONFIG_MAP", "API_AND_CONFIG_MAP"])
def test_aws_auth_changes_and_cluster_creation_need_the_api_in_configmap_modes(mode):
    assert needs([change("update", "eks:index:RandomSuffix", "demo-aws-auth")], mode)
    (created,) = needs([change("create", "eks:index:Cluster", "demo")], mode)
    assert "aws-auth" in created.why and mode in created.why


def test_node_groups_need_the_api_only_in_config_map_mode():
    """pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts: in API_AND_CONFIG_MAP node roles get access
    entries (components/cluster.py); only CONFIG_MAP puts them in aws-auth."""
    node_group = change("create", "eks:index:NodeGroupV2", "ng2")
    assert needs([node_group], "CONFIG_MAP")
    assert needs([node_group], "API_AND_CONFIG_MAP") == []


def test_node_groups_need_no_api_in_api_mode():
    assert needs([change("create", "eks:index:NodeGroupV2", "ng2")]) == []
    assert needs([change("update", "eks:index:RandomSuffix", "demo-aws-auth")]) == []
    assert needs([change("create", "eks:index:Cluster", "demo")]) == []


# ---------------------------------------------------------------------------- stack_state


def eks(public, urn="urn:c"):
    return {"urn": urn, "type": "aws:eks/cluster:Cluster", "custom": True,
            "outputs": {"vpcConfig": {"endpointPublicAccess": public, "endpointPrivateAccess": True}}}


def stand_in(public, urn="urn:s"):
    return {"urn": urn, "type": "pulumi-python:dynamic/standin:Cluster", "custom": True,
            "outputs": {"endpointPublicAccess": public}}


ROOT = {"urn": "urn:root", "type": "pulumi:pulumi:Stack", "custom": False,
        "outputs": {"endpointPublicAccess": True, "endpointPhase": "bootstrap"}}


def test_no_stack_and_no_resources_is_new():
    assert stack_state({}, []) is StackState.NONE


def test_a_stack_with_only_a_network_is_still_new():
    vpc = {"urn": "urn:v", "type": "aws:ec2/vpc:Vpc", "custom": True, "outputs": {"cidrBlock": "10.0.0.0/16"}}
    assert stack_state({}, [vpc]) is StackState.NONE


def test_outputs_in_the_private_phase_mean_private():
    assert stack_state({"endpointPhase": "private"}, [eks(False)]) is StackState.PRIVATE


def test_outputs_in_the_bootstrap_phase_without_a_recorded_cluster_mean_open():
    assert stack_state({"endpointPhase": "bootstrap", "endpointPublicAccess": True}, []) is StackState.BOOTSTRAP


@pytest.mark.parametrize("resource", [eks(True), stand_in(True)])
def test_a_cluster_recorded_with_public_access_is_open_whatever_the_outputs_say(resource):
    # A failed update leaves the outputs of the previous one.
    assert stack_state({"endpointPhase": "private"}, [resource]) is StackState.BOOTSTRAP


def test_a_cluster_recorded_closed_wins_over_stale_bootstrap_outputs():
    assert stack_state({"endpointPhase": "bootstrap", "endpointPublicAccess": True}, [eks(False)]) is StackState.PRIVATE


def test_the_root_stack_outputs_are_not_a_cluster():
    assert cluster_resources([ROOT]) == []


def test_cluster_resources_lists_urn_and_public_access():
    assert cluster_resources([eks(True, "urn:a"), stand_in(False, "urn:b"), ROOT]) == [("urn:a", True), ("urn:b", False)]


def test_resources_pending_deletion_are_ignored():
    assert cluster_resources([{**eks(True), "delete": True}]) == []


# ------------------------------------------------------------------------------ the window

T0 = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def update(message, start, end, result="succeeded", kind="update"):
    return SimpleNamespace(kind=kind, message=message, start_time=at(start), end_time=at(end), result=result)


def newest_first(*entries):
    return list(reversed(entries))


def test_history_window_runs_from_the_bootstrap_pass_start_to_the_closing_private_pass_end():
    history = newest_first(update("private-eks: bootstrap pass", 0, 600), update("private-eks: private pass", 601, 700))
    window = last_window(history, StackState.PRIVATE)
    assert (window.opened_at, window.closed_at, window.seconds()) == (at(0), at(700), 700.0)
    assert window.to_json()["open"] is False and window.to_json()["source"] == "update history"


def test_history_times_are_utc_although_the_sdk_parses_them_naive():
    naive = SimpleNamespace(kind="update", message="private-eks: bootstrap pass", result="failed",
                            start_time=at(0).replace(tzinfo=None), end_time=None)
    assert last_window([naive], StackState.BOOTSTRAP).opened_at == at(0)


def test_history_of_a_stack_created_privately_has_no_window():
    history = newest_first(update("private-eks: private pass", 0, 500), update("private-eks: private pass", 900, 950))
    assert last_window(history, StackState.PRIVATE) is None


def test_history_window_still_open_has_no_close_and_counts_until_now():
    history = newest_first(update("private-eks: bootstrap pass", 0, 600, result="failed"))
    window = last_window(history, StackState.BOOTSTRAP)
    assert window.open and window.opened_at == at(0) and window.seconds(now=at(900)) == 900.0
    # The JSON depends on the state alone (no "until now"): two readers of one stack print the same.
    assert window.to_json()["seconds"] is None and window.to_json()["openedAt"] == at(0).isoformat()


def test_history_a_failed_private_update_does_not_close_the_window():
    history = newest_first(update("private-eks: bootstrap pass", 0, 600),
                           update("private-eks: private pass", 601, 610, result="failed"),
                           update("private-eks: private pass", 620, 640))
    assert last_window(history, StackState.PRIVATE).closed_at == at(640)


def test_history_the_last_of_several_windows_is_reported_and_destroys_are_ignored():
    history = newest_first(update("private-eks: bootstrap pass", 0, 10), update("private-eks: private pass", 11, 20),
                           update("private-eks: destroy", 30, 40, kind="destroy"),
                           update("private-eks: bootstrap pass", 100, 110), update("", 111, 115))
    window = last_window(history, StackState.PRIVATE)  # an untagged update is a plain `pulumi up`: private
    assert (window.opened_at, window.closed_at) == (at(100), at(115))


def test_history_open_state_without_a_bootstrap_pass_is_open_since_unknown():
    window = last_window(newest_first(update("", 0, 10)), StackState.BOOTSTRAP)
    assert window.open and window.opened_at is None and window.seconds() is None


def test_history_a_failed_bootstrap_pass_that_left_nothing_open_is_no_window():
    assert last_window(newest_first(update("private-eks: bootstrap pass", 0, 5, result="failed")),
                       StackState.NONE) is None


CLUSTER = "pulumi-python:dynamic/standin:Cluster"


def pre(urn, op, public, ts, type_=CLUSTER, sequence=0):
    state = SimpleNamespace(inputs={"endpointPublicAccess": public}, custom=True)
    if type_ == "aws:eks/cluster:Cluster":
        state = SimpleNamespace(inputs={"vpcConfig": {"endpointPublicAccess": public}}, custom=True)
    meta = SimpleNamespace(op=op, type=type_, urn=urn, new=state, old=None)
    return SimpleNamespace(resource_pre_event=SimpleNamespace(metadata=meta), res_outputs_event=None,
                           res_op_failed_event=None, timestamp=ts)


def done(urn, failed=False):
    meta = SimpleNamespace(urn=urn)
    return SimpleNamespace(resource_pre_event=None, timestamp=0,
                           res_outputs_event=None if failed else SimpleNamespace(metadata=meta),
                           res_op_failed_event=SimpleNamespace(metadata=meta) if failed else None)


def clock_at(*seconds):
    times = iter(at(s) for s in seconds)
    return AccessClock(now=lambda: next(times))


def test_window_opens_at_the_cluster_step_start_and_closes_when_the_closing_update_is_done():
    one, two = clock_at(90), clock_at(130.5)
    one(pre("urn:c", "create", True, T0.timestamp() + 30))
    one(done("urn:c"))
    two(pre("urn:c", "update", False, T0.timestamp() + 120))
    two(done("urn:c"))
    tracker = WindowTracker()
    tracker.add(one)
    assert tracker.windows == []
    tracker.add(two)
    (window,) = tracker.windows
    assert (window.opened_at, window.closed_at, window.seconds()) == (at(30), at(130.5), 100.5)
    assert window.source == "engine events"


def test_window_of_the_real_eks_cluster_resource_is_read_from_its_vpc_config():
    clock = clock_at(10, 20)
    clock(pre("urn:eks", "create", True, T0.timestamp(), type_="aws:eks/cluster:Cluster"))
    clock(done("urn:eks"))
    clock(pre("urn:eks", "update", False, T0.timestamp() + 15, type_="aws:eks/cluster:Cluster"))
    clock(done("urn:eks"))
    tracker = WindowTracker()
    tracker.add(clock)
    assert [(w.opened_at, w.closed_at) for w in tracker.windows] == [(at(0), at(20))]


def test_a_private_create_opens_no_window():
    clock = clock_at(5)
    clock(pre("urn:c", "create", False, T0.timestamp()))
    clock(done("urn:c"))
    tracker = WindowTracker()
    tracker.add(clock)
    assert tracker.windows == []


def test_a_failed_closing_update_does_not_close_the_window():
    clock = clock_at()
    clock(pre("urn:c", "update", False, T0.timestamp()))
    clock(done("urn:c", failed=True))
    tracker = WindowTracker(already_open=True, open_since=at(-50))
    tracker.add(clock)
    assert tracker.windows == []


def test_a_window_found_open_is_measured_from_the_history_to_the_close():
    clock = clock_at(70)
    clock(pre("urn:c", "update", False, T0.timestamp() + 60))
    clock(done("urn:c"))
    tracker = WindowTracker(already_open=True, open_since=at(-50))
    tracker.add(clock)
    (window,) = tracker.windows
    assert window.seconds() == 120.0 and window.source == "opened: update history; closed: engine events"


def test_an_unchanged_cluster_is_not_an_access_change():
    clock = clock_at()
    clock(pre("urn:c", "same", True, T0.timestamp()))
    assert clock.steps == []
