"""`private-eks validate`: exit 0 valid, 2 invalid, the stack file and config path named, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from automation.cli import main
from tests.cli import run_main, run_process
from tests.settings.test_rules import base, cluster

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, doc, name="Pulumi.check.yaml") -> Path:
    f = tmp_path / name
    f.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return f


def test_valid_file_exits_0(tmp_path, capsys):
    f = write(tmp_path, base())
    assert main(["validate", "--file", str(f)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "stack check" in out


def test_invalid_file_exits_2_naming_file_and_path(tmp_path, capsys):
    doc = base()
    cluster(doc)["managedNodeGroups"][0].pop("privateNetworking")
    f = write(tmp_path, doc)
    assert main(["validate", "--file", str(f)]) == 2
    err = capsys.readouterr().err
    assert str(f) in err and "managedNodeGroups[0].privateNetworking" in err


def test_stack_flag_reads_the_projects_stacks_folder(capsys):
    assert main(["--project-dir", str(ROOT), "validate", "--stack", "dev"]) == 0
    assert "stacks/Pulumi.dev.yaml: valid" in capsys.readouterr().out


def test_unknown_stack_exits_2(capsys):
    assert main(["--project-dir", str(ROOT), "validate", "--stack", "nope"]) == 2
    assert "stacks/Pulumi.nope.yaml" in capsys.readouterr().err


def test_open_internet_cidr_is_warned_on_stderr(tmp_path, capsys):
    doc = base()
    cluster(doc)["vpc"]["publicAccessCIDRs"] = ["0.0.0.0/0"]
    assert main(["validate", "--file", str(write(tmp_path, doc))]) == 0
    assert "warning" in capsys.readouterr().err


def test_missing_arguments_exit_2():
    assert main(["validate"]) == 2


@pytest.mark.parametrize("text", ["", "config: [\n", "just a string\n", "config:\n  private-eks:cluster: 3\n",
                                  "\x00\x01binary"])
def test_bad_files_never_traceback(tmp_path, text):
    f = write(tmp_path, text)
    # A real process for the first case (the exit code through sys.exit, nothing on stderr but
    # the message); the same code in-process for the others.
    runner = run_process if text == "" else run_main
    run = runner(["validate", "--file", str(f)], cwd=ROOT)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert str(f) in run.stderr


def test_unreadable_file_is_a_clear_error(tmp_path, capsys):
    d = tmp_path / "Pulumi.dir.yaml"
    d.mkdir()
    assert main(["validate", "--file", str(d)]) == 2
    assert "cannot read the stack file" in capsys.readouterr().err
