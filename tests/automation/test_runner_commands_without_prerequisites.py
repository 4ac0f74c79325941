"""The CLI surface of the runner commands: --help, proxy-env, and clean failures (exit 2, a message,
never a traceback) without a Pulumi CLI, without a passphrase, without AWS credentials."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from automation import cli
from tests.cli import run_main, run_process

RUNNER_COMMANDS = ["preview", "up", "status", "destroy", "proxy-env"]


def run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """In-process, in ``env`` (the CLI's code path without an interpreter start-up)."""
    return run_main(args, env=env, cwd=cwd)


def assert_clean(done: subprocess.CompletedProcess[str], code: int) -> None:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout


def test_help_lists_the_runner_commands_beside_validate(clean_env):
    done = run_process(["--help"], env=clean_env)
    assert_clean(done, 0)
    for name in ["validate", *RUNNER_COMMANDS]:
        assert f"    {name} " in done.stdout, name


@pytest.mark.parametrize("command,flags", [
    ("preview", ["--markdown", "--json", "--stack", "--all"]),
    ("up", ["--stack", "--bootstrap", "--bootstrap-cidr", "--all", "--stacks-at-once"]),
    ("status", ["--stack", "--json"]),
    ("destroy", ["--stack", "--force", "--yes"]),
    ("proxy-env", ["--stack", "--file"]),
])
def test_each_command_has_the_contracts_flags(command, flags):
    text = cli.build_parser()._subparsers._group_actions[0].choices[command].format_help()  # type: ignore[union-attr]
    for flag in flags:
        assert flag in text, (command, flag)


def test_proxy_env_prints_both_spellings_with_the_required_entries(clean_env, project):
    done = run(["--project-dir", str(project), "proxy-env", "--stack", "dev"], {**clean_env, "NO_PROXY": "localhost"})
    assert_clean(done, 0)
    value = "localhost,.eks.amazonaws.com,10.0.0.0/16,169.254.169.254"
    assert done.stdout.splitlines() == [f"export NO_PROXY={value}", f"export no_proxy={value}"]


def test_proxy_env_reads_any_stack_file(clean_env, project):
    done = run(["proxy-env", "--file", str(project / "stacks" / "Pulumi.dev.yaml")], clean_env)
    assert_clean(done, 0)
    assert "10.0.0.0/16" in done.stdout


def test_proxy_env_warns_when_an_existing_vpcs_cidr_is_unknown(clean_env, project):
    done = run(["--project-dir", str(project), "proxy-env", "--stack", "existing-vpc"], clean_env)
    assert_clean(done, 0)
    assert "CIDR is not in the stack file" in done.stderr
    assert done.stdout.splitlines()[0] == "export NO_PROXY=.eks.amazonaws.com,169.254.169.254"


def test_proxy_env_of_a_missing_stack_is_bad_input(clean_env, project):
    done = run(["--project-dir", str(project), "proxy-env", "--stack", "nope"], clean_env)
    assert_clean(done, 2)
    assert "stacks/Pulumi.nope.yaml" in done.stderr


@pytest.mark.parametrize("command", [["up"], ["preview"], ["status"], ["destroy", "--yes"]])
def test_without_a_pulumi_cli_the_commands_say_so_and_exit_2(clean_env, project, command):
    # A deployed stack (a checkpoint in the local backend): a never-deployed one has nothing to destroy.
    checkpoint = project / ".pulumi-state" / ".pulumi" / "stacks" / "private-eks" / "dev.json"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_text("{}")
    done = run(["--project-dir", str(project), *command, "--stack", "dev"],
               {**clean_env, "PULUMI_CONFIG_PASSPHRASE": "x"})
    assert_clean(done, 2)
    assert "Pulumi CLI was not found on PATH" in done.stderr and "scripts/install-pulumi-cli" in done.stderr


def test_a_bad_stack_file_is_reported_before_anything_runs(clean_env, project):
    (project / "stacks" / "Pulumi.bad.yaml").write_text("config:\n  aws:region: us-west-2\n  private-eks:cluster: {}\n")
    # A real process: exit 2 through sys.exit, no traceback, nothing run.
    done = run_process(["--project-dir", str(project), "up", "--stack", "bad"], env=clean_env)
    assert_clean(done, 2)
    assert "stacks/Pulumi.bad.yaml" in done.stderr


def test_a_bad_bootstrap_mode_is_bad_input_listing_the_three(clean_env, project):
    done = run(["--project-dir", str(project), "up", "--stack", "dev", "--bootstrap", "sometimes"], clean_env)
    assert_clean(done, 2)
    assert "'auto', 'always', 'never'" in done.stderr


def with_cli(env: dict[str, str], bin_dir: Path) -> dict[str, str]:
    return {**env, "PATH": os.pathsep.join([str(bin_dir), env["PATH"]])}


def test_a_file_backend_without_passphrase_is_bad_input(clean_env, project, pulumi_bin):
    done = run(["--project-dir", str(project), "up", "--stack", "dev"], with_cli(clean_env, pulumi_bin))
    assert_clean(done, 2)
    assert "PULUMI_CONFIG_PASSPHRASE" in done.stderr and ".pulumi-state" in done.stderr
    assert not (project / ".pulumi-state").exists()


def test_a_passphrase_file_is_enough(clean_env, project, pulumi_bin, tmp_path):
    (tmp_path / "pass").write_text("x")
    env = {**with_cli(clean_env, pulumi_bin), "PULUMI_CONFIG_PASSPHRASE_FILE": str(tmp_path / "pass")}
    done = run(["--project-dir", str(project), "status", "--stack", "dev"], env)
    assert_clean(done, 0)
    assert "dev: not deployed" in done.stdout


def test_without_aws_credentials_up_says_so_and_exits_2(clean_env, project, pulumi_bin):
    env = {**with_cli(clean_env, pulumi_bin), "PULUMI_CONFIG_PASSPHRASE": "x"}
    done = run(["--project-dir", str(project), "up", "--stack", "dev"], env)
    assert_clean(done, 2)
    assert "no AWS credentials found" in done.stderr


def test_status_of_several_stacks_prints_a_summary_table(clean_env, project, pulumi_bin):
    env = {**with_cli(clean_env, pulumi_bin), "PULUMI_CONFIG_PASSPHRASE": "x"}
    done = run(["--project-dir", str(project), "status", "--all"], env)
    assert_clean(done, 0)
    lines = done.stdout.splitlines()
    assert "[dev] dev: not deployed" in lines and "[existing-vpc] existing-vpc: not deployed" in lines
    table = lines[lines.index(next(line for line in lines if line.startswith("stack "))):]
    assert [line.split()[:2] for line in table[1:]] == [["dev", "0"], ["existing-vpc", "0"]]


def test_status_json_of_a_missing_stack(clean_env, project, pulumi_bin):
    import json

    env = {**with_cli(clean_env, pulumi_bin), "PULUMI_CONFIG_PASSPHRASE": "x"}
    done = run(["--project-dir", str(project), "status", "--stack", "dev", "--json"], env)
    assert_clean(done, 0)
    data = json.loads(done.stdout)
    assert data["exists"] is False and data["windowOpen"] is False


def test_preview_to_a_folder_that_does_not_exist_is_bad_input(clean_env, project):
    done = run(["--project-dir", str(project), "preview", "--stack", "dev", "--markdown", "/nonexistent/dir/out.md"],
               clean_env)
    assert_clean(done, 2)
    assert "/nonexistent/dir/out.md: its folder does not exist" in done.stderr


def test_several_stacks_exit_with_the_worst_code_and_name_each_in_the_table(clean_env, project, pulumi_bin):
    env = {**with_cli(clean_env, pulumi_bin), "PULUMI_CONFIG_PASSPHRASE": "x"}
    done = run(["--project-dir", str(project), "status", "--stack", "dev", "--stack", "nope"], env)
    assert_clean(done, 2)
    assert "[nope] stacks/Pulumi.nope.yaml: 1 problem in the stack settings" in done.stderr
    table = done.stdout.splitlines()[-2:]
    assert [line.split()[:2] for line in table] == [["dev", "0"], ["nope", "2"]]


@pytest.mark.parametrize("method", ["up", "preview"])
def test_the_runner_refuses_an_unknown_bootstrap_mode_before_touching_anything(project, method):
    from automation.errors import UsageError
    from automation.runner import Runner

    runner = Runner(project, "dev", pulumi_command=None, egress_lookup=None, preflight=None, audit=None)
    with pytest.raises(UsageError, match="must be one of auto, always, never"):
        getattr(runner, method)(bootstrap="sometimes")
    assert not (project / ".pulumi-state").exists()  # no workspace, no backend: nothing was run


def test_bootstrap_cidrs_with_never_are_a_usage_error(project):
    from automation.errors import UsageError
    from automation.runner import Runner

    runner = Runner(project, "dev", egress_lookup=None, preflight=None, audit=None)
    with pytest.raises(UsageError, match="no use with --bootstrap never"):
        runner.up(bootstrap="never", bootstrap_cidrs=["203.0.113.7/32"])
