"""The argument parser: the global options, the option shapes commands share, each command's exit
codes, and the one list of commands.

A new command is a function ``add_NAME(commands)`` beside its handler (it declares the command's
arguments through :class:`Commands`), one entry in :data:`REGISTRATIONS` and one in
:data:`EXIT_CODES` (which the README's command table repeats; tests/automation/test_first_use_edges.py
keeps the two equal).
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

from automation.cli import connect, offline, rehearse, stacks

# Each command's exit codes, as the README's command table states them; every command's --help
# ends with its line.
EXIT_CODES: dict[str, str] = {
    "validate": "0 every stack valid, 2 any invalid",
    "plan": "0; 2 any stack with bad settings",
    "plan-diff": "0; 2 for a file that is not a plan",
    "preview": "0; 1 failed; 2 bad input or a missing prerequisite",
    "up": "0; 1 failed, nothing exposed; 2 bad input or a missing prerequisite; 3 public endpoint left on or an audit finding",
    "status": "0; 2 a missing prerequisite; 3 if the window is open or AWS cannot say",
    "close": "0 closed or nothing open; 1 failed; 2 bad input or a missing prerequisite; 3 still open or AWS cannot say",
    "audit": "0 clean; 1 AWS unreachable or no credentials; 2 bad input; 3 on any finding",
    "destroy": "0, also when never deployed; 1 failed or resources left; 2 unconfirmed, protected, bad input or a missing prerequisite",
    "proxy-env": "0; 2 bad input",
    "import-eksctl": "0; 2 refused",
    "schema": "0",
    "connect": "0 after Ctrl-C or SIGTERM; 1 the relay does not answer; 2 bad input, no relay in the stack or a missing prerequisite",
    "kubectl": "kubectl's exit code; 2 bad input, no relay in the stack or a missing prerequisite",
    "rehearse": "as up: 0; 1 failed; 2 bad input or a missing prerequisite; 3 window left open or an audit finding",
}


class Commands:
    """What a command registers into: its subparser (taking the global options after the command's
    name too) with its handler, and the option shapes several commands share."""

    def __init__(self, subparsers: Any, common: argparse.ArgumentParser):
        self._subparsers = subparsers
        self._common = common

    def add(self, name: str, run: Callable[[argparse.Namespace], int], **kwargs: Any) -> argparse.ArgumentParser:
        """The command ``name``, run by ``run(args)`` (its exit code); ``kwargs`` as argparse's add_parser."""
        p: argparse.ArgumentParser = self._subparsers.add_parser(name, parents=[self._common], **kwargs)
        p.set_defaults(run=run)
        return p

    def stack_or_file(self, p: argparse.ArgumentParser, *, allow_all: bool = False, many: bool = False) -> None:
        """The settings an offline command reads: --stack NAME (repeatable with ``many``), --file PATH
        or (``allow_all``) --all."""
        g = p.add_mutually_exclusive_group(required=True)
        if many:
            g.add_argument("-s", "--stack", metavar="NAME", action="append",
                           help="read stacks/Pulumi.NAME.yaml of the project; repeat for several stacks")
        else:
            g.add_argument("-s", "--stack", metavar="NAME", help="read stacks/Pulumi.NAME.yaml of the project")
        g.add_argument("--file", metavar="PATH", help="read any stack file")
        if allow_all:
            g.add_argument("--all", action="store_true", help="every stack in stacks/")

    def runner_command(self, name: str, run: Callable[[argparse.Namespace], int], help_: str, description: str, *,
                       many: bool, all_: bool) -> argparse.ArgumentParser:
        """A command that runs the Runner on the project's stacks: --stack (repeatable with ``many``,
        run --stacks-at-once at a time) or (``all_``) --all."""
        p = self.add(name, run, help=help_, description=description)
        if all_:
            g = p.add_mutually_exclusive_group(required=True)
            g.add_argument("-s", "--stack", metavar="NAME", action="append",
                           help="the stack (stacks/Pulumi.NAME.yaml); repeat for several stacks")
            g.add_argument("--all", action="store_true", help="every stack in stacks/")
        else:
            p.add_argument("-s", "--stack", metavar="NAME", action="append", required=True,
                           help="the stack (stacks/Pulumi.NAME.yaml)" + ("; repeat for several stacks" if many else ""))
        if many:
            p.add_argument("--stacks-at-once", metavar="N", type=int, default=2,
                           help="with several stacks: how many stacks run at once (default 2)")
        return p


# The one list of commands, in the order --help lists them.
REGISTRATIONS: tuple[Callable[[Commands], object], ...] = (
    offline.add_validate,
    offline.add_plan,
    offline.add_plan_diff,
    stacks.add_preview,
    stacks.add_up,
    stacks.add_status,
    stacks.add_close,
    stacks.add_audit,
    stacks.add_destroy,
    offline.add_proxy_env,
    offline.add_import_eksctl,
    offline.add_schema,
    rehearse.add_rehearse,
    connect.add_connect,
    connect.add_kubectl,
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("private-eks")
    except PackageNotFoundError:  # run from a checkout that was not installed
        return "unknown (not installed)"


def _global_options(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options every command takes, before or after its name (as Pulumi's persistent flags).
    After the name they default to SUPPRESS so that they do not undo a value given before it."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    p.add_argument("-C", "--project-dir", metavar="DIR",
                   help="the project folder (default: the nearest folder up from here with a Pulumi.yaml)",
                   **(default or {"default": None}))
    p.add_argument("--debug", action="store_true", help="print the traceback of an error too",
                   **(default or {"default": False}))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="private-eks",
        description="Create and operate fully-private Amazon EKS clusters with Pulumi.",
    )
    parser.add_argument("--version", action="version", version=f"private-eks {_version()}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands = Commands(subparsers, common)
    for register in REGISTRATIONS:
        register(commands)
    for name, sub_parser in subparsers.choices.items():
        sub_parser.epilog = f"exit codes: {EXIT_CODES[name]}"
    return parser
