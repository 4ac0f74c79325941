"""The GitHub Actions workflows: actionlint accepts them (and is shown to reject a broken one),
and their shell steps' offline commands do what the workflows promise when run as GitHub runs
them (tests/ci/workflows.py) in a git checkout with a base and a head commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci import workflows as wf
from tests.engine.harness import in_ci

ROOT = wf.ROOT
INSTALL = ROOT / "scripts" / "install-actionlint"
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "pyproject.toml", "components", "automation", "stacks", "scripts",
                 ".github")


@pytest.fixture(scope="session")
def actionlint() -> Path:
    """actionlint from scripts/install-actionlint (built from the Go module proxy, cached in
    .cache/). Locally a failed build skips with the reason; with CI=true it fails."""
    done = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, timeout=900)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not (Path(lines[-1]) / "actionlint").is_file():
        message = f"scripts/install-actionlint failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return Path(lines[-1]) / "actionlint"


def lint(actionlint: Path, *files: Path) -> subprocess.CompletedProcess:
    # -shellcheck= and -pyflakes= : only actionlint's own checks, whatever else is installed.
    return subprocess.run([str(actionlint), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_actionlint_is_the_pinned_version(actionlint):
    version = subprocess.run([str(actionlint), "-version"], capture_output=True, text=True).stdout
    assert version.splitlines()[0].lstrip("v") == "1.7.12"


def test_actionlint_accepts_the_workflows(actionlint):
    files = sorted(wf.WORKFLOWS.glob("*.yml"))
    assert {"preview.yml", "apply.yml"} <= {f.name for f in files}
    checked = lint(actionlint, *files)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_actionlint_rejects_a_workflow_that_uses_an_undefined_output(actionlint, tmp_path):
    # The check above can fail: the same workflow with a job output that does not exist is refused.
    broken = tmp_path / "apply.yml"
    text = (wf.WORKFLOWS / "apply.yml").read_text()
    assert "needs.stacks.outputs.stacks" in text
    broken.write_text(text.replace("needs.stacks.outputs.stacks", "needs.stacks.outputs.stack_list"))
    checked = lint(actionlint, broken)
    assert checked.returncode == 1
    assert "stack_list" in checked.stdout


@pytest.mark.parametrize("name", ["preview.yml", "apply.yml", "preview-comment.yml"])
def test_no_step_interpolates_an_expression_into_its_script(name):
    """Values reach scripts through env: (an expression in `run:` is pasted into the script,
    and a branch name or stack name could then inject commands)."""
    workflow = wf.load(name)
    runs = [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
    assert runs
    assert [r for r in runs if "${{" in r] == []


def test_preview_job_uses_no_credentials_unless_the_pull_request_is_from_this_repository():
    workflow = wf.load("preview.yml")
    assert list(workflow["on"]) == ["pull_request"]  # never pull_request_target: no write token here
    assert workflow["permissions"] == {"contents": "read"}
    plan = workflow["jobs"]["plan"]
    uses_secrets = [s for s in plan["steps"] if "secrets." in json.dumps(s) or "configure-aws-credentials" in
                    str(s.get("uses", ""))]
    assert uses_secrets
    for s in uses_secrets:
        assert s["if"] == "steps.real.outputs.enabled == 'true'", s
    gate = wf.step(workflow, "plan", "real")["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in gate
    assert "vars.AWS_ROLE_ARN != ''" in gate


def test_apply_jobs_are_serialized_per_stack():
    up = wf.load("apply.yml")["jobs"]["up"]
    assert up["concurrency"] == {"group": "private-eks-apply-${{ matrix.stack }}", "cancel-in-progress": False}
    assert up["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert wf.step(wf.load("apply.yml"), "up", "status")["if"] == "always() && steps.up.outcome != 'skipped'"


# ------------------------------------------------------------------ the shell steps, offline


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> dict[str, str | Path]:
    """A git checkout of the project: a base commit, and a head commit that changes the dev stack's
    managed node group, adds a new stack and a stack file with two mistakes. Its .venv is this
    interpreter's environment."""
    repo = tmp_path_factory.mktemp("checkout") / "repo"
    repo.mkdir()
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, repo / name)
    (repo / ".venv").symlink_to(Path(sys.prefix))
    (repo / ".gitignore").write_text(".venv\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD")
    dev = repo / "stacks" / "Pulumi.dev.yaml"
    text = dev.read_text()
    dev.write_text(text.replace("      - name: mng-apps\n        instanceType: m5.large",
                                "      - name: mng-apps\n        instanceType: m5.xlarge", 1))
    assert dev.read_text() != text
    (repo / "stacks" / "Pulumi.team.yaml").write_text(text.replace("name: dev-private", "name: team-private"))
    (repo / "stacks" / "Pulumi.broken.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  private-eks:cluster:\n    metadata: {name: broken}\n"
        "    vpc:\n      publicAccessCidrs: [203.0.113.7/32]\n    managedNodeGroups:\n      - name: m1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    return {"repo": repo, "base": base}


def test_preview_lists_the_stacks_whose_file_changed(checkout):
    run = wf.run_step(wf.load("preview.yml"), "stacks", "changed", cwd=checkout["repo"],
                      context={"github.event.pull_request.base.sha": checkout["base"]})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.outputs["stacks"]) == ["broken", "dev", "team"]


