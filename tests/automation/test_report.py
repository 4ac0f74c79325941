"""Engine events → per-resource changes → Markdown (Pulumi GitHub Action conventions) and JSON."""

import json
from pathlib import Path

import pytest
from pulumi.automation.events import EngineEvent

from automation import report
from automation.report import MARKDOWN_LIMIT, EventCollector, PassPreview, ResourceChange, StackPreview
from tests.automation.helpers import diagnostic, failed, step

FIXTURES = Path(__file__).resolve().parents[1] / "engine" / "fixtures"
CLUSTER = "aws:eks/cluster:Cluster"


def collect(*events) -> EventCollector:
    c = EventCollector()
    for e in events:
        c(e)
    return c


# ---------------------------------------------------------------------------- collection


def test_changes_carry_operation_type_name_and_changed_properties():
    c = collect(step("update", CLUSTER, "demo-eksCluster", diffs=["vpcConfig"]))
    assert c.changes == [ResourceChange("update", CLUSTER, "demo-eksCluster",
                                        "urn:pulumi:demo::private-eks::aws:eks/cluster:Cluster::demo-eksCluster",
                                        ("vpcConfig",))]


def test_default_providers_are_left_out_and_explicit_ones_kept():
    c = collect(step("update", "pulumi:providers:pulumi-python", "default"),
                step("update", "pulumi:providers:aws", "default_7_51_1"),
                step("update", "pulumi:providers:aws", "us-east-1"))
    assert [(ch.type, ch.name) for ch in c.changes] == [("pulumi:providers:aws", "us-east-1")]


def test_detailed_diff_keys_are_used_when_there_are_no_diffs():
    from pulumi.automation.events import DiffKind, PropertyDiff

    e = step("update", CLUSTER, "c")
    e.resource_pre_event.metadata.detailed_diff = {"vpcConfig.endpointPublicAccess": PropertyDiff(DiffKind.UPDATE, True)}
    assert collect(e).changes[0].changed == ("vpcConfig.endpointPublicAccess",)


def test_inputs_are_compared_when_the_provider_reports_no_keys():
    e = step("update", "pulumi-python:dynamic/standin:Cluster", "c")
    meta = e.resource_pre_event.metadata
    meta.old = type(meta.old)(type=meta.type, urn=meta.urn, id="", parent="", provider="",
                              inputs={"endpointPublicAccess": True, "name": "x", "__provider": "a"})
    meta.new = type(meta.new)(type=meta.type, urn=meta.urn, id="", parent="", provider="",
                              inputs={"endpointPublicAccess": False, "name": "x", "__provider": "b"})
    assert collect(e).changes[0].changed == ("endpointPublicAccess",)


def test_replacements_list_the_keys_that_force_them():
    c = collect(step("replace", "aws:ec2/vpc:Vpc", "vpc", diffs=["cidrBlock", "tags"], keys=["cidrBlock"]))
    assert c.changes[0].replace_keys == ("cidrBlock",)


def test_unchanged_resources_are_counted_not_listed():
    c = collect(step("same", "aws:ec2/vpc:Vpc", "vpc"), step("same", "aws:ec2/subnet:Subnet", "a"),
                step("create", "aws:ec2/subnet:Subnet", "b"))
    assert [x.name for x in c.changes] == ["b"] and c.unchanged == 2


def test_a_step_reported_twice_is_listed_once():
    c = collect(step("create", "aws:ec2/vpc:Vpc", "vpc"), step("create", "aws:ec2/vpc:Vpc", "vpc"))
    assert len(c.changes) == 1


def test_error_diagnostics_and_failed_resources_are_kept():
    c = collect(diagnostic("debug noise", "debug"), diagnostic("boom: AccessDenied\n"), diagnostic("boom: AccessDenied"),
                failed(CLUSTER, "c"))
    assert c.errors == ["boom: AccessDenied"]
    assert c.failed_urns == ["urn:pulumi:demo::private-eks::aws:eks/cluster:Cluster::c"]


def test_the_cluster_is_found_by_type_or_by_its_endpoint_property():
    c = collect(step("create", CLUSTER, "eks"), step("create", "x:y:Z", "standin", inputs={"endpointPublicAccess": True}),
                step("create", "aws:ec2/vpc:Vpc", "vpc"), step("create", "pulumi:pulumi:Stack", "root"),
                step("create", "x:y:Component", "comp", inputs={"endpointPublicAccess": True}, custom=False))
    assert [type_ for _, type_, _ in c.cluster_candidates()] == [CLUSTER, "x:y:Z"]


# ------------------------------------------------------------------------------- markdown


def preview(rows: int = 3, *, long_names: int = 10) -> StackPreview:
    changes = tuple(ResourceChange("create", "aws:ec2/subnet:Subnet", f"subnet-{i}-{'x' * long_names}",
                                   f"urn:pulumi:dev::private-eks::aws:ec2/subnet:Subnet::subnet-{i}")
                    for i in range(rows))
    close = PassPreview(2, "private", "close", "derived",
                        (ResourceChange("update", CLUSTER, "dev-eksCluster", "urn:c",
                                        report.endpoint_access_properties(CLUSTER)),),
                        description="public API access off")
    return StackPreview("dev", "us-west-2", (
        PassPreview(1, "bootstrap", "create", "previewed", changes, description="public API access on"), close),
        bootstrap_cidrs=("203.0.113.7/32",))


