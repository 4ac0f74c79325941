"""The commands that run the Runner on the project's stacks: preview, up, status, close, audit
(which runs the Runner for a stack whose VPC is its own) and destroy. Each prints its stack's
result through :func:`automation.cli.running.run_each`, which runs the stacks asked for."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automation.cli.common import load_settings, print_json, print_warnings, project, runner_stacks, several
from automation.cli.running import run_each
from automation.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SECURITY,
    ConfigurationError,
    PrivateEksError,
    UsageError,
    short_errors,
)
from automation.passes import BOOTSTRAP_MODES

if TYPE_CHECKING:
    from automation.cli.parser import Commands


def cmd_preview(args: argparse.Namespace) -> int:
    from automation import report

    previews: dict[str, report.StackPreview] = {}

    def work(runner, say) -> tuple[int, str]:
        result = runner.preview(bootstrap_cidrs=args.bootstrap_cidr or ())
        previews[runner.stack_name] = result.report
        for p in result.report.passes:
            say(f"pass {p.number} ({p.phase}, {p.purpose}, {p.kind}): {report.summary_line(p.counts())}")
            for c in p.changes:
                props = f" [{', '.join(c.changed)}]" if c.changed else ""
                say(f"    {c.op:<8} {c.type}  {c.name}{props}")
        say("final API endpoint access: public off, private on")
        return EXIT_OK, "previewed"

    if args.markdown and not Path(args.markdown).resolve().parent.is_dir():
        raise UsageError(f"{args.markdown}: its folder does not exist")
    _check_flags(args)
    _check_cidrs(args)  # a preview opens nothing: a bad flag is refused before anything is asked for
    code = run_each(args, work, needs_aws=True)
    ordered = [previews[s] for s in runner_stacks(args, project(args)) if s in previews]
    if args.json and ordered:
        sys.stdout.write(report.to_json(ordered if several(args) else ordered[0]) + "\n")
    if args.markdown and ordered:
        try:
            Path(args.markdown).write_text(report.markdown(ordered), encoding="utf-8")
        except OSError as e:
            print(f"private-eks: error: cannot write {args.markdown}: {e.strerror or e}", file=sys.stderr)
            return max(code, EXIT_BAD_INPUT)
        print(f"wrote {args.markdown}", file=sys.stderr)
    return code


def cmd_up(args: argparse.Namespace) -> int:
    def work(runner, say) -> tuple[int, str]:
        result = runner.up(bootstrap=args.bootstrap, bootstrap_cidrs=args.bootstrap_cidr or (),
                           apply_desired_size=args.apply_desired_size)
        passes = ", ".join(f"{p.phase}" for p in result.passes)
        keys = ("clusterName", "vpcId", "endpointPhase", "endpointPublicAccess")
        shown = ", ".join(f"{k}={result.outputs[k]}" for k in keys if k in result.outputs)
        say(f"=== {runner.stack_name}: done ({passes}); public endpoint off; {shown} ===")
        say(f"=== {runner.stack_name}: {_window_line(result)} ===")
        # The runner audits after the last pass; a finding is a security problem (exit 3: docs/architecture.md).
        if result.audit_findings is None:
            return EXIT_OK, f"up ({passes}); audit not run"
        if result.audit_findings:
            return EXIT_SECURITY, f"up ({passes}); {len(result.audit_findings)} audit finding(s)"
        return EXIT_OK, f"up ({passes}); audit clean"

    _check_flags(args)
    # A bad --bootstrap-cidr is listed with any missing prerequisite; with every prerequisite there,
    # the runner refuses it itself, after closing a window it finds open (fail closed).
    return run_each(args, work, needs_aws=True, flags=functools.partial(_check_cidrs, args))


def _check_flags(args: argparse.Namespace) -> None:
    """Flags are bad input whatever the environment: refused before credentials are asked for."""
    from automation.passes import check_bootstrap_mode

    if getattr(args, "bootstrap", None) is not None:
        check_bootstrap_mode(args.bootstrap)


def _check_cidrs(args: argparse.Namespace) -> None:
    from automation.passes import parse_bootstrap_cidrs

    if getattr(args, "bootstrap_cidr", None):
        parse_bootstrap_cidrs(args.bootstrap_cidr)


def _window_line(result: Any) -> str:
    """The up summary's line about the bootstrap window (automation/window.py says how it is measured)."""
    if not result.windows:
        never = " (--bootstrap never)" if result.bootstrap == "never" else ""
        return f"public endpoint never on during this run{never}: window 0 s"
    spans = "; ".join(f"{w.opened_at:%H:%M:%S} -> {w.closed_at:%H:%M:%S} UTC" for w in result.windows
                      if w.opened_at and w.closed_at)
    return f"bootstrap window open {result.window_seconds:.1f} s ({spans or 'opened before this run'})"


