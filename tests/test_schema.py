"""The JSON Schema of stack files (schemas/) and the README's configuration reference are what
the settings models generate (automation/schema.py); the example stacks point editors at the
schema, and the schema accepts them and refuses what validation refuses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from automation import schema
from automation.cli import main

ROOT = Path(__file__).resolve().parents[1]
STACKS = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
FIX = "run `python -m automation.schema --write` and commit the result"


def test_the_checked_in_schema_is_what_the_models_generate():
    assert (ROOT / schema.SCHEMA_FILE).read_text(encoding="utf-8") == schema.schema_text(), FIX


def test_the_readme_reference_is_what_the_models_generate():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert schema.readme_with_reference(readme) == readme, FIX


def test_private_eks_schema_prints_the_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema.stack_file_schema()


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.name)
def test_each_example_stack_carries_the_modeline_to_the_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == schema.MODELINE
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == (ROOT / schema.SCHEMA_FILE).resolve()


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.name)
def test_the_schema_accepts_each_example_stack(path):
    jsonschema.Draft202012Validator(schema.stack_file_schema()).validate(yaml.safe_load(path.read_text()))


def test_the_schema_refuses_an_unknown_key_as_validation_does():
    doc = yaml.safe_load(STACKS[0].read_text())
    doc["config"]["private-eks:cluster"]["vpc"]["cidrr"] = "10.0.0.0/16"
    errors = list(jsonschema.Draft202012Validator(schema.stack_file_schema()).iter_errors(doc))
    assert any("cidrr" in e.message for e in errors)


def test_every_field_has_a_description_for_editors_and_the_reference():
    assert [p for p, _, _, meaning in schema.reference_rows() if not meaning] == []
