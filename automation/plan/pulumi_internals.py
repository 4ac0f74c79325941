"""Every private part of the Pulumi Python SDK the offline plan (automation/plan/) uses, in one
place, each with why it is needed: an SDK upgrade that moves one of them breaks here, by name.

The plan runs the program under Pulumi's mock runtime in this process, several times (once per
phase and stack), and records every registration with its inputs. The SDK's public
``pulumi.runtime.set_mocks`` covers one run and no recording; the rest below fills the gap.
tests/automation/test_pulumi_internals.py checks that the pinned SDK still has all of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# (module, attribute, why): what the plan needs, checked on import so a missing one fails here.
REQUIRED: tuple[tuple[str, str, str], ...] = (
    ("pulumi.runtime.sync_await", "_sync_await",
     "runs the program's coroutine (and awaits outputs) from synchronous code, as the SDK's own mocks do"),
    ("pulumi.runtime.stack", "run_pulumi_func",
     "runs a program function with its root Stack resource, as `pulumi up` does"),
    ("pulumi.runtime.mocks", "MockMonitor",
     "the mock resource monitor, subclassed to record every registration"),
    ("pulumi.runtime.mocks", "_resolve_callbacks",
     "turns a registration's transform callbacks back into functions (recorded with the resource)"),
    ("pulumi.runtime.rpc", "deserialize_properties",
     "reads a registration's inputs from the RPC request the monitor receives"),
    ("pulumi.runtime.proto.resource_pb2", "RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES",
     "the resource-references feature, switched off (see automation/plan/mocks.py, RecordingMonitor)"),
    ("pulumi.runtime.proto.resource_pb2", "DeploymentInfo",
     "the monitor's answer without the resource-references feature"),
    ("pulumi.runtime.rpc", "_special_sig_key",
     "the key that marks a secret or a resource reference in deserialized inputs (shown as such in plans)"),
    ("pulumi.runtime.rpc", "_special_secret_sig", "the marker of a secret value"),
    ("pulumi.runtime.rpc", "_special_resource_sig", "the marker of a resource reference"),
    ("pulumi.runtime.rpc", "UNKNOWN", "the value of an unknown (computed) input during a run"),
    ("pulumi.runtime.settings", "ROOT",
     "the root Stack resource of the current run: cleared so the next run gets a fresh one"),
    ("pulumi.runtime.settings", "SETTINGS",
     "the RPC manager and pending outputs of the current run: cleared between runs"),
    ("pulumi.runtime.settings", "reset_options",
     "leaves the SDK unconfigured after a plan, so no mock monitor sits behind a later program"),
)


def _get(module: str, attribute: str) -> Any:
    try:
        return getattr(import_module(module), attribute)
    except (ImportError, AttributeError):
        raise ImportError(f"the installed Pulumi SDK has no {module}.{attribute}, which the offline plan needs: "
                          "update automation/plan/pulumi_internals.py for this SDK version") from None


_found = {(m, a): _get(m, a) for m, a, _ in REQUIRED}

sync_await = _found[("pulumi.runtime.sync_await", "_sync_await")]
run_pulumi_func = _found[("pulumi.runtime.stack", "run_pulumi_func")]
MockMonitor = _found[("pulumi.runtime.mocks", "MockMonitor")]
resolve_callbacks = _found[("pulumi.runtime.mocks", "_resolve_callbacks")]
deserialize_properties = _found[("pulumi.runtime.rpc", "deserialize_properties")]
RESOURCE_REFERENCES_FEATURE = _found[("pulumi.runtime.proto.resource_pb2", "RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES")]
DeploymentInfo = _found[("pulumi.runtime.proto.resource_pb2", "DeploymentInfo")]
SIG_KEY = _found[("pulumi.runtime.rpc", "_special_sig_key")]
SECRET_SIG = _found[("pulumi.runtime.rpc", "_special_secret_sig")]
RESOURCE_SIG = _found[("pulumi.runtime.rpc", "_special_resource_sig")]
UNKNOWN = _found[("pulumi.runtime.rpc", "UNKNOWN")]
_settings = import_module("pulumi.runtime.settings")


def reset_runtime() -> None:
    """A fresh root stack and no leftover RPCs or outputs from an earlier run."""
    _settings.ROOT.set(None)
    _settings.SETTINGS.rpc_manager.clear()
    _settings.SETTINGS.outputs.clear()


def reset_options() -> None:
    """The SDK as an unconfigured process has it."""
    _settings.reset_options(project="project", stack="stack", root_directory="root_directory",
                            organization="organization")
