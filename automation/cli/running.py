"""Running a runner command on several stacks at once: one Runner per stack on a thread pool
(--stacks-at-once), each stack's lines kept whole and prefixed, its prerequisites checked together,
its error said as it happens, Ctrl-C and SIGTERM turned into a clean interrupt of every runner,
and a summary table when several stacks ran (the worst exit wins)."""

from __future__ import annotations

import argparse
import functools
import sys
import traceback
from typing import Any, Callable

from automation.cli.common import output_error, project, runner_stacks
from automation.errors import EXIT_FAILED, ConfigurationError, PrivateEksError
from components.settings import StackSettings


class Printer:
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


def check_aws_credentials(settings: StackSettings) -> None:
    try:
        import boto3

        credentials = boto3.Session(region_name=settings.region).get_credentials()
    except Exception as e:  # a broken profile is as good as none
        raise ConfigurationError(f"AWS credentials could not be loaded: {e}") from None
    if credentials is None:
        raise ConfigurationError(
            "no AWS credentials found: configure a profile (AWS_PROFILE), AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, SSO or an instance role, then run again")


def run_each(args: argparse.Namespace, work: Callable[..., tuple[int, str]], *, needs_aws: bool,
             flags: Callable[[], Any] | None = None, **runner_options: Any) -> int:
    """Run ``work(runner, say)`` for every stack (concurrently, bounded by --stacks-at-once), print
    each stack's error as it happens, a summary table when several stacks ran; the worst exit wins.
    ``flags``: a check of the command's flags, reported with the missing prerequisites; with none
    missing, the runner refuses a bad flag itself (after closing a window found open)."""
    from concurrent.futures import ThreadPoolExecutor

    from automation.runner import Runner

    found = project(args)
    stacks = runner_stacks(args, found)
    printer = Printer(len(stacks) > 1, stdout_is_json=bool(getattr(args, "json", False)))
    signals = Interrupts()

    def one(stack: str) -> tuple[int, str]:
        say, shout = printer(stack), printer(stack, err=True)
        try:
            runner = Runner(found, stack, on_output=say, **runner_options)
            signals.add(runner)
            for w in runner.settings.warnings:
                shout(f"warning: {runner.settings.source}: {w}")
            # Every prerequisite at once: the state backend (and its passphrase), the Pulumi CLI,
            # AWS credentials when the command talks to AWS.
            from automation import prerequisites

            checks: list[Callable[[], Any]] = [runner.workspace.environment, runner.workspace.command]
            if needs_aws:
                checks.append(functools.partial(check_aws_credentials, runner.settings))
            try:
                prerequisites.check(stack, checks)
            except prerequisites.MissingPrerequisites as missing:
                if flags is not None:
                    try:
                        flags()
                    except PrivateEksError as bad_flag:
                        missing.problems.insert(0, str(bad_flag))
                raise
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


class Interrupts:
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

    def __enter__(self) -> "Interrupts":
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


