"""What every command reads from its arguments (the project, the stacks asked for, their settings)
and the shapes of its output (one JSON object or an array, warnings, output failures)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from typing import Any, Callable

from automation.errors import UsageError
from automation.project import Project, load_settings_file
from components.settings import StackSettings


def project(args: argparse.Namespace) -> Project:
    """The project, found once per command (Pulumi.yaml read once)."""
    found = getattr(args, "found_project", None)
    if found is None:
        found = args.found_project = Project.find(args.project_dir)
    return found


def load_settings(args: argparse.Namespace) -> StackSettings:
    """Settings from --stack NAME (the project's stack file) or --file PATH."""
    if getattr(args, "file", None):
        return load_settings_file(args.file)
    return project(args).settings(args.stack)


def print_warnings(settings: StackSettings) -> None:
    for w in settings.warnings:
        print(f"warning: {settings.source}: {w}", file=sys.stderr)


def several(args: argparse.Namespace) -> bool:
    """One JSON shape for several stacks on every command: --all or several --stack give an array
    in the order given (--all: sorted); one stack gives its object."""
    stacks = getattr(args, "stack", None)
    return bool(getattr(args, "all", False)) or (isinstance(stacks, list) and len(stacks) > 1)


def print_json(args: argparse.Namespace, items: list[Any]) -> None:
    if not items:
        return
    print(json.dumps(items if several(args) else items[0], indent=2, default=str))


def all_stacks(found: Project) -> list[str]:
    """Every stack of the project (for --all); bad input when there is none."""
    stacks = found.stacks()
    if not stacks:
        raise UsageError(f"--all: no stack files in {found.config_dir}")
    return stacks


def settings_loaders(args: argparse.Namespace) -> list[Callable[[], StackSettings]]:
    """One loader per stack asked for: --all, each --stack (in the order given), or --file."""
    if getattr(args, "all", False):
        found = project(args)
        return [functools.partial(found.settings, n) for n in all_stacks(found)]
    if isinstance(args.stack, list):
        return [functools.partial(lambda n: project(args).settings(n), n) for n in dict.fromkeys(args.stack)]
    return [functools.partial(load_settings, args)]


def runner_stacks(args: argparse.Namespace, found: Project) -> list[str]:
    """The stacks a runner command runs on: --all, or each --stack once, in the order given."""
    if getattr(args, "all", False):
        return all_stacks(found)
    if not args.stack:
        raise UsageError("give --stack NAME (several --stack for several stacks)" +
                         (" or --all" if hasattr(args, "all") else ""))
    return list(dict.fromkeys(args.stack))


def output_error(e: BaseException) -> str | None:
    """A one-line cause for the output failures that are not bugs: a full disk, a closed pipe (the
    reader went away: ``private-eks status | head -1``), None for any other error."""
    import errno

    if isinstance(e, BrokenPipeError) or getattr(e, "errno", None) == errno.EPIPE:
        return "the output was closed before everything was written (broken pipe)"
    if getattr(e, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        filename = getattr(e, "filename", None)
        where = f" ({filename})" if filename else ""
        return f"no space left on the device{where}: free some space and run again"
    return None
