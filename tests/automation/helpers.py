"""Shared builders for the automation tests: stack settings and engine events, written with the
types of ``pulumi.automation.events`` (no fakes of the engine: the engine tests run the real one)."""

from __future__ import annotations

from typing import Any

from pulumi.automation.events import (
    DiagnosticEvent,
    EngineEvent,
    OpType,
    ResOpFailedEvent,
    ResourcePreEvent,
    StepEventMetadata,
    StepEventStateMetadata,
)

from components.settings import StackSettings, settings_from_document


def cluster_doc(region: str = "us-west-2", **vpc: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "demo"},
        "availabilityZones": [f"{region}a", f"{region}b"],
        "vpc": vpc or {"cidr": "10.0.0.0/16"},
        "iam": {"withOIDC": True},
        "managedNodeGroups": [{"name": "m1", "instanceType": "m5.large", "desiredCapacity": 2,
                               "privateNetworking": True}],
    }


def settings(*, region: str = "us-west-2", auth: str | None = None, oidc: bool = True, **vpc: Any) -> StackSettings:
    doc = cluster_doc(region, **vpc)
    doc["iam"] = {"withOIDC": oidc}
    if auth:
        doc["accessConfig"] = {"authenticationMode": auth}
    return settings_from_document({"config": {"aws:region": region, "private-eks:cluster": doc}},
                                  stack="demo", source="stacks/Pulumi.demo.yaml")


URN = "urn:pulumi:demo::private-eks::{type}::{name}"
_sequence = iter(range(1, 1_000_000))


def step(op: str, type_: str, name: str, *, diffs: list[str] | None = None, keys: list[str] | None = None,
         inputs: dict[str, Any] | None = None, custom: bool = True) -> EngineEvent:
    urn = URN.format(type=type_, name=name)
    state = StepEventStateMetadata(type=type_, urn=urn, id="", parent="", provider="", custom=custom,
                                   inputs=inputs or {}, outputs={})
    meta = StepEventMetadata(op=OpType(op), urn=urn, type=type_, provider="", old=state, new=state,
                             keys=keys, diffs=diffs)
    return EngineEvent(sequence=next(_sequence), timestamp=0, resource_pre_event=ResourcePreEvent(meta))


def diagnostic(message: str, severity: str = "error") -> EngineEvent:
    return EngineEvent(sequence=next(_sequence), timestamp=0,
                       diagnostic_event=DiagnosticEvent(message=message, color="never", severity=severity))


def failed(type_: str, name: str) -> EngineEvent:
    urn = URN.format(type=type_, name=name)
    meta = StepEventMetadata(op=OpType.UPDATE, urn=urn, type=type_, provider="")
    return EngineEvent(sequence=next(_sequence), timestamp=0,
                       res_op_failed_event=ResOpFailedEvent(metadata=meta, status=1, steps=1))
