"""The engine-test harness: find the Pulumi CLI, and lay out one copy of the test project with
its own file backend, passphrase, Pulumi home, faults folder and journal. Used by conftest.py and
by record_fixtures.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.engine.project import program as standin

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Path(__file__).resolve().parent / "project"
INSTALL = ROOT / "scripts" / "install-pulumi-cli"
PASSPHRASE = "engine-tests"
SHIM = "pulumi-resource-pulumi-python"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _usable(bin_dir: Path) -> bool:
    return (bin_dir / "pulumi").is_file() and os.access(bin_dir / "pulumi", os.X_OK)


def find_cli() -> tuple[Path | None, str]:
    """The folder holding ``pulumi``, and how it was found (or why not)."""
    on_path = shutil.which("pulumi")
    if on_path:
        return Path(on_path).parent, "PATH"
    cache = Path(os.environ.get("PRIVATE_EKS_CACHE_DIR") or ROOT / ".cache") / "pulumi-cli"
    for bin_dir in sorted(cache.glob("*/bin"), reverse=True):
        if _usable(bin_dir):
            return bin_dir, f"cache {bin_dir}"
    if not in_ci():
        return None, "no Pulumi CLI on PATH or in .cache/pulumi-cli: run scripts/install-pulumi-cli"
    # CI: build it (minutes when cold); its last line is the folder.
    done = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines and _usable(Path(lines[-1])):
        return Path(lines[-1]), "scripts/install-pulumi-cli"
    return None, f"scripts/install-pulumi-cli failed (exit {done.returncode}):\n{done.stderr[-3000:]}"


# Removed from the environment of engine tests: the machine's own AWS and proxy settings.
UNSET = ("PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
         "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
         "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
         "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


def start_moto() -> Any:
    """moto's AWS emulation as a local server (stop it with ``.stop()``); its URL is ``.url``."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    server.url = f"http://{host}:{port}"
    return server


