"""The offline work from Python (automation/api.py): validate, plan and diff, typed for embedders
(PEP 561 py.typed; Literal modes a type checker enforces), every error under PrivateEksError."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import automation
from automation import InvalidSettings, Plan, PrivateEksError, ValidationResult, offline_plan, plan_diff, validate_stack
from components.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "stacks" / "Pulumi.dev.yaml"


def test_validate_plan_and_diff_from_python(tmp_path):
    ok = validate_stack(DEV)
    assert isinstance(ok, ValidationResult) and ok.valid and ok.stack == "dev" and ok.region == "us-west-2"
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config:\n  aws:region: us-west-2\n  private-eks:cluster:\n    metadata: {name: x, version: '1.33'}\n"
                   "    vpc: {cidr: 10.0.0.0/33}\n")
    verdict = validate_stack(bad)
    assert not verdict.valid and any("vpc.cidr" in p for p in verdict.problems)
    with pytest.raises(InvalidSettings):
        verdict.raise_for_problems()
    plan = offline_plan(DEV)
    assert isinstance(plan, Plan) and plan.phases == ("bootstrap", "private") and plan.to_json().startswith("{")
    assert Plan.from_json(plan.to_json()) == plan
    assert not plan_diff(plan, plan).changed
    with pytest.raises(PrivateEksError) as e:
        offline_plan(bad)
    assert e.value.exit_code == 2


def test_every_settings_error_is_a_private_eks_error():
    """The file loader's SettingsError is under the one root (components/errors.py), exit code 2."""
    assert issubclass(SettingsError, PrivateEksError) and SettingsError.exit_code == 2
    assert issubclass(InvalidSettings, SettingsError)


def test_the_exports_are_real_and_the_packages_ship_py_typed():
    for name in automation.__all__:
        assert getattr(automation, name) is not None
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package in ("automation", "components"):
        assert "py.typed" in data[package] and (ROOT / package / "py.typed").is_file()


EMBED = '''
from automation import Runner, offline_plan, plan_diff, validate_stack

runner = Runner(".", "dev")
runner.up(bootstrap="auto")
runner.preview(bootstrap="never")
plan = offline_plan("stacks/Pulumi.dev.yaml", phase="private")
cost: float = plan.endpoint_cost_per_hour
ok: bool = validate_stack("stacks/Pulumi.dev.yaml").valid
n: int = plan_diff(plan, plan).counts()["replace"]
'''


def run_mypy(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    script = tmp_path / "embed.py"
    script.write_text(text)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent", "--ignore-missing-imports",
         "--python-version", "3.11", "--config-file", "", str(script)],
        capture_output=True, text=True, cwd=tmp_path, env={"MYPYPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=600)


def test_a_type_checker_accepts_the_embedding_and_refuses_a_mode_that_does_not_exist(tmp_path):
    good = run_mypy(tmp_path, EMBED)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = run_mypy(tmp_path, EMBED + 'runner.up(bootstrap="sometimes")\noffline_plan("x", phase="all")\n')
    assert bad.returncode == 1
    assert "embed.py:11: error" in bad.stdout and "Literal['sometimes']" in bad.stdout
    assert "embed.py:12: error" in bad.stdout and "Literal['all']" in bad.stdout


def test_the_readmes_offline_python_example_runs():
    import re

    readme = (ROOT / "README.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "offline_plan" in b]
    done = subprocess.run([sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("True ()")
