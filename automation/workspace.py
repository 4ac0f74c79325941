"""The Pulumi workspace a Runner works in: the CLI, the state backend, secrets, the shadow copy.

Stack files stay untouched: the Pulumi CLI writes secrets-provider keys (``encryptionsalt``) into
the stack's config file, so the workspace is a copy of ``Pulumi.yaml`` and the stack file under
``.pulumi-state/workspaces/<stack>/``, refreshed from the user's files before every operation and
keeping only the keys Pulumi added.

State backend: ``PULUMI_BACKEND_URL``, Pulumi.yaml's ``backend.url`` or the current ``pulumi
login``; with none of them, a file backend under ``.pulumi-state/`` in the project.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import socket
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import yaml
from pulumi import automation as auto

from automation import proxy
from automation.errors import ConfigurationError, OperationFailed, StackLocked
from automation.passes import dedupe
from automation.processes import StoppableCommand
from automation.project import Project
from components.settings import StackSettings

STATE_DIR = ".pulumi-state"
DIY_SCHEMES = ("file://", "s3://", "gs://", "azblob://")
SECRETS_KEYS = ("encryptionsalt", "secretsprovider", "encryptedkey")


class Workspace:
    """One stack's workspace. ``env`` is the full environment decisions are made in; ``extra_env``
    what the caller added, passed to every Pulumi command."""

    def __init__(self, project: Project, stack: str, settings: StackSettings, *, env: Mapping[str, str],
                 extra_env: Mapping[str, str], pulumi_command: auto.PulumiCommand | None = None):
        self.project = project
        self.stack_name = stack
        self.stack_file = project.stack_file(stack)
        self._settings = settings
        self._env = dict(env)
        self._extra_env = dict(extra_env)
        self._pulumi_command = pulumi_command
        self._workspace_env: dict[str, str] | None = None
        self.owned_state: list[Path] = []  # state folders the runner keeps owner-only

    def check(self) -> None:
        """Raise ConfigurationError now if the Pulumi CLI, the state backend or its passphrase is missing."""
        self.environment()
        self.command()

    def select(self, program: Callable[[], None], *, create: bool) -> auto.Stack | None:
        """The stack in the backend (None when it does not exist and ``create`` is false)."""
        env = self.environment()
        # A secrets provider named in the stack file (awskms://, ...) is the one a new stack gets:
        # `pulumi stack init` reads only its flag, and would otherwise pick the passphrase.
        opts = auto.LocalWorkspaceOptions(work_dir=str(self._shadow()), env_vars=env, pulumi_command=self.command(),
                                          secrets_provider=self._secrets_provider())
        try:
            if create:
                return auto.create_or_select_stack(self.stack_name, project_name=self.project.name,
                                                   program=program, opts=opts)
            return auto.select_stack(self.stack_name, project_name=self.project.name, program=program, opts=opts)
        except auto.StackNotFoundError:
            return None
        except auto.CommandError as e:
            where = describe_backend(env.get("PULUMI_BACKEND_URL") or backend_url(self.project, self._env) or "")
            raise OperationFailed(f"stack {self.stack_name}: cannot open the stack in the state backend {where}; "
                                  "nothing was done", errors=[command_summary(e)]) from None

    def command(self) -> StoppableCommand:
        if self._pulumi_command is not None and not isinstance(self._pulumi_command, StoppableCommand):
            # Any CLI given is run as a stoppable one: an interrupt must be able to cancel it.
            self._pulumi_command = StoppableCommand(root=str(Path(self._pulumi_command.command).parent.parent))
        if self._pulumi_command is None:
            found = shutil.which("pulumi", path=self._env.get("PATH"))
            if not found:
                raise ConfigurationError(
                    "the Pulumi CLI was not found on PATH: install it (https://www.pulumi.com/docs/install/) "
                    "or build it with scripts/install-pulumi-cli and put the folder it prints on PATH")
            # PulumiCommand runs <root>/bin/pulumi: the folder on PATH, else the symlink's target.
            roots = [p.parent.parent for p in (Path(found), Path(found).resolve()) if p.parent.name == "bin"]
            if not roots:
                raise ConfigurationError(f"the Pulumi CLI at {found} is not in a bin/ folder: put the folder "
                                         "holding bin/pulumi on PATH as <folder>/bin")
            try:
                self._pulumi_command = StoppableCommand(root=str(roots[0]))
            except Exception as e:
                raise ConfigurationError(f"the Pulumi CLI at {found} does not run: {e}") from None
        return self._pulumi_command

    def environment(self) -> dict[str, str]:
        """The environment of every Pulumi command: backend, proxy bypass; checked once."""
        if self._workspace_env is not None:
            return self._workspace_env
        env = dict(self._extra_env)
        project_dir = self.project.dir
        backend = backend_url(self.project, self._env)
        local = backend is None
        if backend is None:
            backend = (project_dir / STATE_DIR).as_uri()
            env["PULUMI_BACKEND_URL"] = backend
        if backend.startswith(DIY_SCHEMES) and not self._has_other_secrets_provider():
            if not (self._env.get("PULUMI_CONFIG_PASSPHRASE") or self._env.get("PULUMI_CONFIG_PASSPHRASE_FILE")):
                raise ConfigurationError(
                    f"the state backend {backend} keeps secrets (the kubeconfig) encrypted with a passphrase: "
                    "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (or use another backend with "
                    "PULUMI_BACKEND_URL / `pulumi login`)")
        if local:
            _private_dir(project_dir / STATE_DIR)
            self.owned_state.append(project_dir / STATE_DIR)
        elif backend.startswith("file://"):
            # A file backend of the user's: made owner-only if the runner is the one creating it.
            folder = file_backend_folder(backend)
            if folder is not None and not folder.exists():
                _private_dir(folder)
                self.owned_state.append(folder)
        env.update(proxy.proxy_environment(self._env, self._settings))
        env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
        self._workspace_env = env
        return env

    def stop(self) -> None:
        """Cancel the running Pulumi commands (signal-safe: nothing is made here)."""
        if isinstance(self._pulumi_command, StoppableCommand):
            self._pulumi_command.stop()

    def resume(self) -> None:
        if isinstance(self._pulumi_command, StoppableCommand):
            self._pulumi_command.resume()

    def wait(self, timeout: float) -> bool:
        """Whether every running Pulumi command ended within ``timeout`` seconds."""
        return not isinstance(self._pulumi_command, StoppableCommand) or self._pulumi_command.wait(timeout)

    def deployment(self, stk: auto.Stack) -> dict[str, Any]:
        """The stack's deployment (``export_stack``). The CLI checks the passphrase even to export;
        a wrong one must not hide an open window: a file backend's checkpoint is then read as it
        is (the window's state is in plain text)."""
        try:
            return dict(stk.export_stack().deployment or {})
        except auto.CommandError as e:
            checkpoint = self._checkpoint() if passphrase_error(e) else None
            if checkpoint is None:
                raise
            return checkpoint

    def _checkpoint(self) -> dict[str, Any] | None:
        folder = self.file_backend()
        if folder is None:
            return None
        short = self.stack_name.rsplit("/", 1)[-1]
        for path in (folder / ".pulumi" / "stacks" / self.project.name / f"{short}.json",
                     folder / ".pulumi" / "stacks" / f"{short}.json"):
            for candidate, opener in ((path, open), (path.with_name(path.name + ".gz"), gzip.open)):
                if candidate.is_file():
                    try:
                        with opener(candidate, "rt", encoding="utf-8") as f:
                            return dict(json.load(f)["checkpoint"].get("latest") or {})
                    except (OSError, ValueError, KeyError, TypeError):
                        return None
        return None

    def file_backend(self) -> Path | None:
        """The folder of the state backend when it is a file backend."""
        return file_backend_folder(self.environment().get("PULUMI_BACKEND_URL") or self._env.get("PULUMI_BACKEND_URL")
                                   or "")

    def dead_locks(self) -> list[int]:
        """The pids of the stack's locks when every holder is a dead process of this machine (a run
        killed here: no one else would ever release them); [] when there is none, or any holder
        may be alive or is another machine's (then the lock is not ours to judge)."""
        folder = self.file_backend()
        if folder is None:
            return []
        short = self.stack_name.rsplit("/", 1)[-1]
        pids = []
        for lock in folder.glob(f".pulumi/locks/*/*/{short}/*.json"):
            try:
                holder = json.loads(lock.read_text(encoding="utf-8"))
                pid, host = int(holder["pid"]), str(holder["hostname"])
            except (OSError, ValueError, KeyError, TypeError):
                return []
            if host != socket.gethostname() or _alive(pid):
                return []
            pids.append(pid)
        return pids

    def tighten(self) -> None:
        """The Pulumi CLI writes checkpoints, backups and history with the umask's modes (0644): in
        a state folder the runner owns they become owner-only (after every operation)."""
        for folder in self.owned_state:
            _owner_only_tree(folder)

    def _secrets_provider(self) -> str | None:
        """The stack file's ``secretsprovider`` (Pulumi's own key), if any."""
        doc = _read_yaml(self.stack_file)
        provider = doc.get("secretsprovider") if isinstance(doc, Mapping) else None
        return str(provider) if provider else None

    def _has_other_secrets_provider(self) -> bool:
        return self._secrets_provider() not in (None, "passphrase")

    def _shadow(self) -> Path:
        """The folder the CLI runs in: copies of Pulumi.yaml and the stack file (see module doc)."""
        work = self.project.dir / STATE_DIR / "workspaces" / _safe(self.stack_name)
        config_dir = work / self.project.config_dir.relative_to(self.project.dir)
        for folder in (self.project.dir / STATE_DIR, work.parent, work, config_dir):
            _private_dir(folder)
        _write_if_changed(work / "Pulumi.yaml", self.project.file.read_text(encoding="utf-8"))
        shadow = config_dir / self.stack_file.name
        user_text = self.stack_file.read_text(encoding="utf-8")
        _write_if_changed(shadow, merge_secrets_keys(user_text, shadow.read_text(encoding="utf-8") if shadow.exists() else ""))
        return work


@contextlib.contextmanager
def pulumi_errors(stack: str, failed: str | None = None, *, errors: Callable[[], list[str]] | None = None) -> Iterator[None]:
    """Pulumi CLI failures as typed errors: a held lock is StackLocked, a missing passphrase bad
    input, anything else OperationFailed(``failed``) with the engine's error lines."""
    try:
        yield
    except auto.ConcurrentUpdateError as e:
        raise StackLocked(locked_message(stack), errors=[command_summary(e)]) from None
    except (auto.StackNotFoundError, auto.StackAlreadyExistsError):
        raise
    except auto.CommandError as e:
        summary = command_summary(e)
        if passphrase_error(e):  # bad input whichever command met it
            raise ConfigurationError(f"stack {stack}: {summary}") from None
        raise OperationFailed(failed or f"stack {stack}: a Pulumi command failed",
                              errors=(errors() if errors else []) or [summary]) from None


def backend_url(project: Project, env: Mapping[str, str]) -> str | None:
    """The configured state backend: PULUMI_BACKEND_URL, Pulumi.yaml's backend.url, the current
    `pulumi login`; None when nothing is configured (the runner then uses .pulumi-state/)."""
    if env.get("PULUMI_BACKEND_URL"):
        return env["PULUMI_BACKEND_URL"]
    backend = project.document.get("backend")
    url = backend.get("url") if isinstance(backend, Mapping) else None
    if url:
        return str(url)
    home = Path(env.get("PULUMI_HOME") or Path(env.get("HOME") or Path.home()) / ".pulumi")
    try:
        credentials = json.loads((home / "credentials.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = credentials.get("current") if isinstance(credentials, Mapping) else None
    return str(current) if current else None


def describe_backend(url: str) -> str:
    """A backend URL as ``scheme://host/path``, plus the ``endpoint`` option's host when it names one
    (an S3-compatible store): where it points, without credentials or other query values."""

    def host(parts: urllib.parse.SplitResult) -> str:
        try:
            port = parts.port
        except ValueError:  # not a number: name the host alone
            port = None
        return f"{parts.hostname or ''}{f':{port}' if port else ''}"

    parts = urllib.parse.urlsplit(url)
    if not parts.scheme:
        return "(a URL without a scheme)" if url else "(none)"
    text = f"{parts.scheme}://{host(parts)}{parts.path}"
    endpoint = urllib.parse.parse_qs(parts.query).get("endpoint")
    if endpoint:
        value = endpoint[0] if "://" in endpoint[0] else f"//{endpoint[0]}"  # host:port alone is allowed
        text += f" (endpoint {host(urllib.parse.urlsplit(value))})"
    return text


def merge_secrets_keys(user_text: str, shadow_text: str) -> str:
    """The user's stack file, plus the secrets-provider keys Pulumi added to the runner's copy."""
    try:
        user = yaml.safe_load(user_text) or {}
        shadow = yaml.safe_load(shadow_text) or {} if shadow_text else {}
    except yaml.YAMLError:
        return user_text
    if not isinstance(user, Mapping) or not isinstance(shadow, Mapping):
        return user_text
    extra = {k: shadow[k] for k in SECRETS_KEYS if k in shadow and k not in user}
    if not extra:
        return user_text
    return user_text.rstrip("\n") + "\n" + yaml.safe_dump(extra, default_flow_style=False, sort_keys=True)


def command_summary(e: BaseException) -> str:
    """The useful lines of a CLI failure (its error lines), not the whole command dump."""
    text = str(e)
    lines = [re.sub(r"^(stderr|stdout): ", "", ln.strip()) for ln in text.splitlines()]
    errors = [ln for ln in lines if re.search(r"\berror\b", ln, re.I)]
    picked = errors or [ln for ln in lines if ln][-10:]
    return "\n".join(dedupe(picked))[:4000]


def passphrase_error(e: BaseException) -> bool:
    return "passphrase" in command_summary(e).lower()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def locked_message(stack: str) -> str:
    return (f"stack {stack} is locked by another update. If none is running (a crashed run left the lock), "
            "remove it: `pulumi cancel` on Pulumi Cloud, or delete the stack's lock file under .pulumi/locks/ "
            "in a file/S3 backend; then run again")


def plain_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("[secret]" if getattr(v, "secret", False) else getattr(v, "value", v)) for k, v in outputs.items()}


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigurationError(f"{path}: cannot read: {e}") from None


def file_backend_folder(backend: str) -> Path | None:
    """The folder of a ``file://`` backend URL, else None."""
    if not backend.startswith("file://"):
        return None
    folder = Path(urllib.parse.unquote(urllib.parse.urlparse(backend).path or ""))
    return folder if folder.is_absolute() else None


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        # Created owner-only: the copy of a stack file gains Pulumi's secrets keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    _owner_only(path, 0o600)


def _private_dir(path: Path) -> None:
    """``path`` as a folder only its owner can enter (0700): the state, its backups and history,
    and the workspaces hold the stack's encrypted secrets and its resources' outputs. A folder
    that exists with a looser mode is tightened (it is the runner's own)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(path, 0o700)


def _owner_only_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        _owner_only(Path(folder), 0o700)
        for name in files:
            _owner_only(Path(folder, name), 0o600)


def _owner_only(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError:
        pass  # not ours to change (another owner): Pulumi reports what it cannot read


def _safe(stack: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", stack)