def test_markdown_has_a_heading_per_stack_a_summary_and_collapsible_details():
    md = report.stack_markdown(preview())
    lines = md.splitlines()
    assert lines[0] == "#### :tropical_drink: `preview` on dev"
    assert "pass 1 (`bootstrap`): 3 to create; pass 2 (`private`): 1 to update" in md
    assert "<details><summary>Pulumi report</summary>" in md and md.rstrip().endswith("</details>")
    assert md.index("<details>") > md.index("pass 1 (`bootstrap`)")


def test_markdown_states_pass_two_and_the_final_endpoint_access():
    md = report.stack_markdown(preview())
    assert "final API endpoint access: public off, private on" in md
    assert "Pass 2: public API access off" in md
    assert "| ~ update | `aws:eks/cluster:Cluster` | dev-eksCluster | vpcConfig.endpointPublicAccess, vpcConfig.publicAccessCidrs |" in md
    assert "derived from the program" in md and "previewed by the engine" in md
    assert "`203.0.113.7/32`" in md


def test_table_cells_escape_pipes():
    p = StackPreview("dev", "us-west-2", (PassPreview(1, "private", "apply", "previewed", (
        ResourceChange("update", "t", "a|b", "u", ("x|y",)),)),))
    assert "| a\\|b | x\\|y |" in report.stack_markdown(p)


def test_a_short_report_is_not_trimmed():
    assert "trimmed" not in report.stack_markdown(preview(50))


def test_a_long_report_is_trimmed_below_64000_characters_with_a_note():
    md = report.stack_markdown(preview(3000, long_names=40))
    assert len(md) < MARKDOWN_LIMIT
    assert "**Warn**: the report was too long and was trimmed" in md
    shown = int(md.split("trimmed: ")[1].split(" of ")[0])
    assert 0 < shown < 3001 and "of 3001 resource rows shown" in md
    # The summary, pass 2 and the closing tag survive the trimming.
    assert "final API endpoint access: public off" in md and "</details>" in md
    assert "dev-eksCluster" in md


def test_several_stacks_share_the_limit():
    md = report.markdown([preview(3000, long_names=40), StackPreview("prod", "us-east-1", preview(2000, long_names=40).passes)])
    assert len(md) < MARKDOWN_LIMIT
    assert "#### :tropical_drink: `preview` on dev" in md and "#### :tropical_drink: `preview` on prod" in md


def test_json_has_every_change_and_the_final_access():
    data = json.loads(report.to_json(preview(3000)))
    assert data["stack"] == "dev" and data["finalEndpointAccess"] == {"public": False, "private": True}
    assert [p["phase"] for p in data["passes"]] == ["bootstrap", "private"]
    assert len(data["passes"][0]["changes"]) == 3000 and data["passes"][0]["summary"] == {"create": 3000}
    assert data["passes"][1]["kind"] == "derived"
    assert data["passes"][1]["changes"][0]["changedProperties"] == ["vpcConfig.endpointPublicAccess",
                                                                     "vpcConfig.publicAccessCidrs"]


def test_json_of_several_stacks_lists_them():
    data = json.loads(report.to_json([preview(), preview()]))
    assert [s["stack"] for s in data["stacks"]] == ["dev", "dev"]


# ------------------------------------------------------- events recorded from a real engine run


def recorded(name: str) -> EventCollector:
    path = FIXTURES / f"{name}.json"
    if not path.exists():
        pytest.fail(f"missing recorded fixture {path} (tests/engine/record_fixtures.py writes it)")
    return collect(*(EngineEvent.from_json(e) for e in json.loads(path.read_text())))


STANDIN = "pulumi-python:dynamic/standin:Cluster"


def test_recorded_pass_one_preview_creates_everything_including_the_cluster():
    c = recorded("preview-new-bootstrap")
    assert {x.op for x in c.changes} == {"create"} and c.unchanged == 0
    assert ("cluster", STANDIN) in {(x.name, x.type) for x in c.changes}
    assert [t for _, t, _ in c.cluster_candidates()] == [STANDIN]


def test_recorded_pass_two_changes_only_the_clusters_endpoint_access():
    c = recorded("preview-pass2-private")
    assert [(x.op, x.name) for x in c.changes] == [("update", "cluster")]
    assert {"endpointPublicAccess", "publicAccessCidrs"} <= set(c.changes[0].changed)
    assert c.unchanged == 7  # the stand-ins; the default provider is not counted


def test_recorded_day_two_change_is_the_node_group_sizes():
    c = recorded("preview-day2-private")
    node_group = [x for x in c.changes if x.name == "mng-apps"]
    assert node_group and node_group[0].op == "update" and "desiredSize" in node_group[0].changed
    from automation.kubernetes_api import preview_needs

    assert preview_needs(c.changes, authentication_mode="API") == []


def test_recorded_failed_update_keeps_the_error_and_the_failed_resource():
    c = recorded("up-failed-update")
    assert any("injected fault" in e for e in c.errors)
    assert any(u.endswith("::cluster") for u in c.failed_urns)


def test_recorded_events_render_a_report_with_a_derived_pass_two():
    from automation.passes import Pass, derived_close

    bootstrap = recorded("preview-new-bootstrap")
    passes = (PassPreview(1, "bootstrap", "create", "previewed", tuple(bootstrap.changes)),
              derived_close(2, Pass("private", "close"), bootstrap))
    md = report.stack_markdown(StackPreview("engine", "us-west-2", passes))
    # 9 stand-ins to create (the engine's default provider is left out)
    assert "pass 1 (`bootstrap`): 9 to create; pass 2 (`private`): 1 to update" in md
    assert f"| ~ update | `{STANDIN}` | cluster | endpointPublicAccess, publicAccessCidrs |" in md
