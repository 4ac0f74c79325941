"""The `private-eks` command line (also `python -m automation`).

A thin layer: parse arguments, call the library, print, and map outcomes to the exit codes of
the contract — 0 success, 1 the operation failed and nothing is left exposed, 2 bad input,
3 a security problem. Never a traceback for an expected failure.
"""

from __future__ import annotations

import argparse
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
