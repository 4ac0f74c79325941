"""The pieces of recovery that need no engine: pending operations and outputs read from an
exported deployment, when status calls the window open, and the stoppable Pulumi command."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from automation.passes import (
    SECRET_SIG,
    StackState,
    deployment_outputs,
    parse_bootstrap_cidrs,
    pending_operations,
)
from automation.processes import StoppableCommand
from automation.results import StatusResult

CLUSTER = "urn:pulumi:dev::private-eks::eks:index:Cluster$aws:eks/cluster:Cluster::dev-eksCluster"


def deployment(*, pending=(), outputs=None) -> dict:
    return {"resources": [{"urn": "urn:pulumi:dev::private-eks::pulumi:pulumi:Stack::private-eks-dev",
                           "type": "pulumi:pulumi:Stack", "custom": False, "outputs": outputs or {}}],
            "pending_operations": list(pending)}


def op(kind: str, public: bool, type_: str = "aws:eks/cluster:Cluster", urn: str = CLUSTER) -> dict:
    return {"type": kind, "resource": {"urn": urn, "type": type_, "custom": True,
                                       "inputs": {"name": "dev", "vpcConfig": {"endpointPublicAccess": public}}}}


def test_pending_operations_name_the_cluster_and_the_access_it_was_applying():
    found = pending_operations(deployment(pending=[op("creating", True),
                                                   op("creating", False, "aws:ec2/vpc:Vpc", "urn:x::vpc")]))
    assert [(p.type, p.cluster, p.public_access) for p in found] == [("creating", True, True), ("creating", False, None)]
    assert found[0].to_json() == {"type": "creating", "urn": CLUSTER, "resourceType": "aws:eks/cluster:Cluster"}


def test_outputs_are_read_from_the_deployment_and_secrets_stay_hidden():
    outputs = deployment_outputs(deployment(outputs={"endpointPhase": "bootstrap",
                                                     "kubeconfig": {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270",
                                                                    "ciphertext": "v1:abc"}}))
    assert outputs == {"endpointPhase": "bootstrap", "kubeconfig": "[secret]"}


@pytest.mark.parametrize("state, aws, pending, open_", [
    (StackState.BOOTSTRAP, False, (), True),      # the state says so
    (StackState.PRIVATE, True, (), True),         # AWS says so (the state is behind)
    (StackState.NONE, None, ("creating", True), True),   # a run died opening it; AWS unknown: assume open
    (StackState.NONE, False, ("creating", True), False),  # AWS says it is off: it is off
    (StackState.PRIVATE, None, ("updating", False), False),  # a run died closing it
    (StackState.PRIVATE, False, (), False),
])
def test_status_calls_the_window_open_when_the_state_or_aws_says_so(state, aws, pending, open_):
    ops = tuple(pending_operations(deployment(pending=[op(*pending)]))) if pending else ()
    assert StatusResult("dev", True, state, pending_operations=ops, aws_public_access=aws).window_open is open_


def test_a_bare_address_is_its_host_network_but_host_bits_are_refused():
    from automation.errors import ConfigurationError

    assert parse_bootstrap_cidrs(["203.0.113.7", "2001:db8::1"]) == ["203.0.113.7/32", "2001:db8::1/128"]
    with pytest.raises(ConfigurationError, match="did you mean 192.0.0.0/3"):
        parse_bootstrap_cidrs(["203.0.113.7/3"])


# --------------------------------------------------------------------------- stoppable command


def fake_pulumi(tmp_path: Path) -> StoppableCommand:
    """A stand-in CLI (a Python script named bin/pulumi) that records SIGINTs and ends on the first,
    as Pulumi's graceful cancel does; run through the real StoppableCommand."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f"""#!{sys.executable}
import signal, sys, time
if sys.argv[1:] == ["version"]:  # PulumiCommand asks for the version when it is made
    print("v3.274.1")
    sys.exit(0)
def cancel(signum, frame):
    print("cancelled", flush=True)
    sys.exit(255)
signal.signal(signal.SIGINT, cancel)
print("started", flush=True)
time.sleep(60)
""")
    script.chmod(0o755)
    return StoppableCommand(root=str(tmp_path))


def test_stop_sends_one_sigint_and_the_command_ends_as_a_failure(tmp_path):
    import threading

    from pulumi.automation import CommandError

    command = fake_pulumi(tmp_path)
    lines: list[str] = []
    outcome: dict = {}

    def run() -> None:
        try:
            command.run(["up"], str(tmp_path), {}, on_output=lines.append)
        except CommandError as e:
            outcome["error"] = e

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while "started" not in lines and time.monotonic() < deadline:
        time.sleep(0.05)
    assert command.running
    command.stop()
    worker.join(30)
    assert lines == ["started", "cancelled"] and "error" in outcome
    assert command.wait(1) and not command.running


def test_a_command_started_after_stop_is_cancelled_at_once_until_resumed(tmp_path):
    from pulumi.automation import CommandError

    command = fake_pulumi(tmp_path)
    command.stop()
    started = time.monotonic()
    with pytest.raises(CommandError):
        command.run(["up"], str(tmp_path), {})
    assert time.monotonic() - started < 30


def test_the_cli_runs_in_its_own_process_group(tmp_path):
    """A terminal's Ctrl-C reaches the runner's group only: Pulumi gets exactly one SIGINT, the
    runner's (a second one would make Pulumi stop at once and leave its lock)."""
    script = tmp_path / "bin" / "pulumi"
    script.parent.mkdir()
    script.write_text(f"#!{sys.executable}\nimport os\nprint(os.getpgid(0) == os.getpid())\n")
    script.chmod(0o755)
    result = StoppableCommand(root=str(tmp_path)).run(["about"], str(tmp_path), {})
    assert result.stdout.strip() == "True"


def test_the_cli_handles_sigterm_instead_of_dying(tmp_path):
    """`private-eks` installs its handlers only around runner commands; a SIGTERM there is caught
    (the engine tests prove the whole path); here: the handler object restores the previous ones."""
    from automation.cli.running import Interrupts

    before = signal.getsignal(signal.SIGTERM)
    with Interrupts() as interrupts:
        assert signal.getsignal(signal.SIGTERM) == interrupts._handle
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_runner_made_after_a_signal_starts_interrupted():
    from automation.cli.running import Interrupts

    class Fake:
        count = 0

        def interrupt(self) -> None:
            self.count += 1

    interrupts = Interrupts()
    interrupts._handle(signal.SIGTERM, None)
    late = Fake()
    interrupts.add(late)
    assert late.count == 1


def test_a_keyboard_interrupt_in_the_caller_cancels_the_command_and_waits_for_it(tmp_path):
    """An embedding program with no signal handler: Ctrl-C raises KeyboardInterrupt in the caller;
    the CLI (in its own group) is cancelled and has ended when the exception comes out."""
    import _thread
    import threading

    command = fake_pulumi(tmp_path)
    lines: list[str] = []
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        command.run(["up"], str(tmp_path), {}, on_output=lines.append)
    assert lines == ["started", "cancelled"] and not command.running
