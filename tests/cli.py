"""The CLI in-process, shaped like a finished child process: most CLI tests need the exit code and
the output, not a new interpreter (whose start-up is most of such a test's time). Tests that must
prove a real process (the console entry point, exit codes through sys.exit, no traceback) run one."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_main(args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | Path | None = None,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``private-eks ARGS`` through ``automation.cli.main``, with its own environment, folder and stdin."""
    from automation.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if env is not None:
            stack.enter_context(_environment(env))
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        saved_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin or "")
        stack.callback(setattr, sys, "stdin", saved_stdin)
        code = main(list(args))
    return subprocess.CompletedProcess(["private-eks", *args], code, out.getvalue(), err.getvalue())


def run_process(args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | Path | None = None,
                stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m automation ARGS`` in a child process."""
    return subprocess.run([sys.executable, "-m", "automation", *args], env=None if env is None else dict(env),
                          cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout)
