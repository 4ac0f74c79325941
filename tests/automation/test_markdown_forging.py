"""Nothing a pull request writes can forge the report: every name that reaches Markdown is
validated as AWS/Kubernetes validate it, and the renderers escape what they print anyway (plan
files, property paths and findings are free text). The rendered Markdown is parsed by a CommonMark
parser with GFM tables (markdown-it-py), as GitHub renders comments, and its structure checked."""

from __future__ import annotations

import copy
import json

import pytest
from markdown_it import MarkdownIt

from automation import plan as offline
from automation import report
from automation.report import PassPreview, ResourceChange, StackPreview
from components.settings import SettingsError, settings_from_document
from tests.settings.test_rules import base

FORGERIES = [
    "</details>\n\n## Approved",
    "## Approved",
    "x` | **approved** | `y",
    "<img src=https://example.com/x.png>",
    "a\n</details><details open><summary>LGTM</summary>",
    "[click](https://example.com)",
    "```\n# Approved\n```",
]

RENDER = MarkdownIt("commonmark").enable("table")


def structure(markdown: str) -> dict[str, int]:
    """What the renderer, not the content, decides: headings, HTML, links, images, tables."""
    tokens = RENDER.parse(markdown)
    flat = [t for tok in tokens for t in [tok, *(tok.children or [])]]
    html = "".join(t.content for t in flat if t.type in ("html_block", "html_inline"))
    return {
        "headings": sum(t.type == "heading_open" for t in flat),
        "details_open": html.count("<details>"),
        "details_close": html.count("</details>"),
        "other_html": len(html.replace("<details><summary>Pulumi report</summary>", "")
                          .replace("<details><summary>Findings changed</summary>", "")
                          .replace("</details>", "").replace("<br>", "").strip()),
        "links": sum(t.type in ("link_open", "image") for t in flat),
        "tables": sum(t.type == "table_open" for t in flat),
        "rows": sum(t.type == "tr_open" for t in flat),
        "cells": sum(t.type in ("td_open", "th_open") for t in flat),
    }


def preview_with(name: str) -> StackPreview:
    change = ResourceChange("update", "aws:eks/fargateProfile:FargateProfile", name, "urn", (f"tags.{name}",),
                            (name,))
    return StackPreview("dev", "us-west-2", (
        PassPreview(1, "private", "apply", "previewed", (change,), 0, description=name),),
        notes=(name,))


@pytest.mark.parametrize("name", FORGERIES)
def test_a_hostile_name_cannot_change_the_preview_reports_structure(name):
    clean, forged = report.stack_markdown(preview_with("fp-one")), report.stack_markdown(preview_with(name))
    assert structure(forged) == structure(clean)
    assert " ".join(name.split()) in "".join(
        t.content for tok in RENDER.parse(forged) for t in (tok.children or []) if t.type in ("text", "code_inline"))


def plan_with(name: str, finding: str = "ok") -> dict:
    return {"stack": "dev", "region": "us-west-2", "findings": [finding], "endpointCostPerHour": 0.0,
            "passes": [{"phase": "private", "resources": [
                {"type": "aws:eks/fargateProfile:FargateProfile", "name": name, "parent": None,
                 "inputs": {"fargateProfileName": name, "tags": {name: name}}}]}]}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_hostile_plan_file_cannot_change_the_plan_diffs_structure(name):
    old = plan_with("fp-zero", "old")
    clean = offline.render_diff_markdown(offline.diff_plans(old, plan_with("fp-one", "new")))
    forged = offline.render_diff_markdown(offline.diff_plans(old, plan_with(name, name)))
    assert structure(forged) == structure(clean)


@pytest.mark.parametrize("name", FORGERIES)
def test_a_hostile_stack_or_region_in_a_plan_file_is_shown_as_code(name):
    old, new = plan_with("a"), dict(plan_with("a"), stack=name, region=name, passes=[{"phase": name, "resources": []}])
    md = offline.render_diff_markdown(offline.diff_plans(old, new))
    s = structure(md)
    assert s["headings"] == 1 and s["other_html"] == 0 and s["links"] == 0


