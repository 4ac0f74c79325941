"""Fuzzed settings: the validator returns settings or structured problems, never another exception."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components import input_files
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


# Hostile documents: values nested thousands deep, integers of thousands of digits, floats that
# overflow, long strings — placed anywhere in a valid document. Each must end in settings or
# problems within a budget the test measures itself (a hang detector, not a speed target).
BUDGET = 10.0


def _nest(value, depth: int, kind: str):
    for _ in range(depth):
        value = [value] if kind == "list" else {"metadata": value}
    return value


hostile = st.one_of(
    st.builds(_nest, scalars, st.integers(1_000, 10_000), st.sampled_from(["list", "dict"])),
    st.integers(min_value=2**31, max_value=10**4000) | st.integers(min_value=-10**4000, max_value=-2**31),
    st.floats(min_value=1e300, allow_infinity=True) | st.just(float("nan")),
    st.text(min_size=1_000, max_size=5_000),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.data())
def test_deep_and_huge_values_give_problems_within_the_budget(seed, data):
    doc = copy.deepcopy(seed)
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = data.draw(hostile)
    started = time.monotonic()
    _validate(doc)
    assert time.monotonic() - started < BUDGET


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(100, 10_000), st.sampled_from(["[", "{a: ", "- "]))
def test_deeply_nested_yaml_text_is_refused_within_the_budget(depth, opener):
    closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
    body = opener * depth + ("x" if opener == "- " else "") + closer * depth
    text = "config:\n  aws:region: us-west-2\n  private-eks:cluster:\n    vpc:\n      " + body + "\n"
    started = time.monotonic()
    try:
        input_files.load_yaml(text)
    except yaml.YAMLError as e:
        assert "nested more than" in str(e) or "holds more than" in str(e)
    else:
        raise AssertionError("a document nested this deep must be refused")
    assert time.monotonic() - started < BUDGET
