"""docs/operations.md stays true: every `sh` block is either run here, as pasted (it needs nothing
but Python and git), or names what it needs that a test machine lacks (AWS, a cluster, a state
backend); its stack-file snippets validate."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from components.settings import settings_from_document
from tests.doc_blocks import run_block

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "operations.md"
TEXT = DOC.read_text()
OFFLINE = re.compile(r"^(\.venv/bin/private-eks (validate|plan|plan-diff|proxy-env|import-eksctl) |git show |"
                     r"bash scripts/ci/)")
ONLINE = re.compile(r"^(aws |kubectl |endpoint=\$\(aws |export PULUMI_BACKEND_URL=|cd \.pulumi-state/\S+ && pulumi |"
                    r"\.venv/bin/private-eks (up|preview|status|destroy|audit|close|connect|kubectl) |"
                    # connect in CI: waiting for its line, the commands through it, ending it
                    r"until \[ -s /tmp/relay\.json \]|KUBECONFIG=/tmp/dev\.kubeconfig (helm|kubectl) |kill %1$)")


def blocks(lang: str) -> list[str]:
    """The fenced blocks of ``lang``, those inside list items too (dedented)."""
    return [textwrap.dedent(b) for b in re.findall(rf"^ *```{lang}\n(.*?)^ *```", TEXT, flags=re.S | re.M)]


def commands(block: str) -> list[str]:
    """The block's commands, continuation lines joined."""
    return [c.strip() for c in block.replace("\\\n", " ").splitlines() if c.strip()]


def offline(block: str) -> bool:
    return all(OFFLINE.match(c) for c in commands(block))


def test_the_readme_links_here():
    assert "(docs/operations.md)" in (ROOT / "README.md").read_text()


def test_every_block_is_run_or_names_what_it_needs():
    sh = blocks("sh")
    assert len(sh) >= 8
    unaccounted = [c for b in sh if not offline(b) for c in commands(b) if not ONLINE.match(c)]
    assert unaccounted == []
    assert sum(offline(b) for b in sh) >= 3


@pytest.mark.parametrize("block", [b for b in blocks("sh") if offline(b)], ids=lambda b: commands(b)[0][:60])
def test_offline_block_runs(block, tmp_path):
    run = run_block(block, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("snippet", [b for b in blocks("yaml") if "privateCluster:" in b],
                         ids=lambda b: b.split("[", 1)[1].split("]", 1)[0])
def test_endpoint_snippet_validates_in_the_dev_stack(snippet):
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    cluster = doc["config"]["private-eks:cluster"]
    cluster["privateCluster"].update(yaml.safe_load(snippet)["privateCluster"])
    settings = settings_from_document(doc, stack="dev", source="stacks/Pulumi.dev.yaml")
    wanted = yaml.safe_load(snippet)["privateCluster"]["additionalEndpointServices"]
    assert set(wanted) <= {s.name for s in settings.endpoint_services()}


def test_secrets_provider_snippet_is_accepted_beside_the_config():
    snippet = next(b for b in blocks("yaml") if b.startswith("secretsprovider:"))
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    doc = {**yaml.safe_load(snippet), "config": doc["config"]}
    settings = settings_from_document(doc, stack="dev", source="stacks/Pulumi.dev.yaml")
    assert settings.region == "us-west-2"
