from __future__ import annotations

from pathlib import Path

import pytest

from automation.rehearse import world


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty world file for the doubles' rules (no moto, no engine)."""
    monkeypatch.setenv(world.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(world.SCALE_ENV, "0")
    return tmp_path
