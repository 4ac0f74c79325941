"""The pass decision of DESIGN §6, for every state, and the inputs it is computed from."""

import pytest

from automation.errors import ConfigurationError
from automation.passes import (
    Pass,
    StackState,
    cluster_resources,
    decide_passes,
    needs_kubernetes_api,
    stack_state,
)
from automation.report import ResourceChange

B, P = "bootstrap", "private"


def phases(passes: list[Pass]) -> list[str]:
    return [p.phase for p in passes]


# --------------------------------------------------------------------------- decide_passes


@pytest.mark.parametrize("kubernetes", [False, True])
@pytest.mark.parametrize("bootstrap", ["auto", "always"])
def test_new_stack_opens_then_closes(kubernetes, bootstrap):
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
@pytest.mark.parametrize("bootstrap", ["auto", "always"])
def test_every_plan_ends_closed(state, kubernetes, bootstrap):
    passes = decide_passes(state, kubernetes_changes=kubernetes, bootstrap=bootstrap)
    assert passes[-1].phase == P and not passes[-1].cluster_only


def test_unknown_bootstrap_mode_is_bad_input():
    with pytest.raises(ConfigurationError, match="auto"):
        decide_passes(StackState.PRIVATE, kubernetes_changes=False, bootstrap="sometimes")  # type: ignore[arg-type]


# ------------------------------------------------------------------- needs_kubernetes_api


def change(op, type_, name="r"):
    return ResourceChange(op=op, type=type_, name=name, urn=f"urn:pulumi:s::p::{type_}::{name}")


@pytest.mark.parametrize("op", ["create", "update", "delete", "replace"])
def test_a_change_to_a_kubernetes_resource_needs_the_api(op):
    assert needs_kubernetes_api([change(op, "kubernetes:core/v1:ConfigMap")])


def test_unchanged_kubernetes_resources_do_not_need_the_api():
    assert not needs_kubernetes_api([change("same", "kubernetes:core/v1:ConfigMap"),
                                     change("read", "kubernetes:core/v1:Namespace")])


def test_aws_changes_do_not_need_the_api():
    assert not needs_kubernetes_api([change("update", "aws:eks/nodeGroup:NodeGroup"),
                                     change("create", "aws:ec2/vpcEndpoint:VpcEndpoint"),
                                     change("update", "pulumi:providers:kubernetes", "k8s")])


@pytest.mark.parametrize("mode", ["CONFIG_MAP", "API_AND_CONFIG_MAP"])
def test_aws_auth_changes_need_the_api_in_configmap_modes(mode):
    assert needs_kubernetes_api([change("update", "eks:index:RandomSuffix", "demo-aws-auth")], mode)
    assert needs_kubernetes_api([change("create", "eks:index:NodeGroupV2", "ng2")], mode)


def test_node_groups_need_no_api_in_api_mode():
    assert not needs_kubernetes_api([change("create", "eks:index:NodeGroupV2", "ng2")], "API")
    assert not needs_kubernetes_api([change("update", "eks:index:RandomSuffix", "demo-aws-auth")], "API")


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
