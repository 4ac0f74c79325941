"""The preview of what ``up`` would do, pass by pass: the passes against the current state are
previewed by the engine; a pass that follows a bootstrap pass is derived from its preview."""

from __future__ import annotations

import contextlib
from typing import Iterator, Sequence

from pulumi import automation as auto

from automation.errors import KubernetesApiNeeded
from automation.kubernetes_api import KubernetesApiNeed, preview_needs
from automation.passes import BootstrapMode, StackState, decide_passes, derived_close, resolve_bootstrap_cidrs
from automation.relay.run import InvokerFactory, relay_environment, relay_function_name, uses_relay
from automation.report import EventCollector, PassPreview, StackPreview
from automation.results import PreviewResult
from automation.stack_operations import StackOperations
from automation.workspace import command_summary


class Previewing(StackOperations):
    """``Runner.preview``'s work once the stack to preview against is selected."""

    _relay_invoker: InvokerFactory

    @contextlib.contextmanager
    def _relay(self, stk: auto.Stack, on: bool) -> Iterator[None]:
        """With ``on``, the engine's Kubernetes requests go through the stack's relay for the block
        (automation/relay/run.py); otherwise nothing changes."""
        if not on:
            yield
            return
        function = relay_function_name(self.settings)
        self._say(f"=== {self.stack_name}: Kubernetes API through the relay function {function} ===")
        with relay_environment(stk.workspace, self.settings, self._relay_invoker(self.settings, function)):
            yield

    def _preview(self, stk: auto.Stack, state: StackState, explicit: Sequence[str], bootstrap: BootstrapMode,
                 warnings: Sequence[str]) -> PreviewResult:
        private: EventCollector | None = None
        needs: list[KubernetesApiNeed] = []
        relay = uses_relay(self.settings, bootstrap)
        if relay:
            bootstrap = "never"
        if state is not StackState.NONE or bootstrap == "never":
            with self._relay(stk, self.settings.cluster.private_cluster.api_relay.enabled):
                private = self._preview_phase(stk, "private", ())
            # Through the relay the Kubernetes API needs no window (the settings refuse what could not go through it).
            needs = [] if relay else preview_needs(
                private.changes, authentication_mode=self.settings.cluster.access_config.authentication_mode)
        if bootstrap == "never" and needs:
            closes = "up would close the window found open (the cluster alone) and refuse the rest" \
                if state is StackState.BOOTSTRAP else "up would refuse it before any change"
            raise KubernetesApiNeeded(f"stack {self.stack_name}: --bootstrap never, but {len(needs)} change(s) need the "
                                      f"Kubernetes API: {closes}:", needs)
        passes = decide_passes(state, kubernetes_changes=bool(needs), bootstrap=bootstrap)
        cidrs: list[str] = []
        notes: list[str] = []
        if any(p.phase == "bootstrap" for p in passes):
            cidrs, source = resolve_bootstrap_cidrs(self.settings, explicit, egress_lookup=self._egress_lookup)
            notes.append(f"bootstrap CIDRs from {source}")
        previews: list[PassPreview] = []
        bootstrap_seen: EventCollector | None = None
        for number, p in enumerate(passes, 1):
            if p.phase == "bootstrap":
                self._say(f"=== {self.stack_name}: preview of pass {number}/{len(passes)}: bootstrap ({p.purpose}) ===")
                bootstrap_seen = self._preview_phase(stk, "bootstrap", cidrs)
                previews.append(PassPreview(number, "bootstrap", p.purpose, "previewed", tuple(bootstrap_seen.changes),
                                            bootstrap_seen.unchanged,
                                            description=f"public API access on, limited to {', '.join(cidrs)}"))
            elif bootstrap_seen is None:
                assert private is not None
                description = "public API access off" + (", the cluster alone (no dependents)" if p.cluster_only else "")
                changes = private.changes
                if p.cluster_only:
                    urns = {u for u, _, _ in private.cluster_candidates()}
                    changes = [c for c in changes if c.urn in urns]
                previews.append(PassPreview(number, "private", p.purpose, "previewed", tuple(changes),
                                            private.unchanged, description=description))
            else:
                previews.append(derived_close(number, p, bootstrap_seen))
        result = StackPreview(self.stack_name, self.settings.region, tuple(previews),
                              final_public_access=False, final_private_access=True,
                              bootstrap_cidrs=tuple(cidrs), notes=tuple(notes + [f"current state: {state.value}"]))
        return PreviewResult(self.stack_name, result, state, tuple(warnings))

    def _remove_preview_stack(self, stk: auto.Stack) -> None:
        """Remove the empty stack entry a run made to preview against; a failure is only a warning."""
        try:
            stk.workspace.remove_stack(self.stack_name)
        except auto.CommandError as e:
            self._say(f"warning: {self.stack_name}: could not remove the empty stack created for the preview: "
                      f"{command_summary(e)}")
