"""`plan-diff` on hostile plan files (a pull request can hand it anything): exit 2 and a clear
message, never a traceback, a crash on a float or a hang."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automation import plan as offline
from automation.cli import main

BUDGET = 10.0  # a hang detector per input, not a speed target
GOOD = {"stack": "s", "region": "us-west-2", "findings": ["internet gateways: 0"], "endpointCostPerHour": 0.05,
        "passes": [{"phase": "private", "resources": [
            {"type": "aws:ec2/vpc:Vpc", "name": "v", "parent": None, "inputs": {"cidrBlock": "10.0.0.0/16"}}]}]}


def diff_exit(tmp_path: Path, text: str, capsys) -> tuple[int, str]:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(GOOD))
    bad.write_text(text)
    started = time.monotonic()
    code = main(["plan-diff", str(good), str(bad), "--markdown"])
    assert time.monotonic() - started < BUDGET
    return code, capsys.readouterr().err


def with_(**changes) -> str:
    return json.dumps({**GOOD, **changes})


@pytest.mark.parametrize("text, message", [
    (with_(endpointCostPerHour=10**400), "not a finite number"),
    (with_(endpointCostPerHour=1e308).replace("1e+308", "1e999"), "not a finite number"),
    (with_(endpointCostPerHour=1e308).replace("1e+308", "NaN"), "not a finite number"),
    (with_(endpointCostPerHour=True), "not a finite number"),
    ('{"stack": ' + "9" * 5000 + "}", "a number with too many digits"),
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deep"),
    (with_(findings=[json.loads("[" * 200 + "]" * 200)]), "nested more than 64 levels deep"),
])
def test_a_hostile_plan_exits_2_with_a_clear_message(tmp_path, capsys, text, message):
    code, err = diff_exit(tmp_path, text, capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_plan_that_is_a_device_or_too_big_is_refused(tmp_path, capsys):
    assert main(["plan-diff", "/dev/zero", "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(offline.MAX_PLAN_BYTES + 1)
    assert main(["plan-diff", str(big), str(big)]) == 2
    assert "the limit is" in capsys.readouterr().err


def _nest(value, depth: int, kind: str):
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


# Deep and huge values placed where a plan holds free-form data: inputs, findings, the cost.
HOSTILE_VALUES = st.one_of(
    st.builds(_nest, st.just(1), st.integers(60, 3_000), st.sampled_from(["list", "dict"])),
    st.integers(min_value=10**300, max_value=10**4000) | st.integers(max_value=-10**300, min_value=-10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["inputs", "findings", "cost", "name"]), HOSTILE_VALUES)
def test_fuzzed_hostile_plans_diff_or_are_refused_within_the_budget(where, value):
    plan = json.loads(json.dumps(GOOD))
    if where == "inputs":
        plan["passes"][0]["resources"][0]["inputs"]["x"] = value
    elif where == "findings":
        plan["findings"].append(value)
    elif where == "cost":
        plan["endpointCostPerHour"] = value
    else:
        plan["passes"][0]["resources"][0]["name"] = value
    started = time.monotonic()
    try:
        diff = offline.diff_plans(GOOD, plan)
        offline.render_diff_markdown(diff)
        offline.render_diff_text(diff)
    except offline.PlanError as e:
        assert "not a plan" in str(e)
    assert time.monotonic() - started < BUDGET