def test_a_program_change_lists_every_stack(checkout, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(checkout["repo"], repo, symlinks=True)
    with open(repo / "components" / "catalog.py", "a") as f:
        f.write("\n# a change to the program\n")
    git(repo, "commit", "-qam", "program")
    run = wf.run_step(wf.load("preview.yml"), "stacks", "changed", cwd=repo,
                      context={"github.event.pull_request.base.sha": git(repo, "rev-parse", "HEAD~1")})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.outputs["stacks"]) == ["broken", "dev", "existing-vpc", "team"]


def test_a_deleted_stack_file_is_not_listed(checkout, tmp_path):
    """Deleting a stack file destroys nothing: apply.yml does not run for it (destroy is by hand)."""
    repo = tmp_path / "repo"
    shutil.copytree(checkout["repo"], repo, symlinks=True)
    git(repo, "rm", "-q", "stacks/Pulumi.existing-vpc.yaml")
    git(repo, "commit", "-qm", "delete a stack")
    run = wf.run_step(wf.load("apply.yml"), "stacks", "changed", cwd=repo,
                      context={"github.event.before": git(repo, "rev-parse", "HEAD~1"), "inputs.stack": ""})
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"stacks": "[]"}


def plan_step(checkout, stack: str) -> tuple[wf.StepRun, str]:
    workflow = wf.load("preview.yml")
    run = wf.run_step(workflow, "plan", "plan", cwd=checkout["repo"],
                      context={"matrix.stack": stack, "github.event.pull_request.base.sha": checkout["base"],
                               "github.event.pull_request.number": "42"})
    comment = checkout["repo"] / "comment" / f"{stack}.md"
    return run, comment.read_text()


def test_preview_comment_of_a_changed_stack_is_the_plan_diff(checkout):
    run, comment = plan_step(checkout, "dev")

    assert run.returncode == 0, run.stderr
    assert run.outputs == {"valid": "true"}
    assert comment.startswith("<!-- private-eks:plan:dev -->\n")
    assert "### Offline plan diff: `dev`" in comment
    # An instance type change replaces a managed node group (terraform-provider-aws
    # internal/service/eks/node_group.go: instance_types ForceNew); exposure is said first.
    assert "**1 to replace, 0 to create, 0 to update, 0 to delete**" in comment
    assert comment.split("### Offline plan diff: `dev`", 1)[1].lstrip().startswith("**Exposure: no window**")
    assert ("| bootstrap | replace | `eks:index:ManagedNodeGroup` | `dev-private-cluster-mng-apps` | "
            '`instanceTypes`: `["m5.large"]` → `["m5.xlarge"]` |') in comment
    assert run.summary == comment
    assert (checkout["repo"] / "comment" / "pr-number").read_text().strip() == "42"


