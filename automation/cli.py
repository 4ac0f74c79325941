"""The `private-eks` command line (also `python -m automation`).

A thin layer: parse arguments, call the library, print. Every expected failure is a
:class:`~automation.errors.PrivateEksError` carrying its exit code (0 success, 1 the operation
failed and nothing is left exposed, 2 bad input, 3 a security problem); :func:`main` is the one
place that prints it and exits with that code. ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

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
from automation.project import Project, load_settings_file
from components import input_files
from components.settings import StackSettings

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "EXIT_SECURITY", "UsageError", "build_parser", "main"]


def _project(args: argparse.Namespace) -> Project:
    """The project, found once per command (Pulumi.yaml read once)."""
    found = getattr(args, "found_project", None)
    if found is None:
        found = args.found_project = Project.find(args.project_dir)
    return found


def load_settings(args: argparse.Namespace) -> StackSettings:
    """Settings from --stack NAME (the project's stack file) or --file PATH."""
    if getattr(args, "file", None):
        return load_settings_file(args.file)
    return _project(args).settings(args.stack)


def _print_warnings(settings: StackSettings) -> None:
    for w in settings.warnings:
        print(f"warning: {settings.source}: {w}", file=sys.stderr)


def _several(args: argparse.Namespace) -> bool:
    """One JSON shape for several stacks on every command: --all or several --stack give an array
    in the order given (--all: sorted); one stack gives its object."""
    stacks = getattr(args, "stack", None)
    return bool(getattr(args, "all", False)) or (isinstance(stacks, list) and len(stacks) > 1)


def _print_json(args: argparse.Namespace, items: list[Any]) -> None:
    if not items:
        return
    print(json.dumps(items if _several(args) else items[0], indent=2, default=str))


# ------------------------------------------------------------------------------------ commands


def _settings_loaders(args: argparse.Namespace) -> list[Callable[[], StackSettings]]:
    """One loader per stack asked for: --all, each --stack (in the order given), or --file."""
    if getattr(args, "all", False):
        project = _project(args)
        return [functools.partial(project.settings, n) for n in _all_stacks(project)]
    if isinstance(args.stack, list):
        return [functools.partial(lambda n: _project(args).settings(n), n) for n in dict.fromkeys(args.stack)]
    return [functools.partial(load_settings, args)]


def cmd_validate(args: argparse.Namespace) -> int:
    worst = EXIT_OK
    for load in _settings_loaders(args):
        try:
            settings = load()
        except PrivateEksError as e:  # each stack's result; the worst exit wins
            print(e.render(), file=sys.stderr)
            if args.debug:
                traceback.print_exc()
            worst = max(worst, e.exit_code)
            continue
        _print_warnings(settings)
        services = ", ".join(s.name for s in settings.endpoint_services()) or "none (skipEndpointCreation)"
        print(f"{settings.source}: valid (stack {settings.stack}, region {settings.region}, endpoints: {services})")
    return worst


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
    from automation import aws_checks as ac

    try:
        if args.stack is not None:
            if args.region:
                raise UsageError("--region goes with --vpc-id; with --stack the stack's aws:region is used")
            settings = load_settings(args)
            _print_warnings(settings)
            if not args.vpc_id and settings.cluster.new_vpc:
                # The VPC is the stack's own: its id, subnets and route tables are stack outputs,
                # which the runner reads from the state backend (Pulumi CLI needed).
                from automation.runner import Runner

                try:
                    findings = Runner(_project(args), args.stack).audit()
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


# ------------------------------------------------------- runner commands: preview, up, status, destroy


def _runner_stacks(args: argparse.Namespace, project: Project) -> list[str]:
    if getattr(args, "all", False):
        return _all_stacks(project)
    if not args.stack:
        raise UsageError("give --stack NAME (several --stack for several stacks)" +
                         (" or --all" if hasattr(args, "all") else ""))
    return list(dict.fromkeys(args.stack))


def _all_stacks(project: Project) -> list[str]:
    """Every stack of the project (for --all); bad input when there is none."""
    stacks = project.stacks()
    if not stacks:
        raise UsageError(f"--all: no stack files in {project.config_dir}")
    return stacks


class _Printer:
    """Prints lines of several concurrent stacks without mixing them, prefixed when several run."""

    def __init__(self, several: bool, *, stdout_is_json: bool = False):
        import threading

        self.several = several
        self.stdout_is_json = stdout_is_json  # --json: stdout carries the JSON alone
        self.lock = threading.Lock()

    def __call__(self, stack: str, *, err: bool = False) -> Callable[[str], None]:
        prefix = f"[{stack}] " if self.several else ""
        to_stderr = err or self.stdout_is_json

        def out(text: str) -> None:
            with self.lock:
                for line in (text.splitlines() or [""]):
                    print(prefix + line, file=sys.stderr if to_stderr else sys.stdout, flush=True)

        return out


def _check_aws_credentials(settings: StackSettings) -> None:
    try:
        import boto3

        credentials = boto3.Session(region_name=settings.region).get_credentials()
    except Exception as e:  # a broken profile is as good as none
        raise ConfigurationError(f"AWS credentials could not be loaded: {e}") from None
    if credentials is None:
        raise ConfigurationError(
            "no AWS credentials found: configure a profile (AWS_PROFILE), AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, SSO or an instance role, then run again")


def _run_each(args: argparse.Namespace, work: Callable[..., tuple[int, str]], *, needs_aws: bool,
              **runner_options: Any) -> int:
    """Run ``work(runner, say)`` for every stack (concurrently, bounded by --stacks-at-once), print
    each stack's error as it happens, a summary table when several stacks ran; the worst exit wins."""
    from concurrent.futures import ThreadPoolExecutor

    from automation.runner import Runner

    project = _project(args)
    stacks = _runner_stacks(args, project)
    printer = _Printer(len(stacks) > 1, stdout_is_json=bool(getattr(args, "json", False)))
    signals = _Interrupts()

    def one(stack: str) -> tuple[int, str]:
        say, shout = printer(stack), printer(stack, err=True)
        try:
            runner = Runner(project, stack, on_output=say, **runner_options)
            signals.add(runner)
            for w in runner.settings.warnings:
                shout(f"warning: {runner.settings.source}: {w}")
            # Every prerequisite at once: the state backend (and its passphrase), the Pulumi CLI,
            # AWS credentials when the command talks to AWS.
            from automation import prerequisites

            checks: list[Callable[[], Any]] = [runner.workspace.environment, runner.workspace.command]
            if needs_aws:
                checks.append(functools.partial(_check_aws_credentials, runner.settings))
            prerequisites.check(stack, checks)
            return work(runner, say)
        except PrivateEksError as e:
            shout(e.render())
            if args.debug:
                shout(traceback.format_exc())
            return e.exit_code, e.summary
        except Exception as e:  # never a traceback unless asked; the type helps a bug report
            if output_error(e) is not None:
                raise  # the one boundary (main) says it in one line
            shout(f"private-eks: unexpected error ({type(e).__name__}): {e}")
            if args.debug:
                shout(traceback.format_exc())
            return EXIT_FAILED, "failed (unexpected error)"

    with signals:
        if len(stacks) == 1:
            results = [one(stacks[0])]
        else:
            with ThreadPoolExecutor(max_workers=max(1, args.stacks_at_once)) as pool:
                results = list(pool.map(one, stacks))
    if len(stacks) > 1:
        width = max(len(s) for s in stacks + ["stack"])
        table = [f"\n{'stack':<{width}}  exit  result"]
        table += [f"{stack:<{width}}  {code:<4}  {what}" for stack, (code, what) in zip(stacks, results)]
        print("\n".join(table), file=sys.stderr if getattr(args, "json", False) else sys.stdout)
    return max(code for code, _ in results)


class _Interrupts:
    """While runners run: SIGINT (Ctrl-C) and SIGTERM (CI cancellations and timeouts) interrupt
    every runner (the Pulumi operation is cancelled, the window closed) instead of killing the
    process with the window open. A runner made after a signal starts interrupted."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.RLock()  # RLock: the handler runs in the main thread, maybe inside add()
        self._runners: list[Any] = []
        self._received: list[int] = []
        self._previous: dict[int, Any] = {}

    def add(self, runner: Any) -> None:
        with self._lock:
            self._runners.append(runner)
            for _ in self._received:
                runner.interrupt()

    def _handle(self, signum: int, frame: object) -> None:
        import os
        import signal


        name = signal.Signals(signum).name
        # os.write, not print: the handler may run while the main thread is inside a print.
        os.write(2, (f"private-eks: {name} received: stopping the running operation, then closing the window "
                     f"if it is open{' (again: the closing attempts stop too)' if self._received else ''}\n").encode())
        with self._lock:
            self._received.append(signum)
            for runner in self._runners:
                runner.interrupt()

    def __enter__(self) -> "_Interrupts":
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


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
    code = _run_each(args, work, needs_aws=True)
    ordered = [previews[s] for s in _runner_stacks(args, _project(args)) if s in previews]
    if args.json and ordered:
        sys.stdout.write(report.to_json(ordered if _several(args) else ordered[0]) + "\n")
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
        # DESIGN §8: the runner audits after the last pass; a finding is a security problem (exit 3).
        if result.audit_findings is None:
            return EXIT_OK, f"up ({passes}); audit not run"
        if result.audit_findings:
            return EXIT_SECURITY, f"up ({passes}); {len(result.audit_findings)} audit finding(s)"
        return EXIT_OK, f"up ({passes}); audit clean"

    _check_flags(args)
    return _run_each(args, work, needs_aws=True)


def _check_flags(args: argparse.Namespace) -> None:
    """Flags are bad input whatever the environment: refused before credentials are asked for."""
    from automation.passes import check_bootstrap_mode, parse_bootstrap_cidrs

    if getattr(args, "bootstrap_cidr", None):
        parse_bootstrap_cidrs(args.bootstrap_cidr)
    if getattr(args, "bootstrap", None) is not None:
        check_bootstrap_mode(args.bootstrap)


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

    code = _run_each(args, work, needs_aws=False)
    if args.json:
        order = {s: i for i, s in enumerate(_runner_stacks(args, _project(args)))}
        _print_json(args, [s.to_json() for s in sorted(statuses, key=lambda s: order.get(s.stack, 0))])
    return code


def cmd_close(args: argparse.Namespace) -> int:
    def work(runner, say) -> tuple[int, str]:
        done = runner.close(wait=args.wait)
        say(f"{runner.stack_name}: {done}")
        return EXIT_OK, "closed"

    return _run_each(args, work, needs_aws=True)


def cmd_destroy(args: argparse.Namespace) -> int:
    import os

    from automation import prerequisites
    from automation.workspace import STATE_DIR

    project = _project(args)
    stacks = _runner_stacks(args, project)
    # Nothing to destroy needs no confirmation, no CLI, no passphrase and no credentials.
    for s in stacks:
        project.settings(s)  # a bad name or stack file is bad input, deployed or not
    absent = [s for s in stacks if prerequisites.never_deployed(project, s, os.environ)]
    if absent and len(absent) == len(stacks):
        for s in absent:
            print(f"{s}: never deployed (no state in {project.relative(project.dir / STATE_DIR)}/): nothing to destroy")
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

    return _run_each(args, work, needs_aws=True)


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


def cmd_proxy_env(args: argparse.Namespace) -> int:
    import os

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


# ------------------------------------------------------------------------- offline plan and diff


def cmd_plan(args: argparse.Namespace) -> int:
    from automation import plan as offline

    phases = offline.PHASES if args.phase == "both" else (args.phase,)
    plans, worst = [], EXIT_OK
    for load in _settings_loaders(args):
        try:
            settings = load()
            _print_warnings(settings)
            plans.append(offline.plan_stack(settings, phases))
        except offline.PlanError as e:
            print(f"private-eks: plan: {e}", file=sys.stderr)
            worst = max(worst, e.exit_code)
        except PrivateEksError as e:
            print(e.render(), file=sys.stderr)
            worst = max(worst, e.exit_code)
    if args.json and plans:
        sys.stdout.write(offline.plan_json(plans if _several(args) else plans[0]))
    else:
        sys.stdout.write("\n".join(offline.render_plan_text(p) for p in plans))
    return worst


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


def cmd_schema(args: argparse.Namespace) -> int:
    from automation import schema

    sys.stdout.write(schema.schema_text())
    return EXIT_OK


# -------------------------------------------------------------------------------------- parser


def _stack_or_file(p: argparse.ArgumentParser, *, allow_all: bool = False, many: bool = False) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    if many:
        g.add_argument("-s", "--stack", metavar="NAME", action="append",
                       help="read stacks/Pulumi.NAME.yaml of the project; repeat for several stacks")
    else:
        g.add_argument("-s", "--stack", metavar="NAME", help="read stacks/Pulumi.NAME.yaml of the project")
    g.add_argument("--file", metavar="PATH", help="read any stack file")
    if allow_all:
        g.add_argument("--all", action="store_true", help="every stack in stacks/")


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


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


# Each command's exit codes, as the README's command table states them (tests/automation/test_cli_edges.py
# keeps the two equal); every command's --help ends with its line.
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
}


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


def _say_last(line: str) -> None:
    """The boundary's last message: stdout may be the closed pipe, so it goes to stderr, and
    stdout is pointed at /dev/null so that the interpreter's final flush cannot fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass


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

    class _Sub:
        def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
            return subparsers.add_parser(name, parents=[common], **kwargs)

    sub = _Sub()

    def runner_command(name: str, help_: str, description: str, *, many: bool, all_: bool) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=description)
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

    p = sub.add_parser("validate", help="validate a stack's settings (offline)",
                       description="Validate stack files offline: every problem by its path, each stack's result.")
    _stack_or_file(p, allow_all=True, many=True)
    COMMANDS["validate"] = cmd_validate

    p = sub.add_parser(
        "plan", help="offline plan of both passes (no AWS, no Pulumi CLI)",
        description="Run the program under Pulumi's mock runtime, once per pass, and print the resources "
        "grouped by component, what differs between the passes, and the findings a reviewer checks "
        "(internet paths, public subnets, endpoints, API access, endpoint cost). --json prints the plan "
        "as JSON (with --all or several --stack: a JSON array of plans); a stack with bad settings does "
        "not stop the others.")
    _stack_or_file(p, allow_all=True, many=True)
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--phase", choices=("bootstrap", "private", "both"), default="both",
                   help="which pass to plan (default: both)")
    COMMANDS["plan"] = cmd_plan

    p = sub.add_parser(
        "plan-diff", help="what changed between two offline plans",
        description="Compare two `plan --json` files: resources created, deleted, updated and replaced (an "
        "input the provider cannot change in place, or a reference to a replaced resource; the cluster's "
        "replacement is said first), per pass; what `up` does to the public endpoint; findings and endpoint "
        "cost.")
    p.add_argument("old", metavar="OLD.json", help="the plan before the change")
    p.add_argument("new", metavar="NEW.json", help="the plan after the change")
    p.add_argument("--markdown", action="store_true", help="print Markdown (for a pull-request comment)")
    p.add_argument("--status", metavar="STATUS.json",
                   help="`private-eks status --json` of the stack: the last window's length goes into the comment")
    COMMANDS["plan-diff"] = cmd_plan_diff

    p = runner_command(
        "preview", "preview both passes (real engine; Markdown/JSON report for pull requests)",
        "Preview what `up` would do, pass by pass, with the real engine (Pulumi CLI and AWS credentials "
        "needed). A pass that follows a bootstrap pass is derived from it (its starting state does not "
        "exist yet): the report says so.", many=True, all_=True)
    p.add_argument("--markdown", metavar="FILE", help="write the report as Markdown (Pulumi GitHub Action style)")
    p.add_argument("--json", action="store_true",
                   help="print the report as JSON on stdout (progress goes to stderr)")
    p.add_argument("--bootstrap-cidr", metavar="CIDR", action="append",
                   help="the bootstrap window's CIDR for the preview (as for up)")
    COMMANDS["preview"] = cmd_preview

    p = runner_command(
        "up", "create or update a stack: the two passes, failing closed",
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
    COMMANDS["up"] = cmd_up

    p = runner_command(
        "status", "phase and API endpoint access of a stack, and since when",
        "Reads the state backend only.",
        many=True, all_=True)
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    COMMANDS["status"] = cmd_status

    p = runner_command(
        "close", "close the bootstrap window of a stack and change nothing else",
        "Turn the cluster's public API access off and change nothing else (the cluster alone, private "
        "phase). A run in progress is waited for first (its lock; EKS still creating or updating the "
        "cluster), up to --wait seconds. For CI: run it when an apply job fails or is cancelled. "
        "Exit 0 closed (or nothing open), 1 failed, 2 bad input, 3 the public endpoint is still ON "
        "or AWS cannot say.", many=True, all_=True)
    p.add_argument("--wait", metavar="SECONDS", type=float, default=1800.0,
                   help="how long to wait for a run in progress (default 1800)")
    COMMANDS["close"] = cmd_close

    p = sub.add_parser(
        "audit",
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
    COMMANDS["audit"] = cmd_audit

    p = runner_command(
        "destroy", "destroy a stack's resources",
        "Destroy every resource of the stack. --force carries on past errors (resources that can no longer "
        "be reached) and lists what is left. A stack never deployed has nothing to destroy. A cluster with "
        "deletion protection (deletionProtection in the stack file or on the deployed cluster) is refused "
        "before anything is deleted, with the change that lifts it (exit 2: the stack's own configuration "
        "forbids it).",
        many=True, all_=False)
    p.add_argument("--force", action="store_true", help="carry on past errors and report what is left")
    p.add_argument("-y", "--yes", action="store_true",
                   help="destroy without asking (needed when not running on a terminal)")
    COMMANDS["destroy"] = cmd_destroy

    p = sub.add_parser("proxy-env", help="print the NO_PROXY lines to export behind an HTTP(S) proxy",
                       description="Print `export NO_PROXY=...` and `export no_proxy=...`: the current entries "
                       "plus .eks.amazonaws.com, the VPC CIDR and 169.254.169.254.")
    _stack_or_file(p)
    COMMANDS["proxy-env"] = cmd_proxy_env

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

    sub.add_parser("schema", help="print the JSON Schema of stack files",
                   description="Print the JSON Schema of stack files, generated from the settings models (the "
                   "same as schemas/stack-file.schema.json). Editors with the YAML language server use it "
                   "through the modeline `# yaml-language-server: $schema=...` at the top of a stack file.")
    COMMANDS["schema"] = cmd_schema

    for name, sub_parser in subparsers.choices.items():
        sub_parser.epilog = f"exit codes: {EXIT_CODES[name]}"
    return parser


def main(argv: list[str] | None = None) -> int:
    """The CLI's one error boundary: a PrivateEksError prints its message and exits with its code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: 2 for bad arguments, 0 for --help and --version
        return int(e.code or 0)
    try:
        return COMMANDS[args.command](args)
    except PrivateEksError as e:
        print(e.render(), file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return e.exit_code
    except KeyboardInterrupt:
        print("private-eks: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        what = output_error(e)
        _say_last(f"private-eks: error: {what}" if what else f"private-eks: unexpected error (OSError): {e}"
                  + ("" if args.debug else " (--debug shows the traceback)"))
        if args.debug:
            traceback.print_exc()
        return EXIT_FAILED
    except Exception as e:  # a bug: a clean message, the traceback with --debug
        print(f"private-eks: unexpected error ({type(e).__name__}): {e}"
              + ("" if args.debug else " (--debug shows the traceback)"), file=sys.stderr)
        if args.debug:
            traceback.print_exc()
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
