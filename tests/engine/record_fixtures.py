"""Record real engine events as JSON fixtures for the report tests: ``python -m tests.engine.record_fixtures``.

Each fixture is the list of engine events of one operation, exactly as the Pulumi CLI wrote them
to its event log (the JSON that ``pulumi.automation.events.EngineEvent.from_json`` reads), with
this machine's paths replaced by ``<tmp>``, ``<python>`` and ``<repo>``. The operations, on the ``engine`` stack of the
stand-in test project:

- ``preview-new-bootstrap.json``: pass 1's preview of a new stack (every resource created);
- ``up-new-bootstrap.json``: pass 1 itself;
- ``preview-pass2-private.json``, ``up-pass2-private.json``: pass 2 (the cluster's public access
  turned off, its CIDRs dropped);
- ``preview-day2-private.json``: a day-2 change (a node group's sizes) in the private phase;
- ``up-failed-update.json``: an update of the cluster that fails (a ResOpFailedEvent and errors).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pulumi.automation import _stack as auto_stack
from pulumi.automation.errors import CommandError

from tests.engine.harness import ROOT, UNSET, find_cli, make_project, start_moto

FIXTURES = Path(__file__).resolve().parent / "fixtures"


class Recorder:
    """Keeps the raw JSON of every event the automation API reads from the CLI's event log."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._from_json = auto_stack.EngineEvent.from_json

    def __enter__(self) -> "Recorder":
        def record(data: dict) -> Any:
            self.events.append(data)
            return self._from_json(data)

        auto_stack.EngineEvent.from_json = record  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: Any) -> None:
        auto_stack.EngineEvent.from_json = self._from_json  # type: ignore[method-assign]


def _scrub(value: Any, tmp: str) -> Any:
    """The same event with this machine's paths (run folder, Python, repository) replaced."""
    if isinstance(value, str):
        for path, placeholder in ((tmp, "<tmp>"), (sys.prefix, "<python>"), (sys.base_prefix, "<python>"),
                                  (str(ROOT), "<repo>")):
            value = value.replace(path, placeholder)
        return value
    if isinstance(value, list):
        return [_scrub(v, tmp) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, tmp) for k, v in value.items()}
    return value


def main() -> int:
    bin_dir, how = find_cli()
    if bin_dir is None:
        print(f"record_fixtures: {how}", file=sys.stderr)
        return 1
    moto = start_moto()
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), bin_dir, Path(tmp, "home"), moto.url)
        Path(tmp, "home").mkdir()
        for key in UNSET:
            os.environ.pop(key, None)
        os.environ.update(project.env)

        def run(name: str, phase: str, op: str, *, expect_failure: bool = False) -> None:
            stack = project.stack(phase=phase)
            with Recorder() as rec:
                try:
                    getattr(stack, op)(on_event=lambda e: None)
                except CommandError:
                    if not expect_failure:
                        raise
            events = [_scrub(e, tmp) for e in rec.events]
            (FIXTURES / name).write_text(json.dumps(events, indent=1, sort_keys=True) + "\n")
            print(f"record_fixtures: {name}: {len(events)} events")

        FIXTURES.mkdir(exist_ok=True)
        run("preview-new-bootstrap.json", "bootstrap", "preview")
        run("up-new-bootstrap.json", "bootstrap", "up")
        run("preview-pass2-private.json", "private", "preview")
        run("up-pass2-private.json", "private", "up")

        stack_file = project.dir / "stacks" / "Pulumi.engine.yaml"
        doc = yaml.safe_load(stack_file.read_text())
        doc["config"]["private-eks:cluster"]["managedNodeGroups"][0].update(desiredCapacity=3, maxSize=5)
        stack_file.write_text(yaml.safe_dump(doc, sort_keys=False))
        run("preview-day2-private.json", "private", "preview")

        project.fault("update", "cluster")
        run("up-failed-update.json", "bootstrap", "up", expect_failure=True)
    moto.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
