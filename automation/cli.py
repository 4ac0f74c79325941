"""The `private-eks` command line (also `python -m automation`).

A thin layer: parse arguments, call the library, print, and map outcomes to the exit codes of
the contract — 0 success, 1 the operation failed and nothing is left exposed, 2 bad input,
3 a security problem. Never a traceback for an expected failure.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Callable

from components.settings import SettingsError, StackSettings, load_stack_file

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_SECURITY = 0, 1, 2, 3


class UsageError(Exception):
    """Bad arguments: exit 2 with the message."""


def project_dir(explicit: str | None = None) -> Path:
    """The project: --project-dir, else the nearest folder up from here with a private-eks
    Pulumi.yaml, else the folder this package was installed from."""
    if explicit:
        return Path(explicit).resolve()
    for d in [Path.cwd(), *Path.cwd().parents]:
        if _is_project(d):
            return d
    return Path(__file__).resolve().parent.parent


def _is_project(d: Path) -> bool:
    f = d / "Pulumi.yaml"
    try:
        return f.is_file() and any(
            line.split(":", 1)[1].strip() == "private-eks"
            for line in f.read_text().splitlines()
            if line.startswith("name:")
        )
    except OSError:
        return False


def stack_file(project: Path, stack: str) -> Path:
    return project / "stacks" / f"Pulumi.{stack}.yaml"


def all_stacks(project: Path) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (project / "stacks").glob("Pulumi.*.yaml"))


def load_settings(args: argparse.Namespace) -> StackSettings:
    """Settings from --stack NAME (the project's stacks/) or --file PATH."""
    if getattr(args, "file", None):
        return load_stack_file(args.file)
    project = project_dir(args.project_dir)
    path = stack_file(project, args.stack)
    display = str(path.relative_to(project)) if path.is_relative_to(project) else str(path)
    return load_stack_file(path, stack=args.stack, display=display)


def _print_warnings(settings: StackSettings) -> None:
    for w in settings.warnings:
        print(f"warning: {settings.source}: {w}", file=sys.stderr)


# ------------------------------------------------------------------------------------ commands


def cmd_validate(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    _print_warnings(settings)
    services = ", ".join(s.name for s in settings.endpoint_services()) or "none (skipEndpointCreation)"
    print(f"{settings.source}: valid (stack {settings.stack}, region {settings.region}, endpoints: {services})")
    return EXIT_OK


def cmd_import_eksctl(args: argparse.Namespace) -> int:
    from automation import eksctl_import as ei

    if args.stack is not None and not ei.STACK_NAME_RE.match(args.stack):
        raise UsageError(f"--stack {args.stack!r}: a stack name uses letters, digits, '-', '_' and '.'")
    out = Path(args.output) if args.output else None
    if out is not None and out.exists():
        raise UsageError(f"-o {out}: the file exists; import-eksctl writes only to a new path")
    stack = args.stack
    named = re.match(r"^Pulumi\.(.+)\.ya?ml$", out.name) if out is not None else None
    if named and stack is not None and named.group(1) != stack:
        raise UsageError(f"-o {out} is the file of stack {named.group(1)!r}, not --stack {stack!r}")
    if named and ei.STACK_NAME_RE.match(named.group(1)):
        stack = named.group(1)  # validate/plan --file take the stack name from the file name too
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{args.file}: cannot read the eksctl config ({e.strerror or e})") from None
    source = "<stdin>" if args.file == "-" else args.file
    try:
        result = ei.import_cluster_config(text, stack=stack, source=source, allow_drop=args.allow_drop)
    except ei.EksctlImportError as e:
        print(e.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    for d in result.dropped:
        print(f"dropped: {source}: {d}", file=sys.stderr)
    for n in result.notes:
        print(f"note: {source}: {n}", file=sys.stderr)
    _print_warnings(result.settings)
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


def cmd_audit(args: argparse.Namespace) -> int:
    import json

    from automation import aws_checks as ac

    try:
        if args.stack:
            if args.region:
                raise UsageError("--region goes with --vpc-id; with --stack the stack's aws:region is used")
            settings = load_settings(args)
            _print_warnings(settings)
            if not args.vpc_id and settings.cluster.new_vpc:
                raise UsageError(f"stack {settings.stack} creates its own VPC, whose id is a stack output: "
                                 "give it with --vpc-id (or use `--region R --vpc-id ID`)")
            outputs = {"vpcId": args.vpc_id, "clusterName": args.cluster_name}
            region, findings = settings.region, ac.audit_stack(settings, {k: v for k, v in outputs.items() if v})
            vpc_id = args.vpc_id or settings.cluster.vpc.id or "(the subnets' VPC)"
            cluster = args.cluster_name or settings.cluster.metadata.name
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
        what = f"{vpc_id}" + (f" and cluster {cluster}" if cluster else "") + f" in {region}"
        if not findings:
            print(f"audit: {what}: no findings")
        else:
            print(f"audit: {what}: {len(findings)} finding{'s' if len(findings) != 1 else ''}")
            for f in findings:
                print(f"  [{f.check}] {f}")
    return EXIT_SECURITY if findings else EXIT_OK


# -------------------------------------------------------------------------------------- parser


def _stack_or_file(p: argparse.ArgumentParser, *, allow_all: bool = False) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--stack", metavar="NAME", help="read stacks/Pulumi.NAME.yaml of the project")
    g.add_argument("--file", metavar="PATH", help="read any stack file")
    if allow_all:
        g.add_argument("--all", action="store_true", help="every stack in stacks/")


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="private-eks",
        description="Create and operate fully-private Amazon EKS clusters with Pulumi.",
    )
    parser.add_argument("--project-dir", metavar="DIR", help="the private-eks project (default: found from here)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("validate", help="validate a stack's settings (offline)")
    _stack_or_file(p)
    COMMANDS["validate"] = cmd_validate

    p = sub.add_parser(
        "import-eksctl",
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
    COMMANDS["import-eksctl"] = cmd_import_eksctl

    p = sub.add_parser(
        "audit",
        help="check that a VPC and its cluster are private (post-deploy, any VPC/cluster)",
        description="Post-deploy checks with boto3 (its usual configuration: profiles, AWS_REGION, "
        "AWS_ENDPOINT_URL): API endpoint private-only, no route out to the internet, no public IPs, "
        "the VPC endpoints present and usable. Works for clusters this tool did not create. "
        "Exit 0 clean, 3 with any finding, 1 when AWS cannot be reached or the credentials are missing.",
    )
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--stack", metavar="NAME", help="audit the stack's VPC and cluster (stacks/Pulumi.NAME.yaml)")
    g.add_argument("--region", metavar="R", help="audit any VPC in region R (with --vpc-id)")
    p.add_argument("--vpc-id", metavar="ID", help="the VPC (needed with --region, and with --stack for a stack that creates its VPC)")
    p.add_argument("--cluster-name", metavar="N", help="the EKS cluster (with --stack: default metadata.name)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    COMMANDS["audit"] = cmd_audit

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: 2 for bad arguments, 0 for --help
        return int(e.code or 0)
    try:
        return COMMANDS[args.command](args)
    except SettingsError as e:
        print(e.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsageError as e:
        print(f"private-eks: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("private-eks: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
