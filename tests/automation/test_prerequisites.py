"""Commands that need more than the offline tools check every prerequisite first and report them
together (automation/prerequisites.py); flags are refused before credentials are asked for; a
destroy of a stack never deployed has nothing to destroy."""

from __future__ import annotations

from tests.automation.test_runner_commands_without_prerequisites import assert_clean, run


def test_up_reports_passphrase_cli_and_credentials_together(clean_env, project):
    done = run(["--project-dir", str(project), "up", "--stack", "dev"], clean_env)
    assert_clean(done, 2)
    assert "3 prerequisites missing" in done.stderr
    for what in ("PULUMI_CONFIG_PASSPHRASE", "Pulumi CLI was not found", "no AWS credentials"):
        assert what in done.stderr, what


def test_status_needs_no_credentials_but_reports_the_other_two_together(clean_env, project):
    done = run(["--project-dir", str(project), "status", "--stack", "dev"], clean_env)
    assert_clean(done, 2)
    assert "2 prerequisites missing" in done.stderr and "AWS credentials" not in done.stderr


def test_a_bad_bootstrap_cidr_is_refused_before_any_prerequisite(clean_env, project):
    """preview opens nothing: a bad flag is refused before anything else is asked for."""
    done = run(["--project-dir", str(project), "preview", "--stack", "dev", "--bootstrap-cidr", "203.0.113.7/3"],
               clean_env)
    assert_clean(done, 2)
    assert "--bootstrap-cidr '203.0.113.7/3' has host bits set" in done.stderr
    assert "prerequisite" not in done.stderr


def test_up_lists_a_bad_bootstrap_cidr_first_among_the_missing_prerequisites(clean_env, project):
    """up: the flag is checked before credentials are asked for and reported with what is missing,
    not alone: with every prerequisite there the runner refuses it only after closing a window it
    finds open (tests/engine/test_faults.py), which a refusal up front would leave open."""
    done = run(["--project-dir", str(project), "up", "--stack", "dev", "--bootstrap-cidr", "203.0.113.7/3"],
               clean_env)
    assert_clean(done, 2)
    lines = done.stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  - "))
    assert "--bootstrap-cidr '203.0.113.7/3' has host bits set" in lines[first]
    assert "prerequisites missing" in done.stderr


def test_destroy_of_a_stack_never_deployed_has_nothing_to_destroy(clean_env, project):
    done = run(["--project-dir", str(project), "destroy", "--stack", "dev"], clean_env)
    assert_clean(done, 0)
    assert "never deployed" in done.stdout and "nothing to destroy" in done.stdout
    assert not (project / ".pulumi-state").exists()