# ------------------------------------------------------------------ names refused at validation


def doc_with(path: tuple, value) -> dict:
    doc = copy.deepcopy(base())
    node = doc["config"]["private-eks:cluster"]
    node.setdefault("fargateProfiles", [{"name": "fp", "selectors": [{"namespace": "default"}]}])
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def refused(doc: dict, where: str) -> None:
    with pytest.raises(SettingsError) as e:
        settings_from_document(doc, stack="t", source="Pulumi.t.yaml")
    assert any(p.path.startswith(where) for p in e.value.problems), e.value.render()


@pytest.mark.parametrize("name", FORGERIES + ["eks-default", "-fp", "a" * 101])
def test_a_fargate_profile_name_follows_eks_rule(name):
    """botocore/data/eks/2017-11-01/service-2.json (ClusterName: ``^[0-9A-Za-z][A-Za-z0-9\\-_]*``, at
    most 100; CloudFormation's FargateProfileName has the same rule); eksctl pkg/fargate: the
    ``eks-`` prefix is reserved."""
    refused(doc_with(("fargateProfiles", 0, "name"), name), "fargateProfiles[0].name")


def test_a_fargate_profile_name_of_eks_characters_is_accepted():
    settings_from_document(doc_with(("fargateProfiles", 0, "name"), "Fp_1-default"), stack="t", source="x")


@pytest.mark.parametrize("path, where", [
    (("metadata", "name"), "metadata.name"),
    (("managedNodeGroups", 0, "name"), "managedNodeGroups[0].name"),
    (("fargateProfiles", 0, "selectors", 0, "namespace"), "fargateProfiles[0].selectors[0].namespace"),
])
@pytest.mark.parametrize("name", FORGERIES + ["ok\n"])
def test_names_that_reach_resources_refuse_markup(path, where, name):
    """A trailing newline too: ``$`` in a Python pattern matches before one (fullmatch does not)."""
    refused(doc_with(path, name), where)


@pytest.mark.parametrize("name", FORGERIES + ["aws:reserved", "k" * 129])
def test_tag_keys_follow_aws_tag_rules(name):
    """AWS tag restrictions (EC2 User Guide, "Tag restrictions"): 1-128 characters of letters,
    digits, spaces and ``_ . : / = + - @``; ``aws:`` is reserved."""
    refused(doc_with(("metadata", "tags"), {name: "v"}), "metadata.tags")
    if name in FORGERIES:
        refused(doc_with(("metadata", "tags"), {"k": name}), "metadata.tags")


def test_tags_of_aws_characters_are_accepted():
    settings_from_document(doc_with(("metadata", "tags"), {"team:Platform/x=1 @a+b": "Équipe 1"}), stack="t", source="x")


@pytest.mark.parametrize("name", FORGERIES)
def test_labels_and_taints_follow_kubernetes_rules(name):
    """kubernetes/apimachinery pkg/util/validation/validation.go: label keys are qualified names,
    values label values; taints are validated the same way."""
    refused(doc_with(("managedNodeGroups", 0, "labels"), {name: "v"}), "managedNodeGroups[0].labels")
    refused(doc_with(("managedNodeGroups", 0, "labels"), {"role": name}), "managedNodeGroups[0].labels")
    refused(doc_with(("managedNodeGroups", 0, "taints"), [{"key": name, "effect": "NoSchedule"}]),
            "managedNodeGroups[0].taints[0].key")


def test_labels_with_a_prefix_are_accepted():
    settings_from_document(doc_with(("managedNodeGroups", 0, "labels"), {"example.com/role": "apps.v1"}),
                           stack="t", source="x")


@pytest.mark.parametrize("value", ["us-west-2a</details>", "us-west-2a\n## Approved"])
def test_a_subnets_zone_is_an_availability_zone(value):
    doc = doc_with(("vpc",), {"cidr": "10.0.0.0/16", "subnets": {"private": {
        "one": {"cidr": "10.0.0.0/20", "az": value}, "us-west-2b": {"cidr": "10.0.16.0/20"}}}})
    refused(doc, "vpc.subnets.private.one")


