"""Hostile stack files (the offline plan runs on untrusted fork pull requests): every one ends
quickly in exit 2 with a clear message, never a traceback, a hang or gigabytes of memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from automation.cli import main
from components import input_files
from components.settings import SettingsError, load_stack_file, settings_from_document
from tests.settings.test_rules import base

ROOT = Path(__file__).resolve().parents[2]
# A hang detector, not a speed target (benchmarks/validate_speed.py measures speed): far above
# what any of these inputs takes, far below what they took before they were refused.
BUDGET = 10.0

HEAD = "config:\n  aws:region: us-west-2\n  private-eks:cluster:\n    metadata: {name: hostile}\n"


def write(tmp_path: Path, text: str, name: str = "Pulumi.hostile.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def refused(path: Path) -> str:
    """Load ``path``, assert it is refused within the budget, return the rendered problems."""
    started = time.monotonic()
    with pytest.raises(SettingsError) as e:
        load_stack_file(path)
    assert time.monotonic() - started < BUDGET
    return e.value.render()


@pytest.mark.parametrize("depth", [3_000, 10_000])
def test_deep_nesting_is_refused_by_depth(tmp_path, depth):
    text = HEAD + "    vpc: " + "[" * depth + "]" * depth + "\n"
    assert f"nested more than {input_files.MAX_DEPTH} levels deep" in refused(write(tmp_path, text))


def test_an_integer_of_5000_digits_is_refused_with_its_line(tmp_path):
    text = HEAD + "    managedNodeGroups: [{name: a, privateNetworking: true, desiredCapacity: " + "9" * 5000 + "}]\n"
    assert "line 5" in (msg := refused(write(tmp_path, text))) and "too many digits" in msg


def test_an_integer_beyond_aws_integers_is_refused_by_path(tmp_path):
    """botocore/data/eks/2017-11-01/service-2.json: NodegroupScalingConfig's sizes are ``integer``
    (32-bit); 2**31 cannot reach AWS, and 10**4000 crashed the offline plan's float conversion."""
    text = HEAD + ("    availabilityZones: [us-west-2a, us-west-2b]\n"
                   "    managedNodeGroups: [{name: a, privateNetworking: true, desiredCapacity: 2, maxSize: "
                   + "9" * 4000 + "}]\n")
    msg = refused(write(tmp_path, text))
    assert "managedNodeGroups[0].maxSize" in msg and "out of range" in msg
    doc = base()
    doc["config"]["private-eks:cluster"]["managedNodeGroups"][0]["desiredCapacity"] = 2**31
    with pytest.raises(SettingsError, match=r"managedNodeGroups\[0\]\.desiredCapacity: .*out of range"):
        settings_from_document(doc, stack="x", source="x")


BOMB = """config:
  aws:region: us-west-2
  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]
  a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
  a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
  a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
  a4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
  a5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]
  a6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]
  a7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]
  a8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]
  private-eks:cluster:
    metadata: {name: bomb, tags: *a8}
"""


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    assert "more than 50,000 values (counting each use of an alias)" in refused(write(tmp_path, BOMB))


def test_aliases_and_merge_keys_of_a_normal_size_still_load(tmp_path):
    doc = base()
    text = yaml.safe_dump(doc).replace("config:\n", "x-tags: &tags {team: platform}\nconfig:\n", 1)
    text = text.replace("    metadata:\n", "    metadata:\n      tags: *tags\n", 1)
    settings = load_stack_file(write(tmp_path, text))
    assert settings.cluster.metadata.tags == {"team": "platform"}


def test_a_key_written_twice_is_refused(tmp_path):
    text = HEAD + "    vpc: {cidr: 10.0.0.0/16}\n    vpc: {cidr: 10.1.0.0/16}\n"
    msg = refused(write(tmp_path, text))
    assert "duplicate key 'vpc'" in msg and "line 6" in msg


def test_a_file_over_the_size_limit_is_refused_with_the_limit(tmp_path):
    text = HEAD + "# " + "x" * input_files.MAX_BYTES + "\n"
    assert f"the limit is {input_files.MAX_BYTES:,}" in refused(write(tmp_path, text))


def test_a_50_mb_stack_file_is_refused_without_reading_it(tmp_path):
    f = tmp_path / "Pulumi.big.yaml"
    with f.open("wb") as out:
        out.write(HEAD.encode())
        out.truncate(50 * 1024 * 1024)  # sparse: its size is what matters
    assert "52,428,800 bytes" in refused(f)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_not_a_stack_file(device):
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist on this system")
    assert "not a regular file" in refused(Path(device))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "Pulumi.fifo.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in refused(fifo)


def test_a_folder_is_not_a_stack_file(tmp_path):
    assert "not a regular file" in refused(tmp_path)


def test_a_stack_file_that_is_not_utf8_is_refused(tmp_path):
    f = tmp_path / "Pulumi.latin1.yaml"
    f.write_bytes(HEAD.encode() + b"    # caf\xe9\n")
    assert "not UTF-8" in refused(f)


# -------------------------------------------------------------------------------- stack names


BAD_NAMES = ["a b", "dév", "stacks/../dev", "..", ".hidden", "dev\n", "", "a" * 101, "o/p/s/x"]
COMMANDS = [["validate"], ["plan"], ["proxy-env"], ["audit"], ["preview"], ["up"], ["status"], ["destroy", "--yes"]]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_invalid_stack_name_is_bad_input_on_every_command(name, command, capsys):
    """Pulumi's rule (pulumi/pulumi sdk/go/common/tokens: ``^[A-Za-z0-9_.-]{1,100}$``, optionally
    ``org/project/stack``), and no leading '.': the name becomes a file name."""
    assert main([*command, "--stack", name]) == 2
    assert "not a stack name" in capsys.readouterr().err


def test_valid_and_qualified_stack_names_pass_the_rule():
    from components.settings import check_stack_name

    for name in ("dev", "prod-eu_1.2", "org/private-eks/dev", "A" * 100):
        check_stack_name(name)


def test_an_invalid_stack_name_exits_2_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "automation", "status", "--stack", "stacks/../dev"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "not a stack name" in done.stderr


def test_hostile_files_exit_2_without_a_traceback(tmp_path):
    deep = write(tmp_path, HEAD + "    vpc: " + "{a: " * 5000 + "}" * 5000 + "\n", "Pulumi.deep.yaml")
    bomb = write(tmp_path, BOMB, "Pulumi.bomb.yaml")
    for args in (["validate", "--file", str(deep)], ["plan", "--file", str(bomb)], ["validate", "--file", "/dev/zero"]):
        done = subprocess.run([sys.executable, "-m", "automation", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr and "problem" in done.stderr
