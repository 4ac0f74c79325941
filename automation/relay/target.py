"""Which relay a deployed stack has (docs/architecture.md §11): its function and cluster, read
from the stack's outputs in the state backend, and the region from its stack file."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from automation.errors import ConfigurationError
from automation.project import Project
from components.relay.protocol import OUTPUT_FUNCTION
from components.settings import StackSettings

ENABLE = "privateCluster.apiRelay.enabled: true"


@dataclass(frozen=True)
class RelayTarget:
    stack: str
    function_name: str
    cluster_name: str
    region: str


def target_from_outputs(stack: str, stack_file: str, region: str, outputs: Mapping[str, Any] | None) -> RelayTarget:
    """The relay the outputs name; a stack never deployed, or deployed without a relay, is bad
    input (exit 2) saying how to get one."""
    if outputs is None:
        raise ConfigurationError(f"stack {stack} is not deployed (no state in the backend): `private-eks up -s {stack}` "
                                 f"with {ENABLE} in {stack_file} first")
    function, cluster = outputs.get(OUTPUT_FUNCTION), outputs.get("clusterName")
    if not isinstance(function, str) or not function or not isinstance(cluster, str) or not cluster:
        raise ConfigurationError(f"stack {stack} has no API relay (no {OUTPUT_FUNCTION} output): set {ENABLE} in "
                                 f"{stack_file} and run `private-eks up -s {stack}`")
    return RelayTarget(stack, function, cluster, region)


def read_target(project: Project, stack: str, env: Mapping[str, str] | None = None, *,
                also: Sequence[Callable[[StackSettings], Any]] = ()) -> RelayTarget:
    """The stack's relay, from its outputs as the deployment records them (readable without the
    secrets passphrase: neither output is a secret). Needs the Pulumi CLI and the state backend;
    those and the checks ``also`` (given the settings) are listed together when missing (exit 2)."""
    from automation import prerequisites
    from automation.passes import deployment_outputs
    from automation.workspace import Workspace

    settings = project.settings(stack)
    workspace = Workspace(project, stack, settings, env={**os.environ, **(env or {})}, extra_env=dict(env or {}))
    prerequisites.check(stack, [workspace.environment, workspace.command,
                                *(functools.partial(check, settings) for check in also)])
    stk = workspace.select(lambda: None, create=False)
    outputs = None if stk is None else deployment_outputs(workspace.deployment(stk))
    return target_from_outputs(stack, project.relative(project.stack_file(stack)), settings.region, outputs)
