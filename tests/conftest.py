"""Fixtures shared across test areas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tests.fuzz  # noqa: F401  (loads the hypothesis profile: quick, or full in CI)


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The folder of a Pulumi CLI with the Python dynamic-provider plugin. Locally a missing CLI
    skips with the way to get one; with CI=true it fails: the engine tests must run there."""
    from tests.engine.harness import SHIM, find_cli, in_ci

    bin_dir, how = find_cli()
    if bin_dir is None:
        if in_ci():
            pytest.fail(f"CI=true and the engine tests need a Pulumi CLI: {how}", pytrace=False)
        pytest.skip(how)
    if not (bin_dir / SHIM).exists() and not shutil.which(SHIM):
        message = f"{bin_dir} has no {SHIM} (Python dynamic providers): run scripts/install-pulumi-cli"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return bin_dir


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private-eks project folder: the real Pulumi.yaml and stacks/."""
    root = Path(__file__).resolve().parents[1]
    p = tmp_path / "project"
    p.mkdir()
    shutil.copy(root / "Pulumi.yaml", p / "Pulumi.yaml")
    shutil.copytree(root / "stacks", p / "stacks")
    return p
