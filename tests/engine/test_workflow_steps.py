"""The workflows' steps that need a state backend, run as GitHub runs them (tests/ci/workflows.py)
on the real engine: apply.yml's `up` and `status` (a window left open, exit 3, fails the job with an
error annotation; the next run of the workflow closes it) and preview.yml's real preview, added to
the stack's comment. The checkout's ``.venv/bin/private-eks`` is the CLI with the stand-in program
(tests/engine/standin_cli.py) on the engine test project."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from tests.ci import workflows as wf
from tests.engine.harness import PASSPHRASE, ROOT

pytestmark = pytest.mark.engine


@pytest.fixture
def checkout(engine, tmp_path):
    folder = tmp_path / "checkout"
    (folder / ".venv" / "bin").mkdir(parents=True)
    cli = folder / ".venv" / "bin" / "private-eks"
    # In the checkout's folder, as the step runs it: relative paths (preview.md) land there.
    cli.write_text("#!/bin/sh\n"
                   f"PYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} -m tests.engine.standin_cli "
                   f"--project-dir {shlex.quote(str(engine.dir))} \"$@\"\n")
    cli.chmod(0o755)
    # The steps' own Python (apply.yml escapes the status summary with automation.markdown).
    python = folder / ".venv" / "bin" / "python"
    python.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} \"$@\"\n")
    python.chmod(0o755)
    return folder


def run(engine, checkout, key: str, *, workflow: str = "apply.yml", job: str = "up") -> wf.StepRun:
    context = {"matrix.stack": "engine", "vars.PULUMI_BACKEND_URL": engine.env["PULUMI_BACKEND_URL"],
               "secrets.PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}
    return wf.run_step(wf.load(workflow), job, key, cwd=checkout, context=context)


def test_window_left_open_fails_the_job_loudly_and_the_next_run_closes_it(engine, checkout):
    engine.fault("update", "cluster", times="always")

    up = run(engine, checkout, "up")

    assert up.returncode == 3, up.stdout + up.stderr
    assert "::error title=SECURITY: stack engine::exit 3: the cluster's PUBLIC API endpoint was left ON" in up.stdout
    assert "PUBLIC API endpoint is still ON" in up.stderr
    status = run(engine, checkout, "status")
    assert status.returncode == 3
    assert "::error title=SECURITY: stack engine::the public API endpoint is ON" in status.stdout
    assert "### status of `engine` (exit 3)" in status.summary
    assert json.loads(status.summary.split("```json", 1)[1].split("```", 1)[0])["windowOpen"] is True

    engine.clear_fault("update", "cluster")
    again = run(engine, checkout, "up")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "::error" not in again.stdout
    assert "closing it first" in again.stdout
    status = run(engine, checkout, "status")
    assert status.returncode == 0
    assert json.loads(status.summary.split("```json", 1)[1].split("```", 1)[0])["windowOpen"] is False


def test_the_real_preview_is_added_to_the_stack_comment_and_changes_nothing(engine, checkout):
    (checkout / "comment").mkdir()
    offline = "<!-- private-eks:plan:engine -->\n## private-eks: stack `engine`\n\nthe offline plan diff\n"
    (checkout / "comment" / "engine.md").write_text(offline)

    preview = run(engine, checkout, "real preview", workflow="preview.yml", job="plan")

    assert preview.returncode == 0, preview.stdout + preview.stderr
    comment = (checkout / "comment" / "engine.md").read_text()
    assert comment.startswith(offline)
    added = comment[len(offline):]
    assert added.startswith("\n### Real preview (both passes)\n\n#### ")
    assert "final API endpoint access: public off" in added
    report = (checkout / "preview.md").read_text()
    assert preview.summary == report
    assert added == "\n### Real preview (both passes)\n\n" + report
    assert engine.operations() == []