def _status_window(s: Any) -> str:
    w = s.window
    if w is None:
        return "; no bootstrap window in the update history"
    if w.open:
        since = f"since {w.opened_at:%Y-%m-%d %H:%M:%S} UTC" if w.opened_at else "since an unknown time"
        return f"; window open {since}"
    opened = f"{w.opened_at:%Y-%m-%d %H:%M:%S}" if w.opened_at else "?"
    seconds = w.seconds()
    length = f" ({seconds:.0f} s)" if seconds is not None else ""
    return f"; last window {opened} -> {w.closed_at:%Y-%m-%d %H:%M:%S} UTC{length}"


def cmd_status(args: argparse.Namespace) -> int:
    statuses = []

    def work(runner, say) -> tuple[int, str]:
        s = runner.status()
        statuses.append(s)
        if not args.json:
            if not s.exists or (s.state.value == "none" and not s.outputs):
                say(f"{s.stack}: not deployed" + (" (the stack exists, without resources)" if s.exists else ""))
            else:
                public = "ON (window open)" if s.window_open else ("off" if s.endpoint_public_access is False else "unknown")
                since = f", since {s.since:%Y-%m-%d %H:%M:%S} UTC" if s.since else ""
                say(f"{s.stack}: phase {s.phase or 'none'}, public endpoint {public}{since}"
                    + (f" (last: {s.last_update})" if s.last_update else "") + _status_window(s))
            if s.aws_public_access is not None or s.aws_note:
                aws = {True: "ON", False: "off", None: "unknown"}[s.aws_public_access]
                say(f"{s.stack}: AWS says: public endpoint {aws} ({s.aws_note})")
            for op in s.pending_operations:
                say(f"{s.stack}: pending operation: {op.type} {op.resource_type} {op.urn.rsplit('::', 1)[-1]} "
                    "(a run was killed before it finished; `private-eks up` brings the state back in line with AWS)")
            if s.window_open:
                say(f"{s.stack}: the window is OPEN: close it with `private-eks close --stack {s.stack}`")
            elif s.window_unknown:
                say(f"{s.stack}: AWS could not be asked: the public endpoint MAY be on (exit 3)")
        if s.window_unknown:
            return EXIT_SECURITY, "PUBLIC ENDPOINT UNKNOWN (AWS not reachable)"
        return (EXIT_SECURITY, "PUBLIC ENDPOINT ON") if s.window_open else (EXIT_OK, s.state.value)

    code = run_each(args, work, needs_aws=False)
    if args.json:
        order = {s: i for i, s in enumerate(runner_stacks(args, project(args)))}
        print_json(args, [s.to_json() for s in sorted(statuses, key=lambda s: order.get(s.stack, 0))])
    return code


def cmd_close(args: argparse.Namespace) -> int:
    def work(runner, say) -> tuple[int, str]:
        done = runner.close(wait=args.wait)
        say(f"{runner.stack_name}: {done}")
        return EXIT_OK, "closed"

    return run_each(args, work, needs_aws=True)


def cmd_destroy(args: argparse.Namespace) -> int:
    from automation import prerequisites
    from automation.workspace import STATE_DIR

    found = project(args)
    stacks = runner_stacks(args, found)
    # Nothing to destroy needs no confirmation, no CLI, no passphrase and no credentials.
    for s in stacks:
        found.settings(s)  # a bad name or stack file is bad input, deployed or not
    absent = [s for s in stacks if prerequisites.never_deployed(found, s, os.environ)]
    if absent and len(absent) == len(stacks):
        for s in absent:
            print(f"{s}: never deployed (no state in {found.relative(found.dir / STATE_DIR)}/): nothing to destroy")
        return EXIT_OK
    _confirm_destroy(args)

    def work(runner, say) -> tuple[int, str]:
        result = runner.destroy(force=args.force)
        if not result.existed:
            say(f"{runner.stack_name}: no such stack in the state backend: nothing to destroy")
            return EXIT_OK, "nothing to destroy"
        for e in short_errors(list(result.errors)):
            say(f"  error: {e}")
        if result.remaining:
            say(f"{runner.stack_name}: {len(result.remaining)} resource(s) left:")
            for r in result.remaining:
                say(f"    {r.type}  {r.name}  ({r.urn})")
            return EXIT_FAILED, f"{len(result.remaining)} resource(s) left"
        say(f"{runner.stack_name}: destroyed")
        return EXIT_OK, "destroyed"

    return run_each(args, work, needs_aws=True)


