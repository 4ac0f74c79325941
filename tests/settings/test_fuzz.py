"""Fuzzed settings: the validator returns settings or structured problems, never another exception."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.settings import Problem, SettingsError, StackSettings, field_paths, settings_from_document
from tests.fuzz import examples

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [yaml.safe_load((ROOT / "stacks" / f"Pulumi.{s}.yaml").read_text()) for s in ("dev", "existing-vpc")]

# Keys the schema knows, plus near misses, so mutations land on real paths most of the time.
KEYS = sorted({p.split(".")[-1].replace("[]", "") for p in field_paths()} | {"<name>", "region", "clusterEndpoints"})
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10_000), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from(["10.0.0.0/16", "0.0.0.0/0", "1.2.3.4/40", "us-west-2a", "eu-south-1", "API", "autoscaling"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=12,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_documents(draw):
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            doc = draw(values) if action == "replace" else doc
            continue
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
        except (KeyError, IndexError, TypeError):
            continue
        last = path[-1]
        if action == "replace":
            parent[last] = draw(values)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][draw(st.sampled_from(KEYS))] = draw(values)
        elif isinstance(parent[last], list):
            parent[last].append(draw(values))
    return doc


def _validate(doc) -> None:
    try:
        result = settings_from_document(doc, stack="fuzz", source="Pulumi.fuzz.yaml")
    except SettingsError as e:
        assert e.problems, "an error must carry at least one problem"
        assert all(isinstance(p, Problem) and isinstance(p.path, str) and p.message for p in e.problems)
        assert e.render().startswith("Pulumi.fuzz.yaml:")
    else:
        assert isinstance(result, StackSettings)


@settings(max_examples=examples(1500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_give_settings_or_problems(doc):
    _validate(doc)


@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(values, st.fixed_dictionaries({"config": values}),
                 st.fixed_dictionaries({"config": st.fixed_dictionaries({"aws:region": values, "private-eks:cluster": values})})))
def test_random_documents_give_settings_or_problems(doc):
    _validate(doc)
