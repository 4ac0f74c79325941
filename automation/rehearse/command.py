"""The rehearsal: the real two-pass ``up`` of the real program on the real engine, against the
provider doubles, in a temporary folder; then a timeline in simulated AWS minutes. The command line
of ``private-eks rehearse`` is automation/cli/rehearse.py."""

from __future__ import annotations

import json
import re
import shutil
import time
from typing import Any, Callable

from automation.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_SECURITY, PrivateEksError
from automation.rehearse import timeline
from automation.rehearse.session import DEFAULT_SECONDS_PER_MINUTE, RUNNER_IP, Session

BOOTSTRAP_MODES = ("auto", "always", "never")
# The runner's line at the start of each engine operation: a pass, a closing attempt, a destroy.
OPERATION_LINE = re.compile(r"^=== [^:]+: (?:[\w ]+ \d+/\d+: (?:bootstrap|private) \(|destroy ===)")


def rehearse(project: Any, stack: str, *, bootstrap: str = "auto", day2: str | None = None, destroy: bool = False,
             preview_head: str | None = None,
             seconds_per_minute: float = DEFAULT_SECONDS_PER_MINUTE, keep: bool = False,
             runner_ip: str = RUNNER_IP, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Rehearse and return the report (``exitCode``, ``operations``, ``timeline``, ``failures``, ``lines``)."""
    session = Session.open(project, seconds_per_minute=seconds_per_minute, runner_ip=runner_ip)
    session.keep = keep
    starts: list[float] = []
    operations: list[dict[str, Any]] = []
    wall = time.monotonic()

    def output(line: str) -> None:
        text = line.rstrip("\n")
        if OPERATION_LINE.match(text):
            starts.append(time.time())
        if text.startswith("===") and progress:
            progress(text)

    def attempt(name: str, fn: Callable[[Any], Any]) -> int:
        runner = session.runner(stack, on_output=output)
        try:
            value = fn(runner)
        except PrivateEksError as e:
            operations.append({"operation": name, "exitCode": e.exit_code, "error": e.render()})
            return e.exit_code
        code = EXIT_OK
        if name.startswith("up") and getattr(value, "audit_findings", None):
            code = EXIT_SECURITY
        operations.append({"operation": name, "exitCode": code,
                           "auditFindings": [str(f) for f in value.audit_findings or ()] if name.startswith("up")
                           else None})
        return code

    try:
        code = attempt("up", lambda r: r.up(bootstrap=bootstrap))
        if day2 and code in (EXIT_OK, EXIT_SECURITY):
            shutil.copy2(day2, session.project.stack_file(stack))
            code = max(code, attempt("up (day 2)", lambda r: r.up(bootstrap=bootstrap)))
        preview_markdown = None
        if preview_head and code in (EXIT_OK, EXIT_SECURITY):
            # The pull request's head against what the base's up left: what the providers would
            # replace, not only which inputs changed.
            shutil.copy2(preview_head, session.project.stack_file(stack))
            previews: list[Any] = []

            def preview(r: Any) -> Any:
                previews.append(r.preview(bootstrap=bootstrap))
                return previews[-1]

            code = max(code, attempt("preview (head)", preview))
            preview_markdown = previews[-1].markdown() if previews else None
        if destroy:
            code = max(code, attempt("destroy", lambda r: r.destroy(force=False)))
        journal = session.journal()
        deps = timeline.dependencies(_checkpoint(session, stack))
        t = timeline.build(journal, starts, deps)
    finally:
        session.close()
    failures = [f"{e['name']} ({e['type']}): {e['error']}" if not e["error"].startswith(e["name"]) else e["error"]
                for e in journal if e.get("error")]
    lines = [f"rehearsal of {stack} ({bootstrap}): "
             + ", ".join(f"{o['operation']} exit {o['exitCode']}" for o in operations), *timeline.render(t)]
    lines += [f"failed: {f}" for f in dict.fromkeys(failures)]
    lines += [f"{o['operation']}: {o['error']}" for o in operations if o.get("error")]
    for file, notes in session.seeded.items():
        if file == f"Pulumi.{stack}.yaml":
            lines.append(f"seeded: {', '.join(notes)} (the adopted VPC, made in the rehearsal's account)")
    if keep:
        lines.append(f"kept: {session.root}")
    lines.append(f"wall time {time.monotonic() - wall:.1f} s at {seconds_per_minute:g} s per AWS minute")
    return {"stack": stack, "bootstrap": bootstrap, "exitCode": code if code != EXIT_BAD_INPUT or operations else code,
            "operations": operations, "failures": list(dict.fromkeys(failures)), "timeline": t.to_json(),
            "wallSeconds": round(time.monotonic() - wall, 1), "lines": lines, "previewMarkdown": preview_markdown}


def _checkpoint(session: Session, stack: str) -> list[dict[str, Any]]:
    files = list((session.root / "state" / ".pulumi" / "stacks").glob(f"*/{stack}.json"))
    if not files:
        return []
    latest = json.loads(files[0].read_text()).get("checkpoint", {}).get("latest") or {}
    return latest.get("resources") or []