def _confirm_destroy(args: argparse.Namespace) -> None:
    """As `pulumi destroy`: ask on a terminal; elsewhere --yes is the confirmation."""
    if args.yes:
        return
    stacks = ", ".join(args.stack)
    if not sys.stdin.isatty():
        raise UsageError(f"destroy of {stacks}: --yes must be given when not running on a terminal")
    try:
        answer = input(f"Destroy every resource of stack(s) {stacks}? Type 'yes' to confirm: ")
    except EOFError:
        answer = ""
    if answer.strip().lower() != "yes":
        raise UsageError("destroy: not confirmed; nothing was destroyed")


def cmd_audit(args: argparse.Namespace) -> int:
    from automation.aws import audit as ac

    try:
        if args.stack is not None:
            if args.region:
                raise UsageError("--region goes with --vpc-id; with --stack the stack's aws:region is used")
            settings = load_settings(args)
            print_warnings(settings)
            if not args.vpc_id and settings.cluster.new_vpc:
                # The VPC is the stack's own: its id, subnets and route tables are stack outputs,
                # which the runner reads from the state backend (Pulumi CLI needed).
                from automation.runner import Runner

                try:
                    findings = Runner(project(args), args.stack).audit()
                except ConfigurationError as e:
                    raise UsageError(f"{e}\n(or give the stack's VPC with --vpc-id)") from None
                except PrivateEksError as e:
                    print(f"private-eks: audit could not run: {e}", file=sys.stderr)
                    return EXIT_FAILED
                region, vpc_id, cluster = settings.region, None, settings.cluster.metadata.name
            else:
                region, cluster = settings.region, args.cluster_name or settings.cluster.metadata.name
                vpc_id = ac.stack_vpc_id(settings, {"vpcId": args.vpc_id})
                findings = ac.audit_stack(settings, {"vpcId": vpc_id, "clusterName": cluster})
        else:
            if not args.vpc_id:
                raise UsageError("--region needs --vpc-id")
            region, vpc_id, cluster = args.region, args.vpc_id, args.cluster_name
            findings = ac.audit(region=region, vpc_id=vpc_id, cluster_name=cluster)
    except ac.StackNotDeployed as e:
        raise UsageError(str(e)) from None
    except ac.AwsCheckError as e:
        print(f"private-eks: audit could not run: {e}", file=sys.stderr)
        return EXIT_FAILED

    if args.json:
        print(json.dumps({
            "region": region, "vpcId": vpc_id, "clusterName": cluster, "clean": not findings,
            "findings": [{"check": f.check, "resource": f.resource, "message": f.message} for f in findings],
        }, indent=2))
    else:
        what = (vpc_id or f"stack {args.stack}") + (f" and cluster {cluster}" if cluster else "") + f" in {region}"
        if not findings:
            print(f"audit: {what}: no findings")
        else:
            print(f"audit: {what}: {len(findings)} finding{'s' if len(findings) != 1 else ''}")
            for f in findings:
                print(f"  [{f.check}] {f}")
    return EXIT_SECURITY if findings else EXIT_OK


# ----------------------------------------------------------------------- the commands' arguments


def add_preview(commands: Commands) -> None:
    p = commands.runner_command(
        "preview", cmd_preview, "preview both passes (real engine; Markdown/JSON report for pull requests)",
        "Preview what `up` would do, pass by pass, with the real engine (Pulumi CLI and AWS credentials "
        "needed). A pass that follows a bootstrap pass is derived from it (its starting state does not "
        "exist yet): the report says so.", many=True, all_=True)
    p.add_argument("--markdown", metavar="FILE", help="write the report as Markdown (Pulumi GitHub Action style)")
    p.add_argument("--json", action="store_true",
                   help="print the report as JSON on stdout (progress goes to stderr)")
    p.add_argument("--bootstrap-cidr", metavar="CIDR", action="append",
                   help="the bootstrap window's CIDR for the preview (as for up)")


