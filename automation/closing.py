"""Failing closed: the error a failed run reports once the window it found or left open is
closed (two private passes, then one targeted at the cluster alone), or :class:`WindowLeftOpen`
(exit 3) when it stays open or AWS cannot say; and the ``close`` command, which waits for a run in
progress and turns public access off on the cluster alone.
"""

from __future__ import annotations

import contextlib
import functools
import time
from typing import Any, Callable, Sequence

from pulumi import automation as auto

from automation.errors import (
    ConfigurationError,
    Interrupted,
    LockedWithWindowOpen,
    OperationFailed,
    PrivateEksError,
    StackLocked,
    WindowLeftOpen,
)
from automation.passes import Pass, cluster_resources, dedupe
from automation.recovery import Recovery
from automation.stack_operations import typed_errors
from automation.workspace import command_summary

# How long an interrupted Pulumi operation may take to cancel (finish what AWS is doing, save the
# state, release the lock) before the runner stops waiting for it.
INTERRUPT_GRACE = 120.0
# `close`: how long a run in progress (its lock, EKS creating the cluster) is waited for.
CLOSE_WAIT = 1800.0
BUSY_CLUSTER = frozenset({"CREATING", "UPDATING"})


class Closing(Recovery):
    """Closing the window: after a failure (fail closed), on ``close``, and what a destroy leaves."""

    close_retry_delay = 5.0
    settle_poll = 15.0

    def _fail_closed(self, stk: auto.Stack, cause: BaseException, cidrs: Sequence[str]) -> None:
        """Raise the right error for a failed run, closing the window first when it is open."""
        errors = list(getattr(cause, "errors", []) or [])
        if not errors and isinstance(cause, auto.CommandError):
            errors = [command_summary(cause)]
        interrupted = self._interrupts > 0
        if interrupted:
            # The cancelled Pulumi operation ends first: it holds the lock every closing attempt needs.
            if not self.workspace.wait(INTERRUPT_GRACE):
                raise self._left_open(stk, cidrs, errors, f"interrupted, and the Pulumi operation did not end within "
                                      f"{INTERRUPT_GRACE:.0f} s (it still holds the stack's lock)")
            self.workspace.resume()
            self._clear_dead_lock(stk)
            cause = Interrupted(f"stack {self.stack_name}: interrupted", errors=errors)
        if isinstance(cause, StackLocked):
            # Another run holds the stack: any open window is that run's to close, and every
            # closing attempt of ours would hit the same lock. But an open window is said loudly.
            if self._window_open(stk) and not isinstance(cause, LockedWithWindowOpen):
                raise LockedWithWindowOpen(
                    f"SECURITY: stack {self.stack_name}: the cluster's PUBLIC API endpoint is ON and {cause}. "
                    "A run in progress closes its own window; if none is running, remove the lock and run "
                    f"`private-eks up --stack {self.stack_name}` to close it.",
                    stack=self.stack_name, errors=errors) from None
            raise cause
        verdict = self._verdict_or_none(stk, errors)
        if verdict is not None and verdict.unknown:
            raise self._unknown(verdict, errors)
        if verdict is not None and not verdict.open:
            if isinstance(cause, Interrupted):
                raise Interrupted(f"{cause}; the public endpoint is off (the window is closed)", errors=errors) from None
            if isinstance(cause, PrivateEksError):
                raise cause
            raise OperationFailed(f"stack {self.stack_name}: {_describe(cause)}", errors=errors) from None
        self._say(f"=== {self.stack_name}: {'INTERRUPTED' if interrupted else 'FAILED'} with the public endpoint ON "
                  "— closing the window (fail closed) ===")
        if not interrupted:
            # The Pulumi CLI may have died alone, leaving its lock: no one else would release it.
            with contextlib.suppress(auto.CommandError):
                self._clear_dead_lock(stk)
        attempts = [Pass("private", "fail closed"), Pass("private", "fail closed, retry"),
                    Pass("private", "fail closed, cluster only", cluster_only=True)]
        for i, p in enumerate(attempts, 1):
            if self._interrupts > 1:
                errors.append("interrupted again while closing the window: the closing attempts were stopped")
                break
            if i > 1 and self.close_retry_delay:
                time.sleep(self.close_retry_delay)
            try:
                if verdict is None or verdict.behind or verdict.pending:
                    # The state is behind AWS (a pending create, or public access it never heard
                    # of): a private pass against it would change nothing. Read AWS back first.
                    self._recover(stk, closing=True)
                self._run_pass(stk, i, len(attempts), p, cidrs, label="closing attempt", closing=True)
            except (PrivateEksError, auto.CommandError) as e:
                errors += list(getattr(e, "errors", []) or [str(e)])
            try:
                verdict = self._verdict(stk)
                if verdict.unknown:
                    raise self._unknown(verdict, errors)
                if not verdict.open:
                    self._say(f"=== {self.stack_name}: the window is closed (public access off) ===")
                    if isinstance(cause, ConfigurationError):
                        raise ConfigurationError(f"{cause} (the public endpoint found on was turned off)") from None
                    kind = Interrupted if interrupted else OperationFailed
                    raise kind(
                        f"stack {self.stack_name}: {_describe(cause)}; the public endpoint was turned off again "
                        "(the window is closed)", errors=dedupe(errors)) from None
            except PrivateEksError:
                raise
            except Exception as e:  # state unreadable: try the next attempt
                errors.append(f"reading the stack state: {e}")
        raise self._left_open(stk, cidrs, errors, ("interrupted, and " if interrupted else "")
                              + f"the runner could not turn it off ({len(attempts)} attempts at most)")

    @typed_errors
    def close(self, *, wait: float = CLOSE_WAIT) -> str:
        """Close the bootstrap window and change nothing else: the cluster alone, private phase.

        A run still in progress (its lock, or EKS still creating or updating the cluster) is waited
        for, up to ``wait`` seconds: EKS refuses an access change while the cluster is busy, and
        the run being cancelled may still close its own window. Returns what was done; raises
        :class:`WindowLeftOpen` (exit 3) when the window stays open or AWS cannot say."""
        stk = self._stack(create=False)
        if stk is None:
            return "no such stack: nothing to close"
        deadline = time.monotonic() + wait
        errors: list[str] = []
        self._clear_dead_lock(stk)
        self._wait_cluster_settled(deadline)
        for attempt in range(1, 4):
            verdict = self._verdict(stk)
            if verdict.unknown:
                raise self._unknown(verdict, errors)
            if not verdict.open:
                return "the window is closed (public access off)" if attempt > 1 else \
                    f"nothing to close: {verdict.describe()}"
            self._say(f"=== {self.stack_name}: {verdict.describe()}: closing it (the cluster alone) ===")
            step = Pass("private", "close", cluster_only=True)
            try:
                if verdict.behind or verdict.pending:
                    self._locked_retry(deadline, functools.partial(self._recover, stk, closing=True))
                if not cluster_resources(self._resources(stk)):
                    # Without the cluster in the state the pass could not be limited to it.
                    raise self._left_open(stk, (), errors, "the state holds no cluster resource to target, and "
                                          "close changes nothing but the cluster")
                self._locked_retry(deadline, functools.partial(self._run_pass, stk, attempt, 3, step, (),
                                                               label="closing attempt", closing=True))
            except WindowLeftOpen:
                raise
            except StackLocked as e:
                raise self._left_open(stk, (), errors + [str(e)], f"another run still holds the stack's lock after "
                                      f"{wait:.0f} s") from None
            except (PrivateEksError, auto.CommandError) as e:
                errors += list(getattr(e, "errors", []) or [str(e)])
            if self._interrupts:
                break
            self._wait_cluster_settled(deadline)
        raise self._left_open(stk, (), errors, "the close command could not turn it off")

    def _locked_retry(self, deadline: float, step: Callable[[], Any]) -> Any:
        """``step()``, again while another run holds the lock and the deadline is not passed."""
        while True:
            try:
                return step()
            except StackLocked:
                if time.monotonic() + self.close_retry_delay >= deadline or self._interrupts:
                    raise
                self._say(f"=== {self.stack_name}: the stack is locked by a run in progress: waiting ===")
                time.sleep(self.close_retry_delay)

    def _wait_cluster_settled(self, deadline: float) -> None:
        """Until EKS is no longer creating or updating the cluster (AWS asked; unknown: no wait)."""
        while self._cluster_access is not None and time.monotonic() < deadline and not self._interrupts:
            try:
                access = self._cluster_access(self.settings)
            except Exception:  # said by the verdict that follows
                return
            if access is None or str(getattr(access, "status", "")).upper() not in BUSY_CLUSTER:
                return
            self._say(f"=== {self.stack_name}: EKS is still {access.status} the cluster: waiting ===")
            time.sleep(max(0.1, min(self.settle_poll, deadline - time.monotonic())))

    def _destroy_left_open(self, stk: auto.Stack, errors: Sequence[str], what: str) -> None:
        """A destroy that ends with the cluster still there and public is a security problem (exit 3)."""
        try:
            verdict = self._verdict(stk)
        except Exception:  # the state unreadable: assume the worst
            verdict = None
        if verdict is not None and verdict.unknown:
            raise self._unknown(verdict, errors)
        if verdict is None or verdict.open:
            raise self._left_open(stk, (), errors, f"{what}. Close the window first with close, then destroy again")


def _describe(cause: BaseException) -> str:
    if isinstance(cause, KeyboardInterrupt):
        return "interrupted"
    return str(cause) or type(cause).__name__
