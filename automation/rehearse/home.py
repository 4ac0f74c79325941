"""A Pulumi home the rehearsal owns, with the doubles installed as the exact plugin versions the
pinned SDKs ask for (each package's ``pulumi-plugin.json``).

The engine counts a plugin as installed when ``$PULUMI_HOME/plugins/resource-NAME-vVERSION/``
holds an executable ``pulumi-resource-NAME`` (pulumi pkg/workspace/plugins.go; seen by experiment
with the CLI 3.274.1): nothing else is needed and nothing is downloaded."""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
from pathlib import Path

PACKAGES = ("aws", "eks", "kubernetes")
ROOT = Path(__file__).resolve().parents[2]


def sdk_version(package: str) -> str:
    """The plugin version the installed ``pulumi_<package>`` SDK requests."""
    spec = importlib.util.find_spec(f"pulumi_{package}")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the pulumi_{package} SDK is not installed")
    return json.loads((Path(spec.submodule_search_locations[0]) / "pulumi-plugin.json").read_text())["version"]


def install(home: Path, python: str = sys.executable) -> dict[str, str]:
    """Write the three plugin launchers under ``home``; returns {package: version}."""
    versions = {}
    for package in PACKAGES:
        version = sdk_version(package)
        folder = home / "plugins" / f"resource-{package}-v{version}"
        folder.mkdir(parents=True, exist_ok=True)
        exe = folder / f"pulumi-resource-{package}"
        exe.write_text("#!/bin/sh\n"
                       f"PYTHONPATH={shlex.quote(str(ROOT))}${{PYTHONPATH:+:$PYTHONPATH}} "
                       f"exec {shlex.quote(python)} -m automation.rehearse.plugin {package} \"$@\"\n")
        exe.chmod(0o755)
        versions[package] = version
    return versions
