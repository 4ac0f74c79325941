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
        return cls(d, file, dict(doc))

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
        """Where stack files live: ``stackConfigDir`` of Pulumi.yaml, else the project folder."""
        return self.dir / str(self.document.get("stackConfigDir") or ".")

    def stack_file(self, stack: str) -> Path:
        """The stack's file; a fully qualified name (``org/project/dev``) uses its last part. A name
        that is not a stack name (``a b``, ``..``, ``stacks/../dev``) is bad input, on every command."""
        try:
            check_stack_name(stack)
        except SettingsError as e:
            raise InvalidSettings.wrap(e) from None
        return self.config_dir / f"Pulumi.{stack.rsplit('/', 1)[-1]}.yaml"

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
