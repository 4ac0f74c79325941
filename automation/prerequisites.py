"""What a command needs beyond the offline tools, checked all at once before anything runs.

``status``, ``preview``, ``up`` and ``destroy`` need the Pulumi CLI and the state backend (with a
file backend, its passphrase); ``preview``, ``up`` and ``destroy`` need AWS credentials too. Each
missing one is a problem of its own, and a user fixing them one run at a time would meet them one
at a time: :func:`check` collects every one and raises them together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from automation.errors import ConfigurationError
from automation.project import Project
from automation.workspace import STATE_DIR, backend_url


class MissingPrerequisites(ConfigurationError):
    """Everything the command needs and does not have; nothing was run."""

    def __init__(self, stack: str, problems: Sequence[str]):
        n = len(problems)
        super().__init__(f"stack {stack}: {n} prerequisite{'s' if n != 1 else ''} missing, nothing was run")
        self.problems = list(problems)

    def render(self) -> str:
        return "\n".join([super().render(), *[f"  - {p}" for p in self.problems]])


def check(stack: str, checks: Sequence[Callable[[], Any]]) -> None:
    """Run every check; raise their ConfigurationErrors together (order kept)."""
    problems = []
    for one in checks:
        try:
            one()
        except MissingPrerequisites as e:
            problems += e.problems
        except ConfigurationError as e:
            problems.append(str(e))
    if problems:
        raise MissingPrerequisites(stack, problems)


def never_deployed(project: Project, stack: str, env: Mapping[str, str]) -> bool:
    """True when the stack certainly has no state: the default local backend (no PULUMI_BACKEND_URL,
    no backend in Pulumi.yaml, no `pulumi login`) holds no checkpoint of it. The file backend keeps
    one at ``.pulumi/stacks/<project>/<stack>.json`` (Pulumi's diy backend layout). Any other
    backend can only be asked through the CLI: False."""
    if backend_url(project, env) is not None:
        return False
    stacks = project.dir / STATE_DIR / ".pulumi" / "stacks"
    return not any(_checkpoints(stacks, stack))


def _checkpoints(root: Path, stack: str) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.rglob(f"{stack}.json*") if p.is_file() and p.name.split(".json", 1)[0] == stack]