def test_preview_comment_of_a_new_stack_shows_everything_created(checkout):
    run, comment = plan_step(checkout, "team")

    assert run.returncode == 0, run.stderr
    assert "_The stack is new: everything is shown as new._" in comment
    assert " to create, 0 to update, 0 to delete" in comment and "opens a bootstrap window" in comment
    assert "| bootstrap | create | `eks:index:Cluster` |" in comment


def test_preview_comment_of_a_stack_that_does_not_validate_lists_the_problems_by_path(checkout):
    run, comment = plan_step(checkout, "broken")

    assert run.returncode == 0, run.stderr  # reported in the comment; the last step fails the check
    assert "valid" not in run.outputs
    assert "**`stacks/Pulumi.broken.yaml` does not validate** (exit 2)" in comment
    assert "managedNodeGroups[0].privateNetworking: must be set to true" in comment
    assert "vpc.publicAccessCidrs: unknown field (did you mean 'publicAccessCIDRs'?)" in comment
    assert "Offline plan diff" not in comment

    fail = wf.run_step(wf.load("preview.yml"), "plan", "fail the check", cwd=checkout["repo"],
                       context={"matrix.stack": "broken"})
    assert fail.returncode == 2
    assert fail.stdout.startswith("::error file=stacks/Pulumi.broken.yaml::")


def test_apply_lists_the_pushed_stacks_or_the_one_asked_for(checkout):
    workflow = wf.load("apply.yml")
    pushed = wf.run_step(workflow, "stacks", "changed", cwd=checkout["repo"],
                         context={"github.event.before": checkout["base"], "inputs.stack": ""})
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.outputs["stacks"]) == ["broken", "dev", "team"]

    first_push = wf.run_step(workflow, "stacks", "changed", cwd=checkout["repo"],
                             context={"github.event.before": "0" * 40, "inputs.stack": ""})
    assert json.loads(first_push.outputs["stacks"]) == ["broken", "dev", "existing-vpc", "team"]

    asked = wf.run_step(workflow, "stacks", "changed", cwd=checkout["repo"],
                        context={"github.event.before": "", "inputs.stack": "dev"})
    assert json.loads(asked.outputs["stacks"]) == ["dev"]


@pytest.mark.parametrize("stack", ["nope", 'dev"]; touch pwned; echo "'])
def test_apply_refuses_a_stack_that_has_no_file(checkout, stack):
    run = wf.run_step(wf.load("apply.yml"), "stacks", "changed", cwd=checkout["repo"],
                      context={"github.event.before": "", "inputs.stack": stack})
    assert run.returncode == 2
    assert run.stdout.startswith("::error::no stack file")
    assert run.outputs == {}
    assert not (checkout["repo"] / "pwned").exists()


def test_no_stack_changed_lists_none(checkout):
    run = wf.run_step(wf.load("preview.yml"), "stacks", "changed", cwd=checkout["repo"],
                      context={"github.event.pull_request.base.sha": git(checkout["repo"], "rev-parse", "HEAD")})
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"stacks": "[]"}


def test_the_workflow_scripts_need_no_network():
    """The offline steps call only git and the project's Python: nothing fetches anything."""
    for script in (ROOT / "scripts" / "ci").iterdir():
        text = script.read_text()
        assert not any(tool in text for tool in ("curl ", "wget ", "pip install", "gh api")), script.name
    assert os.access(ROOT / "scripts" / "ci" / "plan-comment", os.X_OK)


def test_install_actionlint_reuses_the_build_it_cached(actionlint):
    again = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == str(actionlint.parent)
    assert "building" not in again.stderr