def add_up(commands: Commands) -> None:
    p = commands.runner_command(
        "up", cmd_up, "create or update a stack: the two passes, failing closed",
        "Pass 1 (bootstrap): public API access limited to the bootstrap CIDRs; pass 2 (private): public "
        "access off. A stack found with the window open is closed first; an existing private stack "
        "opens a window only when the change needs the Kubernetes API (or --bootstrap always). "
        "--bootstrap never: one private pass, the public endpoint never turned on; a change that needs "
        "the Kubernetes API is refused before anything changes (exit 2). "
        "Bootstrap CIDRs: --bootstrap-cidr, else vpc.publicAccessCIDRs, else this machine's egress "
        "address. The summary says how long the window was open. "
        "metadata.version moves one minor version at a time and never down, checked against the "
        "deployed cluster before anything changes (exit 2). A node group's desiredCapacity is its "
        "starting size: after creation the autoscaler owns it, and only --apply-desired-size sets it again.",
        many=True, all_=True)
    p.add_argument("--bootstrap", choices=BOOTSTRAP_MODES, default="auto",
                   help="auto: open the window only when needed (default); always: open it for this run; "
                   "never: never turn public access on (refuse what needs the Kubernetes API)")
    p.add_argument("--bootstrap-cidr", metavar="CIDR", action="append",
                   help="who may reach the public API during the window (repeatable; overrides vpc.publicAccessCIDRs)")
    p.add_argument("--apply-desired-size", action="store_true",
                   help="set every node group's desired size to its desiredCapacity on this run (by default it "
                   "is applied only when the group is created: then the autoscaler owns it; min and max always apply)")


def add_status(commands: Commands) -> None:
    p = commands.runner_command(
        "status", cmd_status, "phase and API endpoint access of a stack, and since when",
        "Reads the state backend only.",
        many=True, all_=True)
    p.add_argument("--json", action="store_true", help="print the status as JSON")


def add_close(commands: Commands) -> None:
    p = commands.runner_command(
        "close", cmd_close, "close the bootstrap window of a stack and change nothing else",
        "Turn the cluster's public API access off and change nothing else (the cluster alone, private "
        "phase). A run in progress is waited for first (its lock; EKS still creating or updating the "
        "cluster), up to --wait seconds. For CI: run it when an apply job fails or is cancelled.",
        many=True, all_=True)
    p.add_argument("--wait", metavar="SECONDS", type=float, default=1800.0,
                   help="how long to wait for a run in progress (default 1800)")


def add_audit(commands: Commands) -> None:
    p = commands.add(
        "audit", cmd_audit,
        help="check that a VPC and its cluster are private (post-deploy, any VPC/cluster)",
        description="Post-deploy checks with boto3 (its usual configuration: profiles, AWS_REGION, "
        "AWS_ENDPOINT_URL): API endpoint private-only, no route out to the internet, no public IPs, "
        "the VPC endpoints present and usable. Works for clusters this tool did not create.",
    )
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("-s", "--stack", metavar="NAME", help="audit the stack's VPC and cluster (stacks/Pulumi.NAME.yaml)")
    g.add_argument("--region", metavar="R", help="audit any VPC in region R (with --vpc-id)")
    p.add_argument("--vpc-id", metavar="ID", help="the VPC (needed with --region, and with --stack for a stack that creates its VPC)")
    p.add_argument("--cluster-name", metavar="N", help="the EKS cluster (with --stack: default metadata.name)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")


def add_destroy(commands: Commands) -> None:
    p = commands.runner_command(
        "destroy", cmd_destroy, "destroy a stack's resources",
        "Destroy every resource of the stack. --force carries on past errors (resources that can no longer "
        "be reached) and lists what is left. A stack never deployed has nothing to destroy. A cluster with "
        "deletion protection (deletionProtection in the stack file or on the deployed cluster) is refused "
        "before anything is deleted, with the change that lifts it.",
        many=True, all_=False)
    p.add_argument("--force", action="store_true", help="carry on past errors and report what is left")
    p.add_argument("-y", "--yes", action="store_true",
                   help="destroy without asking (needed when not running on a terminal)")
