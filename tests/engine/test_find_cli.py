"""How the engine tests get their Pulumi CLI: PATH, else the build cache, else (CI only) the
build script. Locally a missing CLI is a skip that says how to get one; in CI a CLI that
cannot be had is a failure. (These run without a CLI: they are not engine tests.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.engine import harness


@pytest.fixture
def no_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No pulumi on PATH (nor Go: a build cannot start), an empty build cache."""
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("bash", "env", "dirname", "date", "cat", "mkdir", "rm", "mv", "chmod"):
        for folder in ("/usr/bin", "/bin"):
            if Path(folder, tool).exists():
                (bare / tool).symlink_to(Path(folder, tool))
                break
    monkeypatch.setenv("PATH", str(bare))
    monkeypatch.setenv("PRIVATE_EKS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_cli_on_path_is_used_as_is(no_cli, tmp_path, monkeypatch):
    on_path = tmp_path / "somewhere"
    on_path.mkdir()
    (on_path / "pulumi").write_text("#!/bin/sh\necho v3.274.1\n")
    (on_path / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{on_path}{os.pathsep}{os.environ['PATH']}")

    assert harness.find_cli() == (on_path, "PATH")


def test_a_cached_build_is_found_without_path(no_cli):
    bin_dir = no_cli / "pulumi-cli" / "v3.274.1" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "pulumi").write_text("#!/bin/sh\n")
    (bin_dir / "pulumi").chmod(0o755)

    found, how = harness.find_cli()

    assert found == bin_dir and how.startswith("cache")


def test_locally_a_missing_cli_says_how_to_get_one(no_cli, monkeypatch):
    monkeypatch.delenv("CI", raising=False)

    found, how = harness.find_cli()

    assert found is None
    assert "scripts/install-pulumi-cli" in how


def test_in_ci_a_missing_cli_is_built_and_a_failed_build_is_reported(no_cli, monkeypatch):
    monkeypatch.setenv("CI", "true")

    found, how = harness.find_cli()

    assert found is None
    assert "scripts/install-pulumi-cli failed (exit 1)" in how
    assert "no Go toolchain" in how
