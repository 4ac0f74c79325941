"""Names a package re-exports from its modules, loaded on first use (a module ``__getattr__``,
PEP 562): the runner and the CLI import these packages on every run, and what some names need
(boto3, Pulumi's runtime) is slow to import."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Mapping, Sequence


def lazy_exports(package: str, homes: Mapping[str, Sequence[str]]) -> tuple[list[str], Callable[[str], Any]]:
    """``__all__`` and ``__getattr__`` for ``package``, whose names live in the modules of ``homes``
    (module → names)."""
    where = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(import_module(where[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return sorted(where), __getattr__
