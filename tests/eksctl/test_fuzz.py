"""Whatever the input, the import ends in a result or one of its typed errors, never a crash."""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from automation.eksctl import EksctlImportError, import_cluster_config
from tests.eksctl.helpers import data
from tests.fuzz import examples

SEED = yaml.safe_load(data("new-vpc-all-fields.yaml").read_text())
KEYS = st.sampled_from(["name", "privateNetworking", "taints", "vpc", "subnets", "private", "id", "cidr",
                        "enabled", "nat", "addons", "ami", "x"]) | st.integers(-2, 2)
LEAVES = st.none() | st.booleans() | st.integers(-3, 5) | st.text(max_size=8) | st.sampled_from(
    ["10.20.0.0/16", "NoSchedule", "v:NoSchedule", "us-west-2a", "1.33", "Disable"])
VALUES = st.recursive(LEAVES, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(KEYS, kids, max_size=3),
                      max_leaves=8)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(SEED) if p and p[0] not in ("apiVersion", "kind")]


def _check(doc):
    try:
        r = import_cluster_config(doc, allow_drop=True)
    except EksctlImportError as e:
        assert e.render()
    else:
        assert yaml.safe_load(r.text) == r.document


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), VALUES)
# Found by this test: a subnet id that is a mapping reached the node group subnet check unhashed.
@example(("vpc", "subnets", "private", "private-a", "id"), {"a": 1})
@example(("vpc", "subnets", "private", "private-a", "id"), ["subnet-1"])
def test_replacing_any_value_never_crashes(path, value):
    doc = copy.deepcopy(SEED)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    _check(doc)


@settings(max_examples=examples(100), deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=4))
def test_arbitrary_sections_never_crash(extra):
    doc = copy.deepcopy(SEED)
    doc.update({k: v for k, v in extra.items() if k not in ("apiVersion", "kind")})
    _check(doc)


@settings(max_examples=examples(100), deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_crashes(text):
    try:
        import_cluster_config(text)
    except EksctlImportError:
        pass
