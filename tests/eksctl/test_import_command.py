"""`private-eks import-eksctl`: stdout or a new -o file, dropped fields on stderr, exit 0 / 2."""

from __future__ import annotations

import yaml

from automation.cli import main
from components.settings import CONFIG_KEY, REGION_KEY
from tests.eksctl.helpers import data, run_cli, run_cli_process
from tests.eksctl.test_import import UNSUPPORTED_PATHS


def test_seed_example_end_to_end_then_validate(tmp_path):
    out = tmp_path / "Pulumi.seed.yaml"
    r = run_cli("import-eksctl", str(data("seed-existing-vpc.yaml")), "--stack", "seed", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and f"wrote {out} (stack seed, 0 field(s) dropped)" in r.stderr
    v = run_cli("validate", "--file", str(out))
    assert v.returncode == 0, v.stderr
    assert "valid (stack seed, region us-west-2, endpoints: ec2, ecr.api, ecr.dkr, sts, s3, autoscaling)" in v.stdout


def test_without_o_the_stack_file_goes_to_stdout(capsys):
    assert main(["import-eksctl", str(data("new-vpc-all-fields.yaml"))]) == 0
    cap = capsys.readouterr()
    doc = yaml.safe_load(cap.out)
    assert doc["config"][REGION_KEY] == "eu-west-1"
    assert [g["name"] for g in doc["config"][CONFIG_KEY]["managedNodeGroups"]] == ["mng-spot", "mng-apps", "mng-template"]
    assert "# from eksctl: managedNodeGroups[1]" in cap.out
    assert "note: " in cap.err and "vpc.nat" in cap.err


def test_stdin_is_read_for_dash(tmp_path):
    r = run_cli("import-eksctl", "-", stdin=data("seed-existing-vpc.yaml").read_text())
    assert r.returncode == 0, r.stderr
    assert "from the eksctl ClusterConfig <stdin>" in r.stdout


def test_unsupported_fields_exit_2_listing_paths_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "out.yaml"
    assert main(["import-eksctl", str(data("unsupported.yaml")), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "9 fields cannot be carried over" in err and "--allow-drop" in err
    for path in UNSUPPORTED_PATHS:
        assert f"\n  {path}: " in err
    assert not out.exists()


def test_allow_drop_writes_the_file_lists_drops_and_it_validates(tmp_path, capsys):
    out = tmp_path / "Pulumi.extras.yaml"
    assert main(["import-eksctl", str(data("unsupported.yaml")), "--allow-drop", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    dropped = [line.split(": ", 3)[2] for line in err.splitlines() if line.startswith("dropped: ")]
    assert dropped == UNSUPPORTED_PATHS
    assert "9 field(s) dropped" in err
    assert main(["validate", "--file", str(out)]) == 0
    assert "valid (stack extras, region us-east-1" in capsys.readouterr().out


def test_missing_private_networking_exits_2_naming_the_path(tmp_path, capsys):
    out = tmp_path / "out.yaml"
    assert main(["import-eksctl", str(data("missing-private-networking.yaml")), "--allow-drop", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "would not validate" in err and "managedNodeGroups[0].privateNetworking: must be set" in err
    assert not out.exists()


def test_not_a_cluster_config_exits_2_without_traceback():
    r = run_cli_process("import-eksctl", str(data("not-a-cluster-config.yaml")))
    assert r.returncode == 2 and r.stdout == ""
    assert "is not an eksctl ClusterConfig" in r.stderr and "Traceback" not in r.stderr


def test_yaml_syntax_error_exits_2(capsys):
    assert main(["import-eksctl", str(data("syntax-error.yaml"))]) == 2
    assert "syntax-error.yaml: YAML syntax error at line 6" in capsys.readouterr().err


def test_an_existing_output_file_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "Pulumi.taken.yaml"
    out.write_text("# mine\n")
    assert main(["import-eksctl", str(data("seed-existing-vpc.yaml")), "-o", str(out)]) == 2
    assert "the file exists" in capsys.readouterr().err
    assert out.read_text() == "# mine\n"


def test_a_missing_input_file_exits_2(tmp_path, capsys):
    assert main(["import-eksctl", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: cannot read the eksctl config" in capsys.readouterr().err


def test_a_bad_stack_name_exits_2(capsys):
    assert main(["import-eksctl", str(data("seed-existing-vpc.yaml")), "--stack", "../x"]) == 2
    assert "--stack '../x'" in capsys.readouterr().err


def test_an_output_folder_that_does_not_exist_exits_2(tmp_path, capsys):
    assert main(["import-eksctl", str(data("seed-existing-vpc.yaml")), "-o", str(tmp_path / "no" / "x.yaml")]) == 2
    assert "cannot write the stack file" in capsys.readouterr().err


def test_the_stack_name_comes_from_a_pulumi_output_file_name(tmp_path, capsys):
    out = tmp_path / "Pulumi.docs.yaml"
    assert main(["import-eksctl", str(data("docs-fully-private.yaml")), "-o", str(out)]) == 0
    assert "(stack docs," in capsys.readouterr().err
    assert "stacks/Pulumi.docs.yaml" in out.read_text()
    assert main(["validate", "--file", str(out)]) == 0
    assert "valid (stack docs, region us-west-2, endpoints: ec2, ecr.api, ecr.dkr, sts, s3, autoscaling, " \
           "cloudformation, logs)" in capsys.readouterr().out


def test_a_stack_name_that_contradicts_the_output_file_exits_2(tmp_path, capsys):
    out = tmp_path / "Pulumi.docs.yaml"
    assert main(["import-eksctl", str(data("docs-fully-private.yaml")), "--stack", "other", "-o", str(out)]) == 2
    assert "is the file of stack 'docs', not --stack 'other'" in capsys.readouterr().err
    assert not out.exists()
