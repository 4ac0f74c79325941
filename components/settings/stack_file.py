"""Where a stack's settings come from: a stack file (``Pulumi.<stack>.yaml``), a parsed document,
or the running Pulumi program's config; and the rule for stack names."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from components import input_files
from components.settings.base import Problem, SettingsError, yaml_error_message
from components.settings.cluster import StackSettings
from components.settings.defaults import CONFIG_KEY, PROJECT, REGION_KEY
from components.settings.validate import one_per_typo, validate_cluster

# Pulumi's rule for a stack name (pulumi/pulumi sdk/go/common/tokens: ``^[A-Za-z0-9_.-]{1,100}$``,
# optionally qualified as ``org/project/stack``), and a first character that is a letter or digit:
# the name becomes a file name (``Pulumi.<stack>.yaml``), which must not be hidden or ``..``.
STACK_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def check_stack_name(stack: str) -> None:
    """Raise SettingsError (exit 2) unless ``stack`` is a valid, optionally qualified, stack name."""
    parts = stack.split("/") if isinstance(stack, str) else [stack]
    if len(parts) > 3 or not all(isinstance(p, str) and STACK_NAME_RE.fullmatch(p) for p in parts):
        raise SettingsError(f"--stack {stack!r}", [Problem("", (
            "not a stack name: letters, digits, '-', '_' and '.', starting with a letter or digit, at most 100 "
            "(optionally qualified as org/project/stack)"))])


def stack_name_from_path(path: Path, document: Any = None) -> str:
    m = re.match(r"^Pulumi\.(.+)\.ya?ml$", path.name)
    if m:
        return m.group(1)
    try:
        return str(document["config"][CONFIG_KEY]["metadata"]["name"])
    except (TypeError, KeyError):
        return path.stem


def load_stack_file(path: str | Path, *, stack: str | None = None, display: str | None = None) -> StackSettings:
    """Read a stack file (``config:`` → ``aws:region`` + ``private-eks:cluster``) and validate it.

    Every failure — a missing file, a YAML syntax error, a wrong shape — is a SettingsError.
    """
    path = Path(path)
    source = display or str(path)
    try:
        text = input_files.read_text(path, what="stack file")
    except FileNotFoundError:
        raise SettingsError(source, [Problem("", "no such stack file")]) from None
    except input_files.InputFileError as e:
        raise SettingsError(source, [Problem("", str(e))]) from None
    try:
        # Limits on size, depth and alias expansion; a key written twice is refused.
        doc = input_files.load_yaml(text)
    except yaml.YAMLError as e:
        raise SettingsError(source, [Problem("", yaml_error_message(e))]) from None
    return settings_from_document(doc, stack=stack or stack_name_from_path(path, doc), source=source)


def settings_from_document(doc: Any, *, stack: str, source: str) -> StackSettings:
    if doc is None:
        raise SettingsError(source, [Problem("", "the stack file is empty; it needs a config: mapping")])
    if not isinstance(doc, Mapping):
        raise SettingsError(source, [Problem("", f"the stack file must be a mapping, not a {type(doc).__name__}")])
    config = doc.get("config")
    if not isinstance(config, Mapping):
        what = "missing" if config is None else f"a {type(config).__name__}, not a mapping"
        raise SettingsError(source, [Problem("config", f"is {what}")])
    # A misspelt `private-eks:cluster` or `aws:region` is that one problem (with a suggestion), and
    # what it holds is still checked.
    typos: list[Problem] = []
    values = {}
    for wanted in (CONFIG_KEY, REGION_KEY):
        values[wanted] = config.get(wanted)
        if wanted in config:
            continue
        for key in config:
            if isinstance(key, str) and difflib.get_close_matches(key, [wanted], n=1, cutoff=0.8):
                typos.append(Problem(key, f"unknown key (did you mean {wanted!r}?)"))
                values[wanted] = config[key]
                break
    try:
        settings = validate_cluster(values[CONFIG_KEY], values[REGION_KEY], stack=stack, source=source)
    except SettingsError as e:
        if typos:
            raise SettingsError(source, one_per_typo(typos + e.problems)) from None
        raise
    if typos:
        raise SettingsError(source, typos)
    return settings


def settings_from_pulumi_config() -> StackSettings:
    """The settings inside a running Pulumi program, from the stack's config."""
    import pulumi

    cluster = pulumi.Config(PROJECT).get_object("cluster")
    region = pulumi.Config("aws").get("region")
    stack = pulumi.get_stack()
    return validate_cluster(cluster, region, stack=stack, source=f"stacks/Pulumi.{stack}.yaml")
