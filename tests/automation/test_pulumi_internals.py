"""The SDK internals the offline plan needs (automation/plan/pulumi_internals.py) exist in the pinned
Pulumi SDK: an upgrade that drops one fails here by name, not somewhere inside a plan."""

from importlib import import_module

import pytest

from automation.plan import pulumi_internals


@pytest.mark.parametrize("module,attribute,why", pulumi_internals.REQUIRED,
                         ids=[f"{m}.{a}" for m, a, _ in pulumi_internals.REQUIRED])
def test_the_pinned_sdk_has_each_internal_the_plan_needs(module, attribute, why):
    assert hasattr(import_module(module), attribute), f"{module}.{attribute} is gone ({why})"


def test_a_missing_internal_is_a_clear_import_error():
    with pytest.raises(ImportError, match=r"no pulumi\.runtime\.rpc\.not_there.*pulumi_internals\.py"):
        pulumi_internals._get("pulumi.runtime.rpc", "not_there")


def test_the_plan_reaches_the_sdk_internals_only_through_the_one_module():
    from pathlib import Path

    import automation

    root = Path(automation.__file__).parent
    paths = sorted(root.rglob("*.py"))
    assert Path(pulumi_internals.__file__) in paths and len(paths) > 30
    for path in paths:
        if path == Path(pulumi_internals.__file__):
            continue
        text = path.read_text(encoding="utf-8")
        for module, attribute, _ in pulumi_internals.REQUIRED:
            if attribute.startswith("_"):
                assert attribute not in text, f"{path.relative_to(root)} uses {module}.{attribute} directly"
