"""The CLI's habits (docs/architecture.md §7): one error boundary (a message and the error's exit code, the
traceback only with --debug), a clear "no Pulumi project found", -s, --version, global options
after the command, destroy's confirmation. In-process: main(argv) with captured output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from automation import errors
from automation.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- the error model


@pytest.mark.parametrize("error,code", [
    (errors.ConfigurationError("x"), 2), (errors.UsageError("x"), 2), (errors.ProjectNotFound("x"), 2),
    (errors.PreflightFailed("x", []), 2), (errors.OperationFailed("x"), 1), (errors.StackLocked("x"), 1),
    (errors.WindowLeftOpen("x", stack="s"), 3), (errors.LockedWithWindowOpen("x", stack="s"), 3),
])
def test_each_error_carries_the_exit_code_of_the_contract(error, code):
    assert isinstance(error, errors.PrivateEksError)
    assert error.exit_code == code


def test_every_error_the_library_raises_on_purpose_is_under_the_one_root():
    from automation.aws.findings import AwsCheckError, StackNotDeployed
    from automation.eksctl import EksctlImportError
    from automation.plan import PlanError

    for cls in (AwsCheckError, StackNotDeployed, EksctlImportError, PlanError, errors.InvalidSettings):
        assert issubclass(cls, errors.PrivateEksError), cls
    assert (AwsCheckError.exit_code, StackNotDeployed.exit_code, EksctlImportError.exit_code) == (1, 2, 2)


def test_invalid_settings_are_still_a_settings_error_for_the_settings_layer():
    from components.settings import Problem, SettingsError

    e = errors.InvalidSettings("stacks/Pulumi.x.yaml", [Problem("vpc.cidr", "bad")])
    assert isinstance(e, SettingsError) and e.exit_code == 2
    assert e.render() == "stacks/Pulumi.x.yaml: 1 problem in the stack settings\n  vpc.cidr: bad"


def test_an_eksctl_config_that_is_not_utf8_is_bad_input_without_a_traceback(capsys, tmp_path):
    f = tmp_path / "cluster.yaml"
    f.write_bytes(b"apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: \xff\xfe\n")
    code, out, err = run(capsys, "import-eksctl", str(f))
    assert code == 2
    assert f"{f}: cannot read the eksctl config (not UTF-8 text" in err
    assert "Traceback" not in err + out


def test_debug_adds_the_traceback_to_an_error(capsys, tmp_path):
    code, _, err = run(capsys, "validate", "--file", str(tmp_path / "Pulumi.nope.yaml"))
    assert code == 2 and "Traceback" not in err
    code, _, err = run(capsys, "validate", "--file", str(tmp_path / "Pulumi.nope.yaml"), "--debug")
    assert code == 2 and "no such stack file" in err and "Traceback (most recent call last)" in err


def test_an_unexpected_error_is_exit_1_with_a_hint_and_the_traceback_only_with_debug(capsys, monkeypatch):
    from automation.cli import offline

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(offline, "cmd_validate", broken)
    code, _, err = run(capsys, "validate", "--file", "x")
    assert code == 1 and "unexpected error (RuntimeError): a bug" in err and "Traceback" not in err
    code, _, err = run(capsys, "validate", "--file", "x", "--debug")
    assert code == 1 and "Traceback (most recent call last)" in err


# ---------------------------------------------------------------------------------- the project


@pytest.mark.parametrize("argv", [
    ["validate", "--stack", "dev"], ["plan", "--all"], ["proxy-env", "-s", "dev"], ["status", "-s", "dev"],
    ["up", "-s", "dev"], ["preview", "--all"], ["destroy", "--yes", "-s", "dev"], ["audit", "-s", "dev"],
])
def test_outside_a_project_every_command_says_where_it_looked(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert f"no Pulumi project found (looked in {tmp_path.resolve()}" in err


def test_stack_config_dir_is_honoured_by_validate_plan_all_and_the_runner(capsys, project, monkeypatch):
    from automation.project import Project

    (project / "config").mkdir()
    (project / "stacks" / "Pulumi.dev.yaml").rename(project / "config" / "Pulumi.dev.yaml")
    text = (project / "Pulumi.yaml").read_text().replace("stackConfigDir: stacks", "stackConfigDir: config")
    (project / "Pulumi.yaml").write_text(text)
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, "validate", "-s", "dev")
    assert code == 0 and out.startswith("config/Pulumi.dev.yaml: valid")
    assert Project.find().stacks() == ["dev"]
    code, out, _ = run(capsys, "plan", "--all", "--json", "--phase", "private")
    assert code == 0 and [p["stack"] for p in json.loads(out)] == ["dev"]


def test_the_project_is_found_from_a_subfolder(capsys, project, monkeypatch):
    monkeypatch.chdir(project / "stacks")
    code, out, _ = run(capsys, "validate", "-s", "existing-vpc")
    assert code == 0 and out.startswith("stacks/Pulumi.existing-vpc.yaml: valid")


# --------------------------------------------------------------------------------- Pulumi habits


def test_version_prints_the_package_version(capsys):
    from importlib.metadata import version

    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"private-eks {version('private-eks')}"


def test_global_options_are_accepted_after_the_command(capsys, project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = run(capsys, "--project-dir", str(project), "validate", "-s", "dev")
    after = run(capsys, "validate", "-s", "dev", "--project-dir", str(project))
    assert before == after and before[0] == 0


def deployed(project) -> None:
    """A checkpoint of stack dev in the local backend: a stack never deployed needs no confirmation."""
    checkpoint = project / ".pulumi-state" / ".pulumi" / "stacks" / "private-eks" / "dev.json"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    checkpoint.write_text("{}")


def test_destroy_off_a_terminal_needs_yes(capsys, project, monkeypatch):
    deployed(project)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "--project-dir", str(project), "destroy", "-s", "dev")
    assert code == 2 and "--yes must be given when not running on a terminal" in err


def test_destroy_on_a_terminal_asks_and_a_no_destroys_nothing(capsys, project, monkeypatch):
    deployed(project)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    code, _, err = run(capsys, "--project-dir", str(project), "destroy", "-s", "dev")
    assert code == 2 and "not confirmed; nothing was destroyed" in err


def test_plan_json_is_an_array_for_several_stacks_and_an_object_for_one(capsys, project):
    code, out, _ = run(capsys, "--project-dir", str(project), "plan", "--all", "--json", "--phase", "private")
    assert code == 0 and [p["stack"] for p in json.loads(out)] == ["dev", "existing-vpc"]
    code, out, _ = run(capsys, "--project-dir", str(project), "plan", "-s", "dev", "--json", "--phase", "private")
    assert code == 0 and json.loads(out)["stack"] == "dev"


def test_the_runner_is_importable_from_the_package_with_its_errors(tmp_path: Path):
    import automation

    assert automation.Runner.__module__ == "automation.runner"
    assert automation.PrivateEksError is errors.PrivateEksError
