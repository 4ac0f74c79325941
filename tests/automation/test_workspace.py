"""The runner's bookkeeping: which backend, stack files left untouched (secrets keys kept in the
runner's copy), since when a phase holds, and short error messages."""

from __future__ import annotations

import json
from datetime import datetime

import yaml
from pulumi.automation import UpdateSummary

from automation.passes import StackState, phase_since
from automation.project import Project
from automation.workspace import backend_url, command_summary, merge_secrets_keys


def _backend(project_dir, env, document):
    return backend_url(Project(project_dir, project_dir / "Pulumi.yaml", document), env)

# ------------------------------------------------------------------------------- backend


def test_the_backend_variable_wins(tmp_path):
    assert _backend(tmp_path, {"PULUMI_BACKEND_URL": "s3://bucket"}, {"backend": {"url": "file://x"}}) == "s3://bucket"


def test_the_project_file_backend_is_next(tmp_path):
    assert _backend(tmp_path, {"HOME": str(tmp_path)}, {"backend": {"url": "gs://b"}}) == "gs://b"


def test_the_current_login_is_next(tmp_path):
    (tmp_path / ".pulumi").mkdir()
    (tmp_path / ".pulumi" / "credentials.json").write_text(json.dumps({"current": "https://api.pulumi.com"}))
    assert _backend(tmp_path, {"HOME": str(tmp_path)}, {}) == "https://api.pulumi.com"
    assert _backend(tmp_path, {"PULUMI_HOME": str(tmp_path / ".pulumi")}, {}) == "https://api.pulumi.com"


def test_nothing_configured_means_the_local_file_backend(tmp_path):
    assert _backend(tmp_path, {"HOME": str(tmp_path)}, {}) is None
    (tmp_path / ".pulumi").mkdir()
    (tmp_path / ".pulumi" / "credentials.json").write_text("{not json")
    assert _backend(tmp_path, {"HOME": str(tmp_path)}, {}) is None


# ------------------------------------------------------------------- stack files untouched

USER = "# my comment\nconfig:\n  aws:region: us-west-2\n"


def test_the_copy_is_the_users_file_when_pulumi_added_nothing():
    assert merge_secrets_keys(USER, "") == USER


def test_the_salt_pulumi_wrote_into_the_copy_is_kept():
    merged = merge_secrets_keys(USER, USER + "encryptionsalt: v1:abc\n")
    assert merged.startswith(USER)  # comments and layout of the user's file are kept
    assert yaml.safe_load(merged) == {"config": {"aws:region": "us-west-2"}, "encryptionsalt": "v1:abc"}


def test_the_users_own_secrets_settings_win():
    user = USER + "secretsprovider: awskms://alias/x\n"
    merged = merge_secrets_keys(user, user.replace("alias/x", "alias/old") + "encryptedkey: k\n")
    assert yaml.safe_load(merged)["secretsprovider"] == "awskms://alias/x"
    assert yaml.safe_load(merged)["encryptedkey"] == "k"


def test_user_edits_reach_the_copy():
    old = USER + "encryptionsalt: v1:abc\n"
    new_user = USER.replace("us-west-2", "eu-west-1")
    assert yaml.safe_load(merge_secrets_keys(new_user, old))["config"]["aws:region"] == "eu-west-1"


# ----------------------------------------------------------------------------- phase since


def update(message: str, end: int, result: str = "succeeded", kind: str = "update") -> UpdateSummary:
    return UpdateSummary(kind=kind, start_time=datetime(2026, 1, 1, 0, end - 1), message=message, environment={},
                         config={}, result=result, end_time=datetime(2026, 1, 1, 0, end))


def test_private_since_the_closing_pass():
    history = [update("private-eks: private pass", 30), update("private-eks: bootstrap pass", 20)]
    assert phase_since(history, StackState.PRIVATE) == datetime(2026, 1, 1, 0, 30)


def test_private_since_the_first_of_several_private_updates():
    history = [update("private-eks: private pass", 50), update("", 40),  # a plain `pulumi up`: private
               update("private-eks: private pass", 30), update("private-eks: bootstrap pass", 20)]
    assert phase_since(history, StackState.PRIVATE) == datetime(2026, 1, 1, 0, 30)


def test_open_since_the_bootstrap_pass_even_after_failed_closing_attempts():
    history = [update("private-eks: private pass", 40, "failed"), update("private-eks: private pass", 35, "failed"),
               update("private-eks: bootstrap pass", 20)]
    assert phase_since(history, StackState.BOOTSTRAP) == datetime(2026, 1, 1, 0, 20)


def test_destroys_and_refreshes_are_not_phases():
    history = [update("private-eks: destroy", 40, kind="destroy"), update("private-eks: private pass", 30)]
    assert phase_since(history, StackState.PRIVATE) == datetime(2026, 1, 1, 0, 30)


def test_no_phase_for_a_new_stack():
    assert phase_since([], StackState.NONE) is None


# -------------------------------------------------------------------------- error summary


def test_a_cli_failure_is_summarised_by_its_error_lines():
    text = ("code: 255\n stdout: Updating (dev)\n  lots of progress\n stderr: error: update failed\n"
            "    error: AccessDenied: not authorized to perform eks:CreateCluster\n")
    assert command_summary(Exception(text)) == ("error: update failed\n"
                                                 "error: AccessDenied: not authorized to perform eks:CreateCluster")