@pytest.mark.parametrize("region", ["us-west-2</details>", "us-west-2\n", "## Approved"])
def test_the_region_is_a_region_name(region):
    doc = base()
    doc["config"]["aws:region"] = region
    refused(doc, "aws:region")


def test_the_json_report_keeps_names_as_they_are():
    """Escaping is the Markdown renderer's job; the JSON report carries the exact text."""
    data = json.loads(report.to_json(preview_with(FORGERIES[0])))
    assert data["passes"][0]["changes"][0]["name"] == FORGERIES[0]


# ------------------------------------------- one escaping module (automation/markdown.py)

from automation import markdown as md  # noqa: E402

FENCE_BREAKERS = FORGERIES + [
    "x\n```\n# Approved\n```",                 # the key: a newline and three backticks
    "x\n````````\n## Approved\n![i](https://example.com/i.png)",
    "x\n~~~\n# Approved",
    "nul\x00byte\x1b[31m\n<script>alert(1)</script>",
]


def tokens_of(markdown: str) -> list:
    return [t for tok in RENDER.parse(markdown) for t in [tok, *(tok.children or [])]]


@pytest.mark.parametrize("text", FENCE_BREAKERS)
def test_a_block_cannot_be_closed_by_its_content(text):
    """CommonMark §4.5: a fenced block ends only at a fence at least as long as its opener; the
    helper's fence is longer than any backtick run inside. Everything stays in one code block."""
    rendered = "before\n\n" + md.md_block(f"problem: {text}\nnext line") + "\n\nafter"
    flat = tokens_of(rendered)
    fences = [t for t in flat if t.type == "fence"]
    assert len(fences) == 1 and "next line" in fences[0].content
    assert not [t for t in flat if t.type in ("heading_open", "link_open", "image", "html_block", "html_inline")]
    assert "\x00" not in rendered and "\x1b" not in rendered


@pytest.mark.parametrize("text", FENCE_BREAKERS)
def test_text_and_code_spans_make_no_markup(text):
    for rendered in (md.md_text(text), md.md_code(text), "| a |\n|---|\n| " + md.md_code(text, table=True) + " |"):
        flat = tokens_of(rendered)
        assert not [t for t in flat if t.type in ("heading_open", "link_open", "image", "html_block", "html_inline",
                                                  "fence", "code_block")], rendered
        assert sum(t.type in ("td_open", "th_open") for t in flat) in (0, 2)


def test_every_renderer_uses_the_one_module():
    """report.py and the plan diff's comment (automation/plan/comment.py) print user text only
    through automation/markdown.py's helpers."""
    import inspect

    from automation.plan import comment

    assert report.md_text is md.md_text and report.md_code is md.md_code
    assert comment.md_text is md.md_text and comment.md_code is md.md_code
    for module in (report, comment):
        assert "_MD_PUNCTUATION" not in inspect.getsource(module)


@pytest.mark.parametrize("key", ["x\n```\n# Approved\n```", "a`b", "k" * 100_000, "nul\x00"])
def test_validate_prints_a_hostile_field_name_on_one_quoted_line(key):
    """validate's problems flow into the comment: a field name never breaks a line, never
    carries a raw backtick run or control character, and is cut when huge."""
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"][key] = 1
    with pytest.raises(SettingsError) as e:
        settings_from_document(doc, stack="t", source="Pulumi.t.yaml")
    rendered = e.value.render()
    line = next(line for line in rendered.splitlines() if "unknown field" in line)
    assert len(rendered.splitlines()) == 2 and len(line) < 400
    assert "\x00" not in rendered
    # As plan-comment shows it: one code block, whatever backticks the name holds.
    assert [t.type for t in tokens_of(md.md_block(rendered)) if t.type in ("fence", "heading_open")] == ["fence"]
