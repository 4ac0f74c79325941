"""Bounded everywhere (automation/project.py, the CLI's error boundary): stack files stay inside
the project, Pulumi.yaml's name is one Pulumi accepts, and output failures are one clear line."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from automation import cli
from automation.errors import ConfigurationError
from automation.project import Project

ROOT = Path(__file__).resolve().parents[2]


def run(project: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "automation", "--project-dir", str(project), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, **kw)


def set_project(project: Path, old: str, new: str) -> None:
    f = project / "Pulumi.yaml"
    text = f.read_text()
    assert old in text
    f.write_text(text.replace(old, new))


@pytest.mark.parametrize("config_dir", ["/etc", "../", "stacks/../../x"])
def test_a_stack_config_dir_outside_the_project_is_refused(project, config_dir):
    set_project(project, "stackConfigDir: stacks", f"stackConfigDir: {config_dir}")
    with pytest.raises(ConfigurationError, match="outside the project"):
        Project.load(project)
    done = run(project, "validate", "--stack", "dev")
    assert done.returncode == 2 and "outside the project" in done.stderr


def test_a_stack_config_dir_linked_outside_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "Pulumi.dev.yaml").write_text((project / "stacks" / "Pulumi.dev.yaml").read_text())
    (project / "linked").symlink_to(outside)
    set_project(project, "stackConfigDir: stacks", "stackConfigDir: linked")
    for command in (("validate", "--stack", "dev"), ("plan", "--all"), ("status", "--stack", "dev")):
        done = run(project, *command)
        assert done.returncode == 2, command
        assert "outside the project" in done.stderr


def test_a_stack_file_linked_outside_the_project_is_refused(project, tmp_path):
    target = tmp_path / "Pulumi.dev.yaml"
    target.write_text((project / "stacks" / "Pulumi.dev.yaml").read_text())
    (project / "stacks" / "Pulumi.linked.yaml").symlink_to(target)
    done = run(project, "validate", "--stack", "linked")
    assert done.returncode == 2 and "outside the project" in done.stderr
    # A link that stays inside the project is followed as before.
    (project / "stacks" / "Pulumi.inner.yaml").symlink_to(project / "stacks" / "Pulumi.dev.yaml")
    assert run(project, "validate", "--stack", "inner").returncode == 0


@pytest.mark.parametrize("name", ["a b", "x/y", "'a\\nb'", "'" + "p" * 101 + "'", "'ok`'", "''"])
@pytest.mark.parametrize("command", [("validate", "--stack", "dev"), ("plan", "--stack", "dev"),
                                     ("status", "--stack", "dev"), ("up", "--stack", "dev"),
                                     ("close", "--stack", "dev"), ("proxy-env", "--stack", "dev")])
def test_an_invalid_project_name_is_bad_input_on_every_command(project, name, command):
    """Pulumi's rule: sdk/go/common/tokens/project.go ValidateProjectName (1..100 characters of
    names.go NameRegexpPattern ``[A-Za-z0-9_.-]``)."""
    text = (project / "Pulumi.yaml").read_text()
    first = next(line for line in text.splitlines() if line.startswith("name:"))
    set_project(project, first, f"name: {name}")
    done = run(project, *command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not a Pulumi project name" in done.stderr or "needs a name" in done.stderr


def test_a_valid_project_name_of_every_allowed_character_loads(project):
    text = (project / "Pulumi.yaml").read_text()
    first = next(line for line in text.splitlines() if line.startswith("name:"))
    set_project(project, first, "name: My_proj.1-x")
    assert Project.load(project).name == "My_proj.1-x"


def test_a_closed_pipe_is_one_clear_line(project):
    """`private-eks plan ... | true`: the reader is gone before the first write (EPIPE): one line on
    stderr, exit 1."""
    proc = subprocess.Popen([sys.executable, "-m", "automation", "--project-dir", str(project), "plan", "--all"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True)
    proc.stdout.close()  # the plan takes seconds: it writes after this
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    assert "broken pipe" in err and "unexpected error" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full gives ENOSPC on every write")
def test_a_full_disk_is_one_clear_line(project):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "automation", "--project-dir", str(project), "plan", "--all"],
                              stdout=full, stderr=subprocess.PIPE, cwd=ROOT, text=True, timeout=120)
    assert done.returncode == 1
    assert "no space left on the device" in done.stderr and "unexpected error" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("error, says", [
    (BrokenPipeError(errno.EPIPE, "Broken pipe"), "broken pipe"),
    (OSError(errno.ENOSPC, "No space left on device", "/tmp/x.md"), "no space left on the device (/tmp/x.md)"),
])
def test_the_boundary_names_output_failures(error, says):
    assert says in cli.output_error(error)
    assert cli.output_error(OSError(errno.EACCES, "denied")) is None
    assert os.devnull
