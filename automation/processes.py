"""Pulumi CLI processes the runner can stop cleanly.

``pulumi.automation.PulumiCommand`` runs each command in a child process it keeps to itself, in the
caller's process group. Two things go wrong when the runner is interrupted:

- Ctrl-C reaches the whole foreground group: the CLI gets one SIGINT from the terminal, and a
  second one from anything that forwards it, and Pulumi takes a second SIGINT as "stop now", which
  leaves the stack's lock behind; a SIGTERM sent to the runner alone never reaches the CLI at all;
- a KeyboardInterrupt raised while the SDK waits for the child closes its pipes under its reader
  threads (``ValueError: I/O operation on closed file``) and leaves the child running, holding the
  lock, while the runner already tries to close the window.

:class:`StoppableCommand` runs the CLI in a process group of its own (a terminal's Ctrl-C does not
reach it) and keeps a handle on it: :meth:`stop` sends exactly one SIGINT — Pulumi's graceful
cancel, which finishes the resource operations in flight, saves the state and releases the lock —
and the caller waits for the command to return as usual.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import Callable, Mapping, Optional

from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation.errors import create_command_error

OnOutput = Callable[[str], None]


class StoppableCommand(PulumiCommand):
    """A ``PulumiCommand`` whose running processes can be cancelled gracefully (see module doc)."""

    def __init__(self, root: Optional[str] = None, *, skip_version_check: bool = True):
        super().__init__(root=root, skip_version_check=skip_version_check)
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._stopping = False

    @property
    def running(self) -> bool:
        with self._lock:
            return any(p.poll() is None for p in self._running)

    def stop(self) -> None:
        """Ask every running command to cancel (one SIGINT each); later commands start cancelled."""
        with self._lock:
            self._stopping = True
            processes = list(self._running)
        for process in processes:
            _interrupt(process)

    def resume(self) -> None:
        """Let commands run normally again (the closing attempts after an interrupt)."""
        with self._lock:
            self._stopping = False

    def wait(self, timeout: float) -> bool:
        """Wait until no command is running; whether they all ended within ``timeout`` seconds."""
        with self._lock:
            processes = list(self._running)
        try:
            for process in processes:
                process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Optional[OnOutput] = None,
        on_error: Optional[OnOutput] = None,
    ) -> CommandResult:
        # As PulumiCommand.run: never interactive, the automation API's marker, the CLI's folder first
        # on PATH (for the plugins next to it) — but in a process group of its own, and tracked.
        if "--non-interactive" not in args:
            args = ["--non-interactive", *args]
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        if os.path.isabs(self.command):
            env["PATH"] = os.pathsep.join([os.path.dirname(self.command), env.get("PATH", "")])
        out: list[str] = []
        err: list[str] = []
        process = subprocess.Popen([self.command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                                   env=env, encoding="utf-8", errors="replace", start_new_session=True)
        with self._lock:
            self._running.add(process)
            stopping = self._stopping
        if stopping:
            _interrupt(process)
        readers = [threading.Thread(target=_read, args=(process.stdout, on_output, out), daemon=True),
                   threading.Thread(target=_read, args=(process.stderr, on_error, err), daemon=True)]
        for reader in readers:
            reader.start()
        try:
            try:
                code = _wait(process)
            except KeyboardInterrupt:
                # No handler caught Ctrl-C (an embedding program): the CLI, in its own group, did
                # not get it. Cancel it, let it save the state and release the lock, then go on.
                _interrupt(process)
                _wait(process, again=True)
                raise
            finally:
                for reader in readers:
                    reader.join()
        finally:
            with self._lock:
                self._running.discard(process)
        result = CommandResult(stdout="\n".join(out), stderr="\n".join(err), code=code)
        if code != 0:
            raise create_command_error(result)
        return result


def _wait(process: subprocess.Popen[str], *, again: bool = False) -> int:
    """The process's exit code, waited for in slices (the main thread stays responsive to
    signals). With ``again``, a further Ctrl-C meanwhile is passed on: Pulumi then stops at once."""
    while True:
        try:
            return process.wait(0.5)
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:
            if not again:
                raise
            _interrupt(process)


def _interrupt(process: subprocess.Popen[str]) -> None:
    try:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    except OSError:
        pass  # it ended meanwhile


def _read(stream, callback: Optional[OnOutput], lines: list[str]) -> None:
    for line in iter(stream.readline, ""):
        line = line.rstrip()
        if callback is not None:
            callback(line)
        lines.append(line)
    stream.close()
