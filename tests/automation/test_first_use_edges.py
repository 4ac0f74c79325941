"""The rough edges a new user meets: several --stack on validate and plan, versions EKS offers,
unknown regions, misspelt keys, one problem per typo in a stable order, eksctl's newer fields,
--help exit codes as the README states them, setup's options, and plain `pulumi up`'s warning."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from automation import cli
from automation.eksctl import import_cluster_config
from automation.plain_up import transform
from components import eks_versions
from components.settings import SettingsError, settings_from_document
from tests.automation.test_runner_commands_without_prerequisites import assert_clean, run

ROOT = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())


def problems_of(doc: dict) -> list[str]:
    with pytest.raises(SettingsError) as e:
        settings_from_document(doc, stack="dev", source="stacks/Pulumi.dev.yaml")
    return [str(p) for p in e.value.problems]


def with_cluster(**changes) -> dict:
    doc = copy.deepcopy(DEV)
    doc["config"]["private-eks:cluster"].update(changes)
    return doc


# ----------------------------------------------------------------------------- several stacks


def test_validate_gives_every_stacks_result_and_fails_if_any_fails(clean_env, project):
    (project / "stacks" / "Pulumi.broken.yaml").write_text(
        (project / "stacks" / "Pulumi.dev.yaml").read_text().replace('version: "1.33"', 'version: "1.3"'))
    done = run(["--project-dir", str(project), "validate", "-s", "broken", "-s", "dev"], clean_env)
    assert_clean(done, 2)
    assert "stacks/Pulumi.broken.yaml: 1 problem" in done.stderr and "stacks/Pulumi.dev.yaml: valid" in done.stdout
    done = run(["--project-dir", str(project), "validate", "-s", "dev", "-s", "existing-vpc"], clean_env)
    assert_clean(done, 0)
    assert done.stdout.count(": valid") == 2


def test_plan_of_several_stacks_prints_each_and_exits_with_the_worst(clean_env, project):
    (project / "stacks" / "Pulumi.broken.yaml").write_text("config:\n  aws:region: us-west-2\n")
    done = run(["--project-dir", str(project), "plan", "-s", "dev", "-s", "broken", "-s", "existing-vpc", "--json"],
               clean_env)
    assert_clean(done, 2)
    assert [p["stack"] for p in json.loads(done.stdout)] == ["dev", "existing-vpc"]


# ------------------------------------------------------------------------------- versions


@pytest.mark.parametrize("version", eks_versions.OFFERED)
def test_every_offered_version_validates(version):
    """eksctl pkg/apis/eksctl.io/v1alpha5/types.go Version1_31..Version1_35 (99984adb)."""
    settings_from_document(with_cluster(metadata={"name": "x", "version": version}), stack="dev", source="s")


@pytest.mark.parametrize("version, says", [
    ("1.3", "'1.3' is not a Kubernetes version EKS offers"),
    ("1.99", "'1.99' is not a Kubernetes version EKS offers"),
    ("1.20", "EKS no longer offers Kubernetes 1.20"),  # eksctl DeprecatedVersions (types.go at c97eec98^)
    ("1.30", "EKS no longer offers Kubernetes 1.30"),  # end of extended support 2026-07-23 (EKS calendar)
])
def test_versions_eks_does_not_offer_are_refused(version, says):
    (problem,) = problems_of(with_cluster(metadata={"name": "x", "version": version}))
    assert problem.startswith("metadata.version: ") and says in problem


def test_a_yaml_float_version_names_the_version_meant_quoted():
    """YAML 1.1 reads 1.30 as the float 1.3: the hint is "1.30", never "1.3"."""
    doc = yaml.safe_load(yaml.safe_dump(DEV).replace("version: '1.33'", "version: 1.30"))
    (problem,) = problems_of(doc)
    assert 'write it quoted, "1.30"' in problem and '"1.3"' not in problem
    doc = yaml.safe_load(yaml.safe_dump(DEV).replace("version: '1.33'", "version: 1.33"))
    assert problems_of(doc) == ['metadata.version: write it quoted, "1.33": YAML reads 1.33 as the number 1.33']


# ------------------------------------------------------------------------- regions and keys


def test_an_unknown_region_is_one_problem_named_as_such():
    """Regions: the pinned botocore's data/endpoints.json; the zones are not checked against a typo."""
    doc = copy.deepcopy(DEV)
    doc["config"]["aws:region"] = "us-weast-2"
    assert problems_of(doc) == ["aws:region: 'us-weast-2' is not an AWS region (did you mean 'us-west-2'?)"]
    assert "us-west-2" in eks_versions.aws_regions() and "cn-north-1" in eks_versions.aws_regions()


def test_a_misspelt_cluster_key_is_suggested_and_its_content_still_checked():
    doc = copy.deepcopy(DEV)
    doc["config"]["private-eks:clustr"] = doc["config"].pop("private-eks:cluster")
    assert problems_of(doc) == ["private-eks:clustr: unknown key (did you mean 'private-eks:cluster'?)"]
    doc["config"]["private-eks:clustr"]["metadata"]["version"] = "1.99"
    assert len(problems_of(doc)) == 2


def test_one_typo_is_one_problem():
    doc = copy.deepcopy(DEV)
    meta = doc["config"]["private-eks:cluster"]["metadata"]
    meta["nme"] = meta.pop("name")
    assert problems_of(doc) == ["metadata.nme: unknown field (did you mean 'name'?)"]


