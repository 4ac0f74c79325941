"""automation/plan/ and automation/aws/ re-export their public names, loaded on first use: each
name is its home module's object, no name is hidden by a submodule of the same name, and the
modules other code reads as plain data or on every run stay free of Pulumi and boto3."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["automation.plan", "automation.aws"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_is_the_object_of_its_home_module(package):
    pkg = importlib.import_module(package)
    for home, names in pkg._HOMES.items():
        module = importlib.import_module(home)
        for name in names:
            assert getattr(pkg, name) is getattr(module, name), f"{package}.{name}"
    with pytest.raises(AttributeError, match="not_there"):
        _ = pkg.not_there


@pytest.mark.parametrize("package", PACKAGES)
def test_no_exported_name_is_hidden_by_a_submodule(package):
    """Importing ``package.x`` sets the package's attribute ``x`` to the module: an exported
    function named like a submodule would then read as the module."""
    pkg = importlib.import_module(package)
    submodules = {p.stem for p in Path(pkg.__file__).parent.glob("*.py")}
    assert not set(pkg.__all__) & submodules


def test_the_force_new_table_and_pending_creates_import_without_pulumi_or_boto3():
    code = ("import sys, automation.plan.replacements, automation.aws.pending_creates; "
            "print(sorted(m for m in ('pulumi', 'boto3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