def reset_moto(url: str) -> None:
    """Empty moto's emulated account (its documented reset API)."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()


@dataclass
class EngineProject:
    """One test's copy of the engine test project and everything around it."""

    dir: Path
    state: Path
    faults: Path
    journal: Path
    bin: Path
    env: dict[str, str] = field(default_factory=dict)

    def fault(self, op: str, kind: str, times: int | str = 1) -> None:
        """Make the next ``times`` (or ``"always"``) ``op`` of the ``kind`` stand-in fail."""
        (self.faults / f"{op}-{kind}").write_text(str(times))

    def clear_fault(self, op: str, kind: str) -> None:
        (self.faults / f"{op}-{kind}").unlink(missing_ok=True)

    def slow(self, op: str, kind: str, seconds: float) -> None:
        (self.faults / f"sleep-{op}-{kind}").write_text(str(seconds))

    def aws_wait(self, op: str, kind: str, seconds: float) -> None:
        """Make the ``kind`` stand-in wait ``seconds`` after its ``op``'s AWS call succeeded (EKS's
        create/update wait): AWS is then ahead of the state."""
        (self.faults / f"wait-{op}-{kind}").write_text(str(seconds))

    def clear_aws_wait(self, op: str, kind: str) -> None:
        (self.faults / f"wait-{op}-{kind}").unlink(missing_ok=True)

    def operations(self, kind: str | None = None, *, waits: bool = False) -> list[dict[str, Any]]:
        """The provider operations the engine ran, in order (failed ones included, marked
        ``fault``); with ``waits``, also the starts of slowed operations (marked ``sleeping``)."""
        if not self.journal.exists():
            return []
        entries = [json.loads(line) for line in self.journal.read_text().splitlines() if line.strip()]
        return [e for e in entries if (kind is None or e["kind"] == kind)
                and (waits or ("sleeping" not in e and "waiting" not in e))]

    def kill_run(self, run: subprocess.Popen) -> None:
        """The machine dies mid-run: SIGKILL the runner's process group, the groups of everything it
        started (its Pulumi CLI runs in a group of its own: automation/processes.py), then the
        stand-in's provider, which the engine starts in a process group of its own."""
        import contextlib
        import signal

        groups = {run.pid} | {g for g in map(_group, _descendants(run.pid)) if g is not None}
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        run.communicate(timeout=30)
        for waiting in self.operations("cluster", waits=True):
            if "pid" in waiting:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(waiting["pid"], signal.SIGKILL)

    def wait_for(self, op: str, kind: str, *, timeout: float = 60, after_aws: bool = False) -> None:
        """Until the ``op`` of the ``kind`` stand-in has started (see ``slow``), or with
        ``after_aws``, until its AWS call is done and it waits (see ``aws_wait``)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e["op"] == op and (not after_aws or "waiting" in e) for e in self.operations(kind, waits=True)):
                return
            time.sleep(0.1)
        raise TimeoutError(f"no {op} of the {kind} stand-in within {timeout:.0f} s")

    def pulumi_command(self):
        from pulumi.automation import PulumiCommand

        return PulumiCommand(root=str(self.bin.parent), skip_version_check=True)

    def stack(self, name: str = "engine", *, phase: str = "private", bootstrap_cidrs=()):
        """A raw ``pulumi.automation`` stack of the copy running the stand-in program in ``phase``."""
        from pulumi import automation as auto

        from components.settings import load_stack_file

        settings = load_stack_file(self.dir / "stacks" / f"Pulumi.{name}.yaml", stack=name)
        return auto.create_or_select_stack(
            name,
            project_name="private-eks",
            program=lambda: standin.build(settings, phase, bootstrap_cidrs),
            opts=auto.LocalWorkspaceOptions(work_dir=str(self.dir), pulumi_command=self.pulumi_command(),
                                            env_vars=self.env),
        )

    def runner(self, stack: str = "engine", *, output: list[str] | None = None, **kwargs: Any):
        """The Runner on this copy, running the stand-in program with this CLI; its output lines
        go to ``output``. Fail-closed retries don't wait (the stand-ins have no eventual consistency)."""
        from automation.runner import Runner

        # No AWS behind the stand-ins unless a test passes its own checks.
        kwargs.setdefault("preflight", None)
        kwargs.setdefault("audit", None)
        kwargs.setdefault("program", standin.build)
        runner = Runner(self.dir, stack, pulumi_command=self.pulumi_command(),
                        env=self.env, egress_lookup=None,
                        on_output=output.append if output is not None else None, **kwargs)
        runner.close_retry_delay = 0
        return runner

    def edit_stack(self, name: str = "engine", **node_group: Any) -> None:
        """Change the first managed node group of a stack file (a day-2 change)."""
        import yaml

        path = self.dir / "stacks" / f"Pulumi.{name}.yaml"
        doc = yaml.safe_load(path.read_text())
        doc["config"]["private-eks:cluster"]["managedNodeGroups"][0].update(node_group)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def set_cluster(self, name: str = "engine", **settings: Any) -> None:
        """Change top-level cluster settings of a stack file (e.g. accessConfig)."""
        import yaml

        path = self.dir / "stacks" / f"Pulumi.{name}.yaml"
        doc = yaml.safe_load(path.read_text())
        doc["config"]["private-eks:cluster"].update(settings)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def access_log(self, cluster: str | None = None) -> list[tuple[float, bool]]:
        """The endpoint's public access over time, as the cluster stand-in applied it: (Unix time,
        public access on) of each create/update that succeeded, in order; a delete ends it (False)."""
        log = []
        for e in self.operations("cluster"):
            if e.get("fault") or (cluster and e.get("inputs", {}).get("name", cluster) != cluster):
                continue
            if e["op"] in ("create", "update"):
                log.append((e["time"], e["inputs"]["endpointPublicAccess"] is True))
            elif e["op"] == "delete":
                log.append((e["time"], False))
        return log

    def checkpoint(self, name: str = "engine") -> str | None:
        """The stack's checkpoint file as it is (None: no stack in the backend)."""
        path = self.state / ".pulumi" / "stacks" / "private-eks" / f"{name}.json"
        return path.read_text() if path.exists() else None

    def resources(self, name: str = "engine") -> dict[str, dict[str, Any]]:
        """The stack's resources from its checkpoint in the file backend, by logical name."""
        path = self.state / ".pulumi" / "stacks" / "private-eks" / f"{name}.json"
        deployment = json.loads(path.read_text())["checkpoint"].get("latest") or {}
        return {r["urn"].rsplit("::", 1)[1]: r for r in deployment.get("resources") or []}

    def cluster_state(self, name: str = "engine") -> dict[str, Any]:
        return self.resources(name)["cluster"]["outputs"]

    def aws(self, service: str, region: str = "us-west-2") -> Any:
        """A boto3 client of the emulated AWS account the stand-ins build in."""
        import boto3

        if "AWS_ENDPOINT_URL" not in self.env:
            raise RuntimeError("this project was made without an AWS endpoint")
        return boto3.session.Session().client(service, region_name=region, endpoint_url=self.env["AWS_ENDPOINT_URL"],
                                              aws_access_key_id="testing", aws_secret_access_key="testing")


def make_project(root: Path, bin_dir: Path, pulumi_home: Path, aws_endpoint: str | None = None) -> EngineProject:
    """A fresh copy of the test project under ``root`` and the environment to run it with:
    its own file backend and passphrase; with ``aws_endpoint`` (moto's server), AWS calls (the
    stand-ins', the CLI's checks) go there with test credentials and nothing from this machine."""
    project = root / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    state, faults, journal = root / "state", root / "faults", root / "journal.jsonl"
    state.mkdir()
    faults.mkdir()
    env = {
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_HOME": str(pulumi_home),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        # The dynamic-provider shim runs this interpreter, which has pulumi and this repository.
        "PULUMI_PYTHON_CMD": sys.executable,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "PATH": os.pathsep.join((str(bin_dir), str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
        standin.FAULTS_ENV: str(faults),
        standin.JOURNAL_ENV: str(journal),
    }
    if aws_endpoint:
        env.update({
            "AWS_ENDPOINT_URL": aws_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_CONFIG_FILE": str(root / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        })
    return EngineProject(dir=project, state=state, faults=faults, journal=journal, bin=bin_dir, env=env)


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after it.
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        out.setdefault(ppid, []).append(int(entry))
    return out


def _descendants(pid: int) -> list[int]:
    children, found, todo = _children(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None

