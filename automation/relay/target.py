"""Which relay a deployed stack has (docs/architecture.md §11): its function and cluster, read
from the stack's outputs in the state backend, and the region from its stack file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from automation.errors import ConfigurationError
from automation.project import Project
from components.relay.protocol import OUTPUT_FUNCTION

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


def read_target(project: Project, stack: str, env: Mapping[str, str] | None = None) -> RelayTarget:
    """The stack's relay, from its outputs as the deployment records them (readable without the
    secrets passphrase: neither output is a secret). Needs the Pulumi CLI and the state backend."""
    from automation.passes import deployment_outputs
    from automation.workspace import Workspace

    settings = project.settings(stack)
    workspace = Workspace(project, stack, settings, env={**os.environ, **(env or {})}, extra_env=dict(env or {}))
    stk = workspace.select(lambda: None, create=False)
    outputs = None if stk is None else deployment_outputs(workspace.deployment(stk))
    return target_from_outputs(stack, project.relative(project.stack_file(stack)), settings.region, outputs)
