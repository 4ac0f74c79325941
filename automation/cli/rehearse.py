"""``private-eks rehearse -s STACK``: the command line of the rehearsal (automation/rehearse/)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from automation.cli.common import project
from automation.errors import UsageError
from automation.rehearse.command import BOOTSTRAP_MODES, rehearse
from automation.rehearse.session import DEFAULT_SECONDS_PER_MINUTE, RUNNER_IP, runner_ip_for

if TYPE_CHECKING:
    from automation.cli.parser import Commands


def add_rehearse(commands: Commands) -> None:
    p = commands.add(
        "rehearse", run, help="rehearse up on the real engine against provider doubles (no AWS, no credentials)",
        description="Run the real two-pass up of the real program on the real Pulumi engine, with the aws, eks "
        "and kubernetes providers played by doubles that keep the real providers' rules (children, auto-names "
        "and their limits, replace or update, AWS's waits), AWS's state kept in moto, everything in a "
        "temporary folder. Prints a timeline in simulated AWS minutes: each operation, the critical path, the "
        "window. Exit codes as up: 0, 1 failed, 2 bad input, 3 window left open or audit finding.")
    p.add_argument("-s", "--stack", metavar="NAME", required=True, help="the stack (stacks/Pulumi.NAME.yaml)")
    p.add_argument("--bootstrap", choices=BOOTSTRAP_MODES, default="auto", help="as for up")
    p.add_argument("--day2", metavar="FILE", help="then a day-2 up with this stack file in place of the stack's")
    p.add_argument("--destroy", action="store_true", help="then destroy the stack")
    p.add_argument("--preview-head", metavar="FILE",
                   help="after the up, preview this stack file (a pull request's head) against the rehearsed "
                   "state: the replacements the real provider would make")
    p.add_argument("--markdown", metavar="FILE", help="with --preview-head: write that preview as Markdown")
    p.add_argument("--json", action="store_true", help="print the result and timeline as JSON on stdout")
    p.add_argument("--seconds-per-minute", type=float, default=DEFAULT_SECONDS_PER_MINUTE,
                   help=f"wall seconds per simulated AWS minute (default {DEFAULT_SECONDS_PER_MINUTE})")
    p.add_argument("--runner-ip", metavar="ADDRESS",
                   help="the runner's public address (default: inside the stack's publicAccessCIDRs, else "
                   f"{RUNNER_IP})")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")


def run(args: argparse.Namespace) -> int:
    found = project(args)
    for flag, value in (("--day2", args.day2), ("--preview-head", args.preview_head)):
        if value and not Path(value).is_file():
            raise UsageError(f"{flag}: no such file: {value}")
    if args.markdown and not args.preview_head:
        raise UsageError("--markdown needs --preview-head")
    settings = found.settings(args.stack)  # bad settings: exit 2 before anything starts
    result = rehearse(found, args.stack, bootstrap=args.bootstrap, day2=args.day2, destroy=args.destroy,
                      preview_head=args.preview_head,
                      seconds_per_minute=args.seconds_per_minute, keep=args.keep,
                      runner_ip=args.runner_ip or runner_ip_for(settings),
                      progress=lambda line: print(line, file=sys.stderr))
    if args.markdown and result.get("previewMarkdown") is not None:
        Path(args.markdown).write_text(result["previewMarkdown"])
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for line in result["lines"]:
            print(line)
    return int(result["exitCode"])
