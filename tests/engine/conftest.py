"""Engine tests: the real Pulumi CLI and engine, a local file backend, the stand-in test project.

The CLI is found on PATH, else in the build cache of ``scripts/install-pulumi-cli``; with
``CI=true`` the script is run to build it, and a CLI that cannot be had fails the tests instead of
skipping them. Every test gets its own copy of ``project/``, its own state folder, a passphrase,
and a faults folder and journal for the stand-ins (see ``project/program.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.harness import UNSET, EngineProject, make_project, reset_moto, start_moto


@pytest.fixture(scope="session")
def pulumi_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Kept apart from the user's ~/.pulumi: no login, plugins or workspace settings leak in or out.
    return tmp_path_factory.mktemp("pulumi-home")


@pytest.fixture(scope="session")
def aws_endpoint():
    """moto's AWS emulation as a server, for the stand-ins' AWS calls and the CLI's checks."""
    server = start_moto()
    yield server.url
    server.stop()


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pulumi_bin: Path, pulumi_home: Path,
           aws_endpoint: str) -> EngineProject:
    reset_moto(aws_endpoint)
    project = make_project(tmp_path, pulumi_bin, pulumi_home, aws_endpoint)
    for key in UNSET:
        monkeypatch.delenv(key, raising=False)
    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    return project
