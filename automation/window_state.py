"""Is the bootstrap window open? One answer for ``status``, ``up``, ``close`` and every failure path.

The stack's state can be behind AWS: a run killed (or a Pulumi CLI that died) while EKS was
applying public access leaves a pending operation, or nothing at all, where AWS has a public
endpoint. So the answer combines three sources, and never says "closed" on the state's word
alone when the cluster may exist:

- the state's resources (:func:`automation.passes.stack_state`),
- its pending operations (a run that died applying public access),
- AWS's DescribeCluster (``resourcesVpcConfig.endpointPublicAccess``).

When AWS cannot be asked and the state holds a cluster (or a pending one), the answer is
*unknown*: the callers say so and exit 3 rather than print "closed".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from automation.passes import (
    PendingOperation,
    StackState,
    cluster_resources,
    deployment_outputs,
    pending_operations,
    stack_state,
)


@dataclass(frozen=True)
class AwsAnswer:
    """The cluster's public access as AWS has it. ``public`` None: AWS has no such cluster, was
    not asked (no ``cluster_access`` configured) or could not be asked (``failed``)."""

    public: bool | None
    note: str
    failed: bool = False


NOT_ASKED = AwsAnswer(None, "")


def ask_aws(cluster_access: Callable[[Any], Any] | None, settings: Any) -> AwsAnswer:
    """DescribeCluster through ``cluster_access(settings)`` (None: configured never to ask)."""
    if cluster_access is None:
        return AwsAnswer(None, "AWS not asked")
    try:
        access = cluster_access(settings)
    except Exception as e:  # AWS unreachable, no credentials: said, never taken for "closed"
        return AwsAnswer(None, f"AWS could not be asked: {e}", failed=True)
    if access is None:
        return AwsAnswer(None, f"AWS has no cluster {settings.cluster.metadata.name} in {settings.region}")
    return AwsAnswer(bool(access.public), "from AWS (DescribeCluster)")


def window_open(state: StackState, pending: Sequence[PendingOperation], aws_public: bool | None) -> bool:
    """The rule: open when the state says so or AWS says so; when AWS gave no answer, also when a
    run died applying public access to the cluster (the pending operation's inputs say so)."""
    if state is StackState.BOOTSTRAP or aws_public is True:
        return True
    if aws_public is None:
        return any(op.cluster and op.public_access for op in pending)
    return False


@dataclass(frozen=True)
class WindowVerdict:
    state: StackState
    pending: tuple[PendingOperation, ...]
    aws: AwsAnswer
    has_cluster: bool  # the state holds a cluster or a pending operation on one

    @property
    def open(self) -> bool:
        return window_open(self.state, self.pending, self.aws.public)

    @property
    def unknown(self) -> bool:
        """Not open as far as anything tells, but AWS could not be asked about a cluster that may exist."""
        return not self.open and self.has_cluster and self.aws.failed

    @property
    def behind(self) -> bool:
        """AWS has public access on while the state does not say so: a refresh must come first."""
        return self.aws.public is True and self.state is not StackState.BOOTSTRAP

    def describe(self) -> str:
        if self.open:
            why = "AWS says public access is ON" if self.aws.public else (
                "the state says public access is ON" if self.state is StackState.BOOTSTRAP
                else "a run died applying public access (pending operation)")
            return f"the public endpoint is ON ({why})"
        if self.unknown:
            return f"whether the public endpoint is on is UNKNOWN ({self.aws.note})"
        return "the public endpoint is off" + (f" ({self.aws.note})" if self.aws.note else "")


def judge(deployment: Mapping[str, Any], ask: Callable[[], AwsAnswer]) -> WindowVerdict:
    """The verdict from an exported deployment; AWS is asked only when a cluster may exist."""
    resources = list(deployment.get("resources") or [])
    state = stack_state(deployment_outputs(deployment), resources)
    pending = tuple(pending_operations(deployment))
    has_cluster = bool(cluster_resources(resources)) or any(op.cluster for op in pending)
    return WindowVerdict(state, pending, ask() if has_cluster else NOT_ASKED, has_cluster)