def test_problems_come_in_a_stable_order_whatever_the_key_order():
    doc = copy.deepcopy(DEV)
    c = doc["config"]["private-eks:cluster"]
    c["vpc"]["cidr"] = "10.0.0.0/33"
    c["metadata"]["version"] = "1.99"
    c["managedNodeGroups"][0]["minSize"] = -1
    first = problems_of(doc)
    c2 = dict(reversed(list(c.items())))
    doc["config"]["private-eks:cluster"] = c2
    assert problems_of(doc) == first and len(first) >= 3
    assert [p.split(":")[0] for p in first] == sorted(p.split(":")[0] for p in first)


# ----------------------------------------------------------------------------- eksctl import


def test_the_import_knows_deletion_protection_and_connection_tracking():
    """eksctl examples/46-deletion-protection-example.yaml (top-level deletionProtection) and
    NodeGroupBase.connectionTracking (eksctl-io/eksctl pull 8872)."""
    config = {"apiVersion": "eksctl.io/v1alpha5", "kind": "ClusterConfig",
              "metadata": {"name": "dp", "region": "us-west-2", "version": "1.33"},
              "accessConfig": {"authenticationMode": "API"}, "deletionProtection": False,
              "managedNodeGroups": [{"name": "m", "privateNetworking": True,
                                     "connectionTracking": {"tcpEstablishedTimeout": 3600}}]}
    r = import_cluster_config(yaml.safe_dump(config), allow_drop=True)
    assert [d.path for d in r.dropped] == ["managedNodeGroups[0].connectionTracking"]
    for value in (False, True):  # carried as it is: a private-eks setting of the same name
        config["deletionProtection"] = value
        r = import_cluster_config(yaml.safe_dump(config), allow_drop=True)
        assert r.settings.cluster.deletion_protection is value


# ------------------------------------------------------------------------------ help and setup


def test_help_states_the_exit_codes_the_readme_states():
    readme = (ROOT / "README.md").read_text()
    table = {m[1]: m[2] for m in re.finditer(r"^\| `([a-z-]+)[^|]*?(?:\\\|[^|]*?)*` \|.*\| ([^|]+) \|$", readme, re.M)}
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.choices and "validate" in a.choices)
    assert set(cli.EXIT_CODES) == set(subparsers.choices)
    for name, sub in subparsers.choices.items():
        assert table.get(name, "").strip() == cli.EXIT_CODES[name], name
        assert " ".join(sub.format_help().split()).endswith(f"exit codes: {cli.EXIT_CODES[name]}")


def fake_setup(tmp_path: Path) -> tuple[Path, Path]:
    work = tmp_path / "repo"
    (work / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup", work / "scripts" / "setup")
    shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
    log = tmp_path / "pip.log"
    fake = work / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    fake.chmod(0o755)
    return work, log


def test_setup_installs_what_running_needs_and_the_test_tools_only_when_asked(tmp_path):
    work, log = fake_setup(tmp_path)
    subprocess.run(["bash", "scripts/setup"], cwd=work, check=True, capture_output=True)
    assert log.read_text().splitlines()[-1] == "-m pip install --quiet -e ."
    subprocess.run(["bash", "scripts/setup"], cwd=work, check=True, capture_output=True)
    assert len(log.read_text().splitlines()) == 2  # nothing changed: nothing installed
    subprocess.run(["bash", "scripts/setup", "--test"], cwd=work, check=True, capture_output=True)
    assert log.read_text().splitlines()[-1] == "-m pip install --quiet -e .[test]"
    assert "setup --test" in (ROOT / "scripts" / "test").read_text()
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_the_editable_install_is_a_plain_path_entry():
    """setuptools' editable_wheel picks the static .pth strategy for package-dir {"": "."} with the
    packages at the root; the meta-path finder it picks otherwise ends with the banner about
    folders named like the package, which a user cannot act on."""
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert data["package-dir"] == {"": "."} and {"automation", "components"} <= set(data["packages"])


def test_every_package_folder_is_listed_for_the_wheel():
    """setuptools installs only the packages listed (pyproject [tool.setuptools] packages); a
    subpackage left out works in the editable install and is missing from a built wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(ROOT).parts) for top in ("automation", "components")
               for p in (ROOT / top).rglob("__init__.py")}
    assert listed == folders


# ----------------------------------------------------------------------------- plain pulumi up


class _Args:
    def __init__(self, type_: str, name: str, props: dict):
        self.type_, self.name, self.props = type_, name, props


def test_plain_pulumi_up_warns_once_per_resource_that_needs_the_kubernetes_api():
    """The runner's rule (automation/kubernetes_api.py) applied as resources register."""
    said: list[str] = []
    check = transform("CONFIG_MAP", said.append)
    check(_Args("eks:index:Cluster", "c", {"authenticationMode": "CONFIG_MAP"}))
    check(_Args("eks:index:Cluster", "c", {"authenticationMode": "CONFIG_MAP"}))
    check(_Args("kubernetes:core/v1:ServiceAccount", "sa", {}))
    check(_Args("aws:ec2/vpc:Vpc", "v", {}))
    assert len(said) == 2 and all("needs the Kubernetes API" in s and "private-eks up" in s for s in said)
    quiet: list[str] = []
    api = transform("API", quiet.append)
    api(_Args("eks:index:Cluster", "c", {"authenticationMode": "API"}))
    assert quiet == []
    assert "register(settings.cluster.access_config.authentication_mode)" in (ROOT / "__main__.py").read_text()


def test_readme_quick_start_says_which_commands_need_the_pulumi_cli():
    quick = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    for command in ("validate", "plan", "plan-diff", "preview", "up", "status", "destroy"):
        assert f"`{command}`" in quick, command
    assert "scripts/install-pulumi-cli" in quick and "pulumi-language-python" in quick
    assert os.path.exists(ROOT / "scripts" / "install-pulumi-cli")
