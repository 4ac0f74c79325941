"""The import's carried fields come from the settings models (automation/eksctl/spec.py): only the
overrides are written out, so a field added to a settings model is carried with no import change."""

from __future__ import annotations

from typing import Any

import pytest

from automation.eksctl import spec as spec_module
from automation.eksctl.walk import DROP, KEEP, Map, Walk, derive
from components.settings import ClusterSettings, Metadata, NodeGroup, Taint, field_paths


class _Owner(Taint):
    """A new nested settings model (for the test only)."""


class _MetadataPlus(Metadata):
    owner: str | None = None
    cost_centre: _Owner | None = None


class _NodeGroupPlus(NodeGroup):
    warm_pool_size: int | None = None


class _ClusterPlus(ClusterSettings):
    metadata: _MetadataPlus  # type: ignore[assignment]
    node_groups: list[_NodeGroupPlus] = []  # type: ignore[assignment]


def _walk(spec: Map, doc: dict[str, Any]) -> tuple[dict[str, Any], Walk]:
    walk = Walk()
    return walk.step(doc, spec, "", ""), walk


def test_a_field_added_to_a_settings_model_is_carried_without_touching_the_import():
    """Fields added to Metadata and NodeGroup (a plain value, a nested model, a list item field) are
    carried by the spec derived with the import's own overrides, unchanged; before they were added
    the same input drops them."""
    doc = {"metadata": {"name": "c", "owner": "team-a", "costCentre": {"key": "k", "effect": "NoSchedule"}},
           "nodeGroups": [{"name": "ng", "warmPoolSize": 2, "taints": {"a": "b:NoSchedule"}}]}
    carried, walk = _walk(derive(_ClusterPlus, spec_module.OVERRIDES), doc)
    assert walk.dropped == []
    assert carried["metadata"] == doc["metadata"]
    assert carried["nodeGroups"][0]["warmPoolSize"] == 2
    # The overrides still apply to the new model's node groups: map-form taints are translated.
    assert carried["nodeGroups"][0]["taints"] == [{"key": "a", "value": "b", "effect": "NoSchedule"}]
    # A key the new nested model does not have is dropped with the model's own keys suggested.
    _, walk = _walk(derive(_ClusterPlus, spec_module.OVERRIDES),
                    {"metadata": {"name": "c", "costCentre": {"keys": "k"}}})
    assert [(d.path, d.reason) for d in walk.dropped] == [
        ("metadata.costCentre.keys", "private-eks has no setting for it (did you mean 'key'?)")]

    _, before = _walk(spec_module.SPEC, doc)
    assert {d.path for d in before.dropped} == {"metadata.owner", "metadata.costCentre", "nodeGroups[0].warmPoolSize"}


def test_the_carried_paths_are_the_models_paths_but_for_the_overrides():
    """Every settings path (components.settings.field_paths) is carried except those the overrides
    drop or note; the one carried path the models lack is metadata.region (Pulumi's aws:region)."""
    carried = set(spec_module.carried_paths())
    models = set(field_paths())
    assert carried - models == {"metadata.region"}
    assert models - carried == {"vpc.subnets.public", "vpc.clusterEndpoints"}
    assert spec_module.OVERRIDES["vpc.subnets.public"] is DROP


def test_an_override_of_no_path_is_refused():
    """A misspelt override would silently carry nothing: derive refuses it by name."""
    with pytest.raises(ValueError, match="nodeGroup\\[\\]\\.taints"):
        derive(ClusterSettings, {"nodeGroup[].taints": KEEP})


def test_a_new_top_level_section_is_written_to_the_stack_file():
    """A section the stack file's order does not list follows the listed ones instead of being lost."""

    class _WithSection(_ClusterPlus):
        warm_pools: _Owner | None = None

    spec = derive(_WithSection, spec_module.OVERRIDES)
    carried, walk = _walk(spec, {"warmPools": {"key": "k"}, "vpc": {"cidr": "10.0.0.0/16"}, "metadata": {"name": "c"}})
    assert walk.dropped == []
    assert list(spec_module.sections(carried, spec)) == ["metadata", "vpc", "warmPools"]
    # Today every section of the models has its place in the order.
    assert set(spec_module.SECTION_ORDER) == set(spec_module.SPEC.fields)
