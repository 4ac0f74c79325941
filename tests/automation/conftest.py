"""Fixtures of the automation tests: a copy of the project's stack files in a temporary project,
and a clean environment (no AWS credentials, no Pulumi login, no proxy) to run the CLI in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]




def path_without_pulumi() -> str:
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "pulumi").exists()]
    return os.pathsep.join([str(Path(sys.executable).parent), *keep])


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """No AWS credentials or Pulumi login (a fresh HOME), no proxy, no passphrase, no pulumi on PATH."""
    home = tmp_path / "home"
    home.mkdir()
    drop = ("AWS_", "PULUMI_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({"HOME": str(home), "PATH": path_without_pulumi(), "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": str(home / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-creds"),
                "PULUMI_HOME": str(home / ".pulumi"), "PYTHONPATH": str(ROOT)})
    return env
