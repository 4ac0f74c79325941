"""eksctl ClusterConfig → private-eks stack file: the import's sequence.

The stack settings use eksctl's names, so most of a ClusterConfig carries over as it is. The
import walks the whole input and accounts for every key: it is either carried (spec.py: the
settings models, and overrides where the import differs) or listed as dropped with the reason, by
its eksctl path. A few values need no setting because they say what private-eks always does
(``vpc.nat.gateway: Disable``); those are listed as notes. The produced document is validated with
the project's own settings rules, and a result that would not validate is refused with the
problems, named by eksctl path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from automation.eksctl import fixups
from automation.eksctl.render import render
from automation.eksctl.results import ImportInvalid, ImportRefused, ImportResult, NotAClusterConfig, Note
from automation.eksctl.spec import SPEC, sections
from automation.eksctl.walk import Walk
from components import input_files
from components.settings import (
    CONFIG_KEY,
    REGION_KEY,
    STACK_NAME_RE,
    Problem,
    SettingsError,
    settings_from_document,
    yaml_error_message,
)

API_VERSION = "eksctl.io/v1alpha5"
KIND = "ClusterConfig"
_DEFAULT_STACK = "imported"


def _parse(text: str, source: str) -> Any:
    try:
        # Limits on depth and alias expansion; a key written twice is refused.
        docs = [d for d in input_files.load_all_yaml(text) if d is not None]
    except yaml.YAMLError as e:
        raise NotAClusterConfig(source, yaml_error_message(e)) from None
    if not docs:
        raise NotAClusterConfig(source, "is empty; expected an eksctl ClusterConfig")
    if len(docs) > 1:
        raise NotAClusterConfig(source, f"holds {len(docs)} YAML documents; expected one eksctl ClusterConfig")
    return docs[0]


def _check_kind(doc: Any, source: str) -> None:
    if not isinstance(doc, Mapping):
        raise NotAClusterConfig(source, f"is a {type(doc).__name__}, not an eksctl ClusterConfig mapping")
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if api != API_VERSION or kind != KIND:
        raise NotAClusterConfig(source, f"is not an eksctl ClusterConfig: expected apiVersion: {API_VERSION} and "
                                        f"kind: {KIND}, found apiVersion: {api!r}, kind: {kind!r}")


# ------------------------------------------------------------------------------------- output


def _translate(problem: Problem, walk: Walk) -> Problem:
    """A settings problem, named by its eksctl path. The paths coincide (same names, same list
    order; map-form taints always convert to valid entries) except for the region and lists some
    of whose items were dropped whole."""
    if problem.path == REGION_KEY:
        return Problem("metadata.region", problem.message)
    for where, kept in walk.kept.items():
        m = re.match(rf"^{re.escape(where)}\[(\d+)\]", problem.path)
        if m and int(m.group(1)) < len(kept):
            return Problem(f"{where}[{kept[int(m.group(1))]}]{problem.path[m.end():]}", problem.message)
    return problem


def import_cluster_config(
    doc_or_text: Any,
    *,
    stack: str | None = None,
    source: str = "<eksctl config>",
    allow_drop: bool = False,
) -> ImportResult:
    """Turn an eksctl ClusterConfig (YAML text or a parsed mapping) into a validated stack file.

    Raises NotAClusterConfig, ImportInvalid (the result would not validate; raised before
    ImportRefused so that every problem is known at once) or ImportRefused (fields would be dropped
    and ``allow_drop`` is false).
    """
    if stack is not None and not STACK_NAME_RE.fullmatch(stack):
        raise ValueError(f"{stack!r} is not a stack name (letters, digits, '-', '_', '.')")
    doc = _parse(doc_or_text, source) if isinstance(doc_or_text, str) else doc_or_text
    _check_kind(doc, source)

    walk = Walk()
    carried = walk.step(doc, SPEC, "", "")
    metadata = carried.get("metadata")
    region = metadata.pop("region", None) if isinstance(metadata, dict) else None

    added: dict[str, str] = {}
    private = carried.get("privateCluster")
    if private is None or (isinstance(private, dict) and private.get("enabled") is False):
        # A cluster with public access in eksctl: converted, and its nodes made private too (a
        # config that asks for privateCluster and leaves privateNetworking unset is refused, as
        # eksctl refuses it).
        path = "privateCluster" if private is None else "privateCluster.enabled"
        carried["privateCluster"] = {**(private or {}), "enabled": True}
        added["privateCluster"] = "private-eks builds only fully-private clusters"
        walk.notes.append(Note(path, "not enabled: eksctl would build a cluster with public access; "
                                     "the stack file makes it fully private (enabled: true)"))
        fixups.make_nodes_private(carried, walk)
    elif isinstance(private, dict) and "enabled" not in private:
        walk.notes.append(Note("privateCluster.enabled", "not set: private-eks builds only fully-private clusters"))
    fixups.drop_foreign_node_subnets(carried, walk)
    fixups.drop_emptied_items(carried, walk)
    fixups.drop_addon_roles_eksctl_skips(carried, walk)
    fixups.keep_config_map_for_mappings(carried, walk)
    fixups.drop_family_bound_fields(carried, walk)
    fixups.note_launch_templates(carried, walk)
    fixups.note_different_defaults(carried, walk)
    fixups.drop_retired_version(carried, walk)
    if fixups.karpenter_pod_identity(carried, walk):
        added["addons"] = "the Pod Identity agent Karpenter's controller role needs"

    cluster = sections(carried)
    config: dict[str, Any] = {}
    if region is not None:
        config[REGION_KEY] = region
    config[CONFIG_KEY] = cluster
    out_doc = {"config": config}

    if stack is None:
        name = metadata.get("name") if isinstance(metadata, dict) else None
        stack = name if isinstance(name, str) and STACK_NAME_RE.fullmatch(name) else _DEFAULT_STACK

    try:
        settings = settings_from_document(out_doc, stack=stack, source=source)
    except SettingsError as e:
        raise ImportInvalid(source, [_translate(p, walk) for p in e.problems], walk.dropped) from None
    if walk.dropped and not allow_drop:
        raise ImportRefused(source, walk.dropped)

    text = render(out_doc, walk, stack=stack, source=source, added=added)
    if yaml.safe_load(text) != out_doc:
        raise AssertionError("the rendered stack file does not load back to the imported settings")
    return ImportResult(stack=stack, text=text, document=out_doc, settings=settings,
                        dropped=list(walk.dropped), notes=list(walk.notes))
