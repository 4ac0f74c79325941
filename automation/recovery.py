"""Bringing the state back in line with AWS before a run: a killed run can leave the state behind
(pending operations, the cluster's public access changed without the state hearing of it), and the
autoscaler owns the node groups' desired sizes. Also the version checks against the deployed
cluster, which a window found open makes a security problem.
"""

from __future__ import annotations

from typing import Any, Mapping

from pulumi import automation as auto

from automation import report, upgrades
from automation.aws import pending_creates
from automation.passes import StackState, cluster_resources, deployment_outputs, pending_operations, stack_state
from automation.stack_operations import StackOperations
from automation.upgrades import UpgradeRefused
from automation.window import last_window
from automation.window_state import AwsAnswer
from automation.workspace import pulumi_errors


class Recovery(StackOperations):
    """The runner's reading back from AWS: recovery of a state left behind, desired sizes, versions."""

    def _recover(self, stk: auto.Stack, *, closing: bool = False) -> StackState:
        """The stack's state, first brought up to date with AWS when a killed run left it behind:
        pending operations (the cluster's create or update that AWS carried out while the state
        never heard of it), or a cluster whose public access differs between AWS and the state.
        A pending create of the cluster that AWS has is adopted (what ``pulumi refresh
        --import-pending-creates`` does: the operation becomes the resource, with the cluster's
        name as its id), then a refresh reads every resource back from AWS."""
        deployment = self.workspace.deployment(stk)
        resources = list(deployment.get("resources") or [])
        state = stack_state(deployment_outputs(deployment), resources)
        pending = pending_operations(deployment)
        has_cluster = bool(cluster_resources(resources)) or any(op.cluster for op in pending)
        if not has_cluster and not pending:
            return state
        answer = self._ask_aws() if has_cluster else AwsAnswer(None, "")
        aws_public, note = answer.public, answer.note
        behind = aws_public is not None and aws_public != (state is StackState.BOOTSTRAP)
        if not pending and not behind:
            return state
        what = ", ".join(f"{op.type} {report.resource_name(op.urn)}" for op in pending) or \
            f"AWS has public access {'ON' if aws_public else 'off'}"
        self._say(f"=== {self.stack_name}: the state is behind AWS ({what}{'; ' + note if note else ''}): "
                  "reading it back from AWS ===")
        if any(op.type == "creating" for op in pending):
            # A refresh first: it takes the stack's lock, so a run still in progress (whose
            # operations are pending too) is never overwritten by the adoption below.
            self._refresh(stk, closing=closing)
            exported = stk.export_stack()
            deployment, done = pending_creates.resolve(dict(exported.deployment or {}), self._find_created)
            for line in done.lines():
                self._say(f"=== {self.stack_name}: {line} ===")
            if done.adopted or done.cleared:
                stk.import_stack(auto.Deployment(version=exported.version, deployment=deployment))
        self._refresh(stk, closing=closing)
        state = self._state(stk)
        return StackState.BOOTSTRAP if aws_public else state

    def _find_created(self, resource: Mapping[str, Any]) -> str | None:
        """AWS's id for a pending create (automation.aws.pending_creates); the cluster through
        ``cluster_access``, which also knows the engine tests' stand-in."""
        inputs = resource.get("inputs") or {}
        if report.is_cluster_resource(resource.get("type", ""), inputs, custom=resource.get("custom", True)):
            answer = self._ask_aws()
            if answer.failed or self._cluster_access is None:
                raise pending_creates.CannotTell(answer.note)
            return None if answer.public is None else str(inputs.get("name") or self.settings.cluster.metadata.name)
        if self._aws_clients is None:
            self._aws_clients = pending_creates.boto3_clients(self.settings.region)
        return pending_creates.find(resource, self._aws_clients)

    def _refresh_desired_sizes(self, stk: auto.Stack) -> None:
        """Read the node groups' sizes back from AWS before a run: with the desired size ignored
        (the autoscaler's), a change to min or max sends the desired size the state holds, which
        must be the autoscaler's, not the one the stack last applied."""
        urns = [] if self.settings.apply_desired_size else upgrades.autoscaled_urns(self._resources(stk))
        if not urns:
            return
        self._check_interrupt()
        self._say(f"=== {self.stack_name}: reading {len(urns)} node group size(s) back from AWS "
                  "(the autoscaler owns the desired size) ===")
        with self._interruptible("the refresh"), \
                pulumi_errors(self.stack_name, f"stack {self.stack_name}: reading the node groups back from AWS failed"):
            stk.refresh(target=urns, on_output=self._on_output, on_error=self._on_output,
                        message="private-eks: refresh node group sizes")

    def _check_versions(self, stk: auto.Stack) -> None:
        """EKS's upgrade order, against the deployed versions: refused before anything runs. Closing
        a window found open would apply the refused version, so such a refusal is the loud exit 3."""
        try:
            upgrades.check_versions(self.settings, self._resources(stk))
        except UpgradeRefused as refused:
            errors: list[str] = []
            verdict = self._verdict_or_none(stk, errors)
            if verdict is None or verdict.open:
                raise self._left_open(stk, (), errors, f"{refused}; the window found open was not closed, as "
                                      "closing it would apply the refused version: fix metadata.version and run "
                                      "`private-eks up` again") from None
            if verdict.unknown:
                raise self._unknown(verdict, errors) from None
            raise

    def _window_opened_at(self, stk: auto.Stack) -> Any:
        """When the window found open was opened, per the stack's update history (None: unknown)."""
        try:
            window = last_window(stk.history(page_size=50), StackState.BOOTSTRAP)
        except auto.CommandError:
            return None
        return window.opened_at if window else None
