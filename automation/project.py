"""The project model: ``Pulumi.yaml`` read once, where stack files live, stack names <-> files.

Every part that needs a stack file — the CLI, the runner, ``--all``, the workspace copy — asks the
:class:`Project`, so ``stackConfigDir`` is honoured everywhere the same way Pulumi honours it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from automation.errors import ConfigurationError, InvalidSettings, ProjectNotFound
from components import input_files
from components.settings import SettingsError, StackSettings, check_stack_name, load_stack_file

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
STACK_FILE_RE = re.compile(r"^Pulumi\.(.+)\.ya?ml$")


@dataclass(frozen=True)
class Project:
    dir: Path
    file: Path  # Pulumi.yaml (or .yml)
    document: Mapping[str, Any]

    @classmethod
    def load(cls, project_dir: str | os.PathLike[str]) -> Project:
        """The project in exactly this folder."""
        d = Path(project_dir).resolve()
        file = next((d / n for n in PROJECT_FILES if (d / n).is_file()), None)
        if file is None:
            raise ProjectNotFound(f"no Pulumi project found (looked in {d})")
        try:
            # A pull request can change Pulumi.yaml too: read with the stack files' limits.
            doc = input_files.load_yaml(input_files.read_text(file, what="Pulumi project file"))
        except (OSError, input_files.InputFileError, yaml.YAMLError) as e:
            raise ConfigurationError(f"{file}: cannot read the Pulumi project file: {e}") from None
        if not isinstance(doc, Mapping) or not doc.get("name"):
            raise ConfigurationError(f"{file}: not a Pulumi project file (it needs a name:)")
        check_project_name(doc.get("name"), file)
        project = cls(d, file, dict(doc))
        project.config_dir  # noqa: B018 (a stackConfigDir outside the project is refused on every command)
        return project

    @classmethod
    def find(cls, explicit: str | os.PathLike[str] | None = None, *, start: Path | None = None) -> Project:
        """``explicit`` (--project-dir), else the nearest folder up from ``start`` (the working
        directory) with a Pulumi.yaml, as the Pulumi CLI finds its project."""
        if explicit is not None:
            return cls.load(explicit)
        here = (start or Path.cwd()).resolve()
        looked = [here, *here.parents]
        for d in looked:
            if any((d / n).is_file() for n in PROJECT_FILES):
                return cls.load(d)
        raise ProjectNotFound(f"no Pulumi project found (looked in {here} and its parents; "
                              "run in the project or give --project-dir)")

    @property
    def name(self) -> str:
        return str(self.document["name"])

    @property
    def config_dir(self) -> Path:
        """Where stack files live: ``stackConfigDir`` of Pulumi.yaml, else the project folder. It
        must be inside the project, symlinks resolved (a pull request that sets ``/etc`` or links
        ``stacks`` elsewhere would have the runner read files it has no business reading)."""
        raw = self.document.get("stackConfigDir") or "."
        if not isinstance(raw, str) or "\0" in raw:
            raise ConfigurationError(f"{self.file}: stackConfigDir must be a folder inside the project")
        return inside(self.dir, self.dir / raw, f"{self.file}: stackConfigDir {raw!r}")

    def stack_file(self, stack: str) -> Path:
        """The stack's file; a fully qualified name (``org/project/dev``) uses its last part. A name
        that is not a stack name (``a b``, ``..``, ``stacks/../dev``) is bad input, on every command."""
        try:
            check_stack_name(stack)
        except SettingsError as e:
            raise InvalidSettings.wrap(e) from None
        path = self.config_dir / f"Pulumi.{stack.rsplit('/', 1)[-1]}.yaml"
        if path.is_symlink():
            inside(self.dir, path, f"stack {stack}: its stack file {self.relative(path)}")
        return path

    def stacks(self) -> list[str]:
        """Every stack with a file in the config folder, sorted (for ``--all``)."""
        if not self.config_dir.is_dir():
            return []
        names = {m.group(1) for p in self.config_dir.iterdir() if (m := STACK_FILE_RE.match(p.name))}
        return sorted(names)

    def relative(self, path: Path) -> str:
        """A path as errors name it: relative to the project when inside it."""
        return str(path.relative_to(self.dir)) if path.is_relative_to(self.dir) else str(path)

    def settings(self, stack: str) -> StackSettings:
        """The stack's settings, validated; :class:`InvalidSettings` names every problem."""
        path = self.stack_file(stack)
        return load_settings_file(path, stack=stack, display=self.relative(path))


def load_settings_file(path: str | Path, *, stack: str | None = None, display: str | None = None) -> StackSettings:
    """Any stack file (``--file``), under the one error root."""
    try:
        return load_stack_file(path, stack=stack, display=display)
    except SettingsError as e:
        raise InvalidSettings.wrap(e) from None


# sdk/go/common/tokens/project.go ValidateProjectName and names.go NameRegexpPattern (Pulumi 3.274).
_PROJECT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def check_project_name(name: Any, file: Path) -> str:
    """Pulumi.yaml's name as Pulumi validates it; bad input (exit 2) on every command."""
    if not isinstance(name, str) or not _PROJECT_NAME.fullmatch(name):
        shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "..."
        raise ConfigurationError(f"{file}: name {shown} is not a Pulumi project name (1 to 100 letters, digits, "
                                 "'-', '_' and '.'; Pulumi refuses any other)")
    return name


def inside(root: Path, path: Path, what: str) -> Path:
    """``path`` with symlinks resolved, refused (bad input) when that is outside ``root``."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ConfigurationError(f"{what} resolves to {resolved}, outside the project {root}: refused")
    return resolved

