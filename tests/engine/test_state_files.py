"""State on disk is owner-only: the local state folder (checkpoints, backups, history, locks) and
the runner's workspaces (copies of stack files with Pulumi's secrets keys), on the real engine."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_local_state_folder_and_workspaces_are_owner_only(engine, monkeypatch):
    monkeypatch.delenv("PULUMI_BACKEND_URL")
    del engine.env["PULUMI_BACKEND_URL"]  # no backend configured: the runner's .pulumi-state/
    old = os.umask(0o022)  # the usual umask: what Pulumi and Python would create readable by all
    try:
        engine.runner().up()
    finally:
        os.umask(old)
    state = engine.dir / ".pulumi-state"
    assert (state / ".pulumi" / "stacks").is_dir(), "the checkpoint went to the local state folder"
    assert (state / ".pulumi" / "backups").is_dir() or (state / ".pulumi" / "history").is_dir()
    workspace = state / "workspaces" / "engine"
    assert mode(state) == 0o700 and mode(state / "workspaces") == 0o700 and mode(workspace) == 0o700
    copy = workspace / "stacks" / "Pulumi.engine.yaml"
    assert "encryptionsalt" in copy.read_text()
    # Everything inside too, Pulumi's checkpoints, backups and history included.
    for folder, _dirs, files in os.walk(state):
        assert mode(Path(folder)) == 0o700, folder
        assert all(mode(Path(folder, f)) == 0o600 for f in files), (folder, files)
    assert any(f.endswith(".json") for _, _, files in os.walk(state / ".pulumi" / "stacks") for f in files)


def test_a_state_folder_made_readable_is_tightened_on_the_next_run(engine):
    state = engine.dir / ".pulumi-state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    engine.runner().status()
    assert mode(state) == 0o700


def test_a_file_backend_the_runner_creates_is_owner_only(engine, monkeypatch, tmp_path):
    backend = tmp_path / "new" / "backend"
    monkeypatch.setenv("PULUMI_BACKEND_URL", backend.as_uri())
    engine.env["PULUMI_BACKEND_URL"] = backend.as_uri()
    engine.runner().up()
    assert (backend / ".pulumi" / "stacks").is_dir()
    assert all(mode(Path(d)) == 0o700 and all(mode(Path(d, f)) == 0o600 for f in fs) for d, _, fs in os.walk(backend))
