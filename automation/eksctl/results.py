"""What an import returns (the stack file, dropped fields, notes) and the errors it raises (exit 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from automation.errors import ConfigurationError
from components.settings import Problem, StackSettings


@dataclass(frozen=True)
class Dropped:
    """A field of the eksctl config that the stack file does not carry."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Note:
    """A field that needs no setting (it is what private-eks does anyway), or an added default."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    stack: str
    text: str
    document: dict[str, Any]
    settings: StackSettings
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class EksctlImportError(ConfigurationError):
    """The import failed (exit 2); ``render()`` gives every reason, headed by the source."""

    def __init__(self, source: str, message: str):
        self.source = source
        super().__init__(message)

    def render(self) -> str:
        return f"{self.source}: {self}"


class NotAClusterConfig(EksctlImportError):
    """The input is not an eksctl ClusterConfig (YAML error, wrong shape, apiVersion or kind)."""


class ImportRefused(EksctlImportError):
    """Fields cannot be carried over and dropping them was not allowed."""

    def __init__(self, source: str, dropped: list[Dropped]):
        self.dropped = dropped
        n = len(dropped)
        super().__init__(source, f"{n} field{'s' if n != 1 else ''} cannot be carried over "
                                 "(import refused; --allow-drop writes the file without them)")

    def render(self) -> str:
        return "\n".join([super().render()] + [f"  {d}" for d in self.dropped])


class ImportInvalid(EksctlImportError):
    """The imported settings would not validate. ``problems`` are named by eksctl path."""

    def __init__(self, source: str, problems: list[Problem], dropped: list[Dropped]):
        self.problems = problems
        self.dropped = dropped
        n = len(problems)
        super().__init__(source, f"{n} problem{'s' if n != 1 else ''}: the imported stack settings would not "
                                 "validate (import refused)")

    def render(self) -> str:
        lines = [super().render()] + [f"  {p}" for p in self.problems]
        if self.dropped:
            lines.append("also not carried over:")
            lines += [f"  {d}" for d in self.dropped]
        return "\n".join(lines)

