"""The offline commands: validate, plan, plan-diff, schema, proxy-env and import-eksctl. They read
stack files (and plans, eksctl configs) and print; none runs Pulumi or talks to AWS."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from automation.cli.common import load_settings, print_warnings, settings_loaders, several
from automation.errors import EXIT_OK, PrivateEksError, UsageError
from components import input_files

if TYPE_CHECKING:
    from automation.cli.parser import Commands


# ----------------------------------------------------------------------------------- validate


def cmd_validate(args: argparse.Namespace) -> int:
    worst = EXIT_OK
    for load in settings_loaders(args):
        try:
            settings = load()
        except PrivateEksError as e:  # each stack's result; the worst exit wins
            print(e.render(), file=sys.stderr)
            if args.debug:
                traceback.print_exc()
            worst = max(worst, e.exit_code)
            continue
        print_warnings(settings)
        services = ", ".join(s.name for s in settings.endpoint_services()) or "none (skipEndpointCreation)"
        reused = settings.endpoint_selection().expected
        existing = (f"; existing: {', '.join(s.name for s in reused)}"
                    if reused and not settings.cluster.private_cluster.skip_endpoint_creation else "")
        print(f"{settings.source}: valid (stack {settings.stack}, region {settings.region}, endpoints: {services}{existing})")
    return worst


def add_validate(commands: Commands) -> None:
    p = commands.add("validate", cmd_validate, help="validate a stack's settings (offline)",
                     description="Validate stack files offline: every problem by its path, each stack's result.")
    commands.stack_or_file(p, allow_all=True, many=True)


# ------------------------------------------------------------------------- offline plan and diff


def cmd_plan(args: argparse.Namespace) -> int:
    from automation import plan as offline

    phases = offline.PHASES if args.phase == "both" else (args.phase,)
    plans, worst = [], EXIT_OK
    for load in settings_loaders(args):
        try:
            settings = load()
            print_warnings(settings)
            plans.append(offline.plan_stack(settings, phases))
        except offline.PlanError as e:
            print(f"private-eks: plan: {e}", file=sys.stderr)
            worst = max(worst, e.exit_code)
        except PrivateEksError as e:
            print(e.render(), file=sys.stderr)
            worst = max(worst, e.exit_code)
    if args.json and plans:
        sys.stdout.write(offline.plan_json(plans if several(args) else plans[0]))
    else:
        sys.stdout.write("\n".join(offline.render_plan_text(p) for p in plans))
    return worst


def add_plan(commands: Commands) -> None:
    p = commands.add(
        "plan", cmd_plan, help="offline plan of both passes (no AWS, no Pulumi CLI)",
        description="Run the program under Pulumi's mock runtime, once per pass, and print the resources "
        "grouped by component, what differs between the passes, and the findings a reviewer checks "
        "(internet paths, public subnets, endpoints, API access, endpoint cost). --json prints the plan "
        "as JSON (with --all or several --stack: a JSON array of plans); a stack with bad settings does "
        "not stop the others.")
    commands.stack_or_file(p, allow_all=True, many=True)
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--phase", choices=("bootstrap", "private", "both"), default="both",
                   help="which pass to plan (default: both)")


def cmd_plan_diff(args: argparse.Namespace) -> int:
    from automation import plan as offline

    plans = []
    for path in (args.old, args.new):
        try:
            text = input_files.read_text(path, max_bytes=offline.MAX_PLAN_BYTES, what="plan")
        except FileNotFoundError:
            raise UsageError(f"{path}: no such plan file") from None
        except input_files.InputFileError as e:
            raise UsageError(f"{path}: {e}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise UsageError(f"{path}: not a JSON plan ({e.msg} at line {e.lineno}, column {e.colno})") from None
        except RecursionError:
            raise UsageError(f"{path}: not a JSON plan (nested too deep)") from None
        except ValueError:  # Python converts at most 4,300 digits
            raise UsageError(f"{path}: not a JSON plan (a number with too many digits)") from None
        try:
            offline.validate_plan(data, path)
        except offline.PlanError as e:
            raise UsageError(f"{e} (make one with `private-eks plan --json`)") from None
        plans.append(data)
    diff = offline.diff_plans(plans[0], plans[1])
    seconds = _window_seconds(args.status, diff.new_stack) if args.status else None
    sys.stdout.write(offline.render_diff_markdown(diff, window_seconds=seconds) if args.markdown
                     else offline.render_diff_text(diff))
    return EXIT_OK


def _window_seconds(path: str, stack: str) -> float | None:
    """The last measured window of ``stack`` in a ``status --json`` file (one stack or a list)."""
    try:
        data = json.loads(input_files.read_text(path, max_bytes=1024 * 1024, what="status"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such status file") from None
    except (input_files.InputFileError, ValueError) as e:
        raise UsageError(f"{path}: not a `status --json` file ({e})") from None
    items = data if isinstance(data, list) else [data]
    for item in items:
        if isinstance(item, dict) and item.get("stack") in (stack, None):
            seconds = (item.get("window") or {}).get("seconds")
            if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0:
                return float(seconds)
    return None


def add_plan_diff(commands: Commands) -> None:
    p = commands.add(
        "plan-diff", cmd_plan_diff, help="what changed between two offline plans",
        description="Compare two `plan --json` files: resources created, deleted, updated and replaced (an "
        "input the provider cannot change in place, or a reference to a replaced resource; the cluster's "
        "replacement is said first), per pass; what `up` does to the public endpoint; findings and endpoint "
        "cost.")
    p.add_argument("old", metavar="OLD.json", help="the plan before the change")
    p.add_argument("new", metavar="NEW.json", help="the plan after the change")
    p.add_argument("--markdown", action="store_true", help="print Markdown (for a pull-request comment)")
    p.add_argument("--status", metavar="STATUS.json",
                   help="`private-eks status --json` of the stack: the last window's length goes into the comment")


# ------------------------------------------------------------------------ proxy-env and schema


def cmd_proxy_env(args: argparse.Namespace) -> int:
    from automation import proxy

    settings = load_settings(args)
    if not proxy.vpc_cidrs(settings):
        print(f"warning: {settings.source}: the existing VPC's CIDR is not in the stack file; "
              "add it to NO_PROXY yourself (or set vpc.cidr)", file=sys.stderr)
    for w in proxy.proxy_warnings(os.environ, settings, vpc_cidr_known=True):
        print(f"warning: {w}", file=sys.stderr)
    for line in proxy.export_lines(os.environ, settings):
        print(line)
    return EXIT_OK


def add_proxy_env(commands: Commands) -> None:
    p = commands.add("proxy-env", cmd_proxy_env, help="print the NO_PROXY lines to export behind an HTTP(S) proxy",
                     description="Print `export NO_PROXY=...` and `export no_proxy=...`: the current entries "
                     "plus .eks.amazonaws.com, the VPC CIDR and 169.254.169.254.")
    commands.stack_or_file(p)


def cmd_schema(args: argparse.Namespace) -> int:
    from automation import schema

    sys.stdout.write(schema.schema_text())
    return EXIT_OK


def add_schema(commands: Commands) -> None:
    commands.add("schema", cmd_schema, help="print the JSON Schema of stack files",
                 description="Print the JSON Schema of stack files, generated from the settings models (the "
                 "same as schemas/stack-file.schema.json). Editors with the YAML language server use it "
                 "through the modeline `# yaml-language-server: $schema=...` at the top of a stack file.")


# -------------------------------------------------------------------------------- import-eksctl


def cmd_import_eksctl(args: argparse.Namespace) -> int:
    from automation import eksctl as ei

    if args.stack is not None and not ei.STACK_NAME_RE.fullmatch(args.stack):
        raise UsageError(f"--stack {args.stack!r}: a stack name uses letters, digits, '-', '_' and '.'")
    out = Path(args.output) if args.output else None
    if out is not None and out.exists():
        raise UsageError(f"-o {out}: the file exists; import-eksctl writes only to a new path")
    stack = args.stack
    named = re.match(r"^Pulumi\.(.+)\.ya?ml$", out.name) if out is not None else None
    if named and stack is not None and named.group(1) != stack:
        raise UsageError(f"-o {out} is the file of stack {named.group(1)!r}, not --stack {stack!r}")
    if named and ei.STACK_NAME_RE.fullmatch(named.group(1)):
        stack = named.group(1)  # validate/plan --file take the stack name from the file name too
    source = "<stdin>" if args.file == "-" else args.file
    try:
        if args.file == "-":
            raw = getattr(sys.stdin, "buffer", None)
            text = (input_files.decode(raw.read(input_files.MAX_BYTES + 1), what="eksctl config") if raw is not None
                    else sys.stdin.read(input_files.MAX_BYTES + 1))
            if len(text) > input_files.MAX_BYTES:
                raise input_files.InputFileError(f"the eksctl config is over {input_files.MAX_BYTES:,} bytes (the limit)")
        else:
            text = input_files.read_text(args.file, what="eksctl config")
    except FileNotFoundError:
        raise UsageError(f"{source}: cannot read the eksctl config (no such file)") from None
    except input_files.InputFileError as e:
        raise UsageError(f"{source}: {e}") from None
    result = ei.import_cluster_config(text, stack=stack, source=source, allow_drop=args.allow_drop)
    for d in result.dropped:
        print(f"dropped: {source}: {d}", file=sys.stderr)
    for n in result.notes:
        print(f"note: {source}: {n}", file=sys.stderr)
    print_warnings(result.settings)
    if out is None:
        sys.stdout.write(result.text)
        return EXIT_OK
    try:
        with out.open("x", encoding="utf-8") as f:
            f.write(result.text)
    except FileExistsError:
        raise UsageError(f"-o {out}: the file exists; import-eksctl writes only to a new path") from None
    except OSError as e:
        raise UsageError(f"-o {out}: cannot write the stack file ({e.strerror or e})") from None
    print(f"wrote {out} (stack {result.stack}, {len(result.dropped)} field(s) dropped)", file=sys.stderr)
    return EXIT_OK


def add_import_eksctl(commands: Commands) -> None:
    p = commands.add(
        "import-eksctl", cmd_import_eksctl,
        help="turn an eksctl ClusterConfig into a stack file",
        description="Turn an eksctl ClusterConfig into a private-eks stack file. The stack file is printed "
        "to stdout unless -o is given; stack files in stacks/ are never written implicitly. Fields that "
        "cannot be carried over are listed (stderr) by their eksctl path and refuse the import (exit 2) "
        "unless --allow-drop; a result that would not validate is refused with the problems (exit 2).",
    )
    p.add_argument("file", metavar="FILE", help="the eksctl ClusterConfig YAML ('-' for stdin)")
    p.add_argument("--stack", metavar="NAME",
                   help="the stack name in the output's header (default: from -o Pulumi.NAME.yaml, else metadata.name)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="write the stack file to PATH, which must not exist yet (default: stdout)")
    p.add_argument("--allow-drop", action="store_true",
                   help="write the stack file even if fields cannot be carried over (they are still listed)")
