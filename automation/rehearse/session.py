"""One rehearsal: a temporary copy of the project, its own Pulumi home with the doubles, a file
backend, moto's server as AWS, and the real Runner on the real program."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from automation.project import Project
from automation.rehearse import home, world

RUNNER_IP = "203.0.113.10"  # the runner's address as the doubles see it (TEST-NET-3, RFC 5737)
PASSPHRASE = "rehearsal"
DEFAULT_SECONDS_PER_MINUTE = 0.02
# The machine's own AWS identity and proxies never reach a rehearsal.
UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
         "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
         "AWS_CONTAINER_CREDENTIALS_FULL_URI", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


def start_moto() -> Any:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as e:  # moto is a development dependency
        raise RuntimeError("rehearse needs moto's server: pip install 'moto[server]'") from e
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    server.url = f"http://{host}:{port}"  # type: ignore[attr-defined]
    return server


def find_cli_bin() -> Path | None:
    found = shutil.which("pulumi")
    if found:
        return Path(found).parent
    cache = Path(os.environ.get("PRIVATE_EKS_CACHE_DIR") or Path(__file__).resolve().parents[2] / ".cache")
    for bin_dir in sorted((cache / "pulumi-cli").glob("*/bin"), reverse=True):
        if (bin_dir / "pulumi").is_file():
            return bin_dir
    return None


def runner_ip_for(settings: Any) -> str:
    """Where the rehearsal's runner stands: inside the stack's own publicAccessCIDRs when it has them
    (that is where its users run ``up`` from), else the address the egress lookup would find."""
    import ipaddress

    cidrs = list(settings.cluster.vpc.public_access_cidrs)
    if cidrs:
        net = ipaddress.ip_network(cidrs[0], strict=False)
        return str(net.network_address if net.num_addresses == 1 else next(net.hosts()))
    return RUNNER_IP


@dataclass
class Session:
    """The temporary world of one rehearsal; ``close()`` stops moto and removes the folder."""

    project: Project
    root: Path
    env: dict[str, str]
    moto: Any
    keep: bool = False
    runner_ip: str = RUNNER_IP
    seeded: dict[str, list[str]] = field(default_factory=dict)
    _saved: dict[str, str | None] = field(default_factory=dict)  # the process environment before runner()
    log: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, project: Project, *, seconds_per_minute: float = DEFAULT_SECONDS_PER_MINUTE,
             moto_url: str | None = None, runner_ip: str = RUNNER_IP) -> "Session":
        root = Path(tempfile.mkdtemp(prefix="private-eks-rehearse-"))
        copy = root / "project"
        copy.mkdir()
        shutil.copy2(project.dir / "Pulumi.yaml", copy / "Pulumi.yaml")
        stacks = project.config_dir
        shutil.copytree(stacks, copy / stacks.relative_to(project.dir))
        (root / "state").mkdir()
        (root / "world").mkdir()
        home.install(root / "home")
        moto = None if moto_url else start_moto()
        url = moto_url or (moto.url if moto is not None else "")
        # moto's accounts live in the process: an earlier rehearsal's (or test's) must not show through.
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()
        from automation.rehearse.seed import seed_existing_vpc

        seeded = {}
        for stack_file in (copy / stacks.relative_to(project.dir)).glob("Pulumi.*.yaml"):
            notes = seed_existing_vpc(stack_file, url)
            if notes:
                seeded[stack_file.name] = notes
        cli = find_cli_bin()
        env = {
            "PULUMI_HOME": str(root / "home"), "PULUMI_BACKEND_URL": f"file://{root / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true", "PULUMI_ACCESS_TOKEN": "",
            "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": str(root / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / "no-aws-credentials"), "AWS_EC2_METADATA_DISABLED": "true",
            world.DIR_ENV: str(root / "world"), world.SCALE_ENV: str(seconds_per_minute),
            world.RUNNER_IP_ENV: runner_ip,
        }
        if cli is not None:
            env["PATH"] = os.pathsep.join((str(cli), os.environ.get("PATH", "")))
        return cls(project=Project.load(copy), root=root, env=env, moto=moto, runner_ip=runner_ip, seeded=seeded)

    def runner(self, stack: str, on_output: Callable[[str], None] | None = None) -> Any:
        from automation.runner import Runner

        # The boto3 checks (preflight, audit, the cluster's access) read moto: the runner's own
        # process must see the same endpoint and test credentials.
        changes = {k: v for k, v in self.env.items() if k.startswith("AWS_")}
        for name in [*changes, *UNSET, "AWS_DEFAULT_REGION"]:
            self._saved.setdefault(name, os.environ.get(name))
        os.environ.update(changes)
        for name in UNSET:
            os.environ.pop(name, None)
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-west-2")
        from automation.rehearse.relay_world import RehearsalInvoker

        # The relay's function is played in this process: it carries a request when the world allows.
        return Runner(self.project, stack, env=self.env, on_output=on_output,
                      egress_lookup=lambda timeout: self.runner_ip,
                      relay_invoker=lambda settings, function: RehearsalInvoker(
                          self.root / "world", settings.cluster.metadata.name, function))

    def journal(self) -> list[dict[str, Any]]:
        return world.read_journal(self.root / "world")

    def close(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self.moto is not None:
            self.moto.stop()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
