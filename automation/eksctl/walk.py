"""The generic walk of an eksctl ClusterConfig: the spec types, the spec derived from the settings
models, and the walk that carries, notes or drops every key it meets.

The settings use eksctl's names (the models' aliases), so a model field is carried as it is: a nested
model is stepped into as a map, a list of models as a list, a mapping of names to models as named
items, anything else is carried whole (the settings validation checks its shape and names the same
path). What differs from the models is given as overrides (spec.py); any key neither carries is
dropped with its documented reason (reasons.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from pydantic import BaseModel

from automation.eksctl.reasons import CHECKED, NOT_HERE, documented_reason
from automation.eksctl.results import Dropped, Note
from components.settings import model_of


class Keep:
    """Carry the value as it is."""


KEEP = Keep()


class Drop:
    """Not carried although the settings models accept it: dropped with its documented reason."""


DROP = Drop()


@dataclass(frozen=True)
class Map:
    fields: Mapping[str, "Spec"]


@dataclass(frozen=True)
class List:
    item: "Spec"


@dataclass(frozen=True)
class Named:
    """A mapping of user-chosen names to items (``vpc.subnets.private``)."""

    item: "Spec"


Handler = Callable[["Walk", Any, str, str], Any]
Spec = Union[Keep, Map, List, Named, Handler]
SKIP = object()  # a handler's answer for "nothing to carry"


def aliases(model: type[BaseModel]) -> tuple[str, ...]:
    """The names of a model's fields in a settings file (eksctl's names)."""
    return tuple(f.alias or name for name, f in model.model_fields.items())


def derive(model: type[BaseModel], overrides: Mapping[str, Spec | Drop], prefix: str = "",
           used: set[str] | None = None) -> Map:
    """The spec of ``model``: every field by its alias, stepped into as the models nest (the paths
    are those of ``components.settings.field_paths``). ``overrides`` replace (or, with DROP, remove)
    the spec of a path, or add a key the model does not have (a note, a field moved elsewhere)."""
    top = used is None
    used = set() if used is None else used
    fields: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        key = f.alias or name
        path = prefix + key
        if path in overrides:
            used.add(path)
            if not isinstance(overrides[path], Drop):
                fields[key] = overrides[path]
            continue
        sub, how = model_of(f.annotation)
        if sub is None:
            fields[key] = KEEP
        elif how == "model":
            fields[key] = derive(sub, overrides, path + ".", used)
        elif how == "list":
            fields[key] = List(derive(sub, overrides, path + "[].", used))
        else:
            fields[key] = Named(derive(sub, overrides, path + ".<name>.", used))
    for path, spec in overrides.items():
        key = path[len(prefix):]
        if path.startswith(prefix) and not any(c in key for c in ".[<") and path not in used:
            used.add(path)
            fields[key] = spec
    if top and set(overrides) - used:
        raise ValueError(f"overrides of no path of {model.__name__}: {', '.join(sorted(set(overrides) - used))}")
    return Map(fields)


@dataclass(frozen=True)
class NoteWhen:
    """A field that needs no setting when ``applies(value)``: it says what private-eks does anyway,
    and becomes a note (``message``, with ``{value}``); any other value is dropped."""

    applies: Callable[[Any], bool]
    message: str

    def __call__(self, walk: "Walk", value: Any, path: str, gpath: str) -> Any:
        if self.applies(value):
            walk.notes.append(Note(path, self.message.format(value=str(value).lower())))
        else:
            walk.drop(path, gpath, value)
        return SKIP


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == [] or value == ""


class Walk:
    def __init__(self) -> None:
        self.dropped: list[Dropped] = []
        self.notes: list[Note] = []
        self.converted: set[str] = set()  # taints converted from the map form
        # Lists some of whose items were dropped whole: the eksctl indices of the items kept, so
        # that a problem of the stack file is named by its eksctl path.
        self.kept: dict[str, list[int]] = {}
        self.dropped_families: dict[str, str] = {}  # node group path -> the amiFamily dropped

    def drop(self, path: str, gpath: str, value: Any, *, reason: str | None = None,
             known: Iterable[str] = ()) -> None:
        if _empty(value):
            self.notes.append(Note(path, "empty; nothing to carry over"))
            return
        if reason is None:
            reason = documented_reason(gpath)
            if reason is None:
                close = difflib.get_close_matches(path.rsplit(".", 1)[-1], list(known), n=1, cutoff=0.8)
                reason = f"{NOT_HERE} (did you mean {close[0]!r}?)" if close else NOT_HERE
        self.dropped.append(Dropped(path, reason))

    def step(self, value: Any, spec: Spec, path: str, gpath: str) -> Any:
        # A value of the wrong shape is carried as it is: the settings validation names the path.
        if isinstance(spec, Keep):
            return value
        if callable(spec):
            return spec(self, value, path, gpath)
        if isinstance(spec, List):
            if not isinstance(value, list):
                return value
            return [self.step(item, spec.item, f"{path}[{i}]", f"{gpath}[]") for i, item in enumerate(value)]
        if isinstance(spec, Named):
            if not isinstance(value, Mapping):
                return value
            return {k: self.step(v, spec.item, f"{path}.{k}", f"{gpath}.*") for k, v in value.items()}
        if not isinstance(value, Mapping):
            return value
        out = {}
        for key, sub in value.items():
            p = f"{path}.{key}" if path else str(key)
            gp = f"{gpath}.{key}" if gpath else str(key)
            if key in spec.fields:
                carried = self.step(sub, spec.fields[key], p, gp)
                # A section whose every key was dropped leaves nothing behind (list items stay, so
                # that indices and "is required" problems keep their eksctl paths).
                emptied = isinstance(spec.fields[key], Map) and sub and carried == {}
                if carried is not SKIP and not emptied:
                    out[key] = carried
            elif gp not in CHECKED:
                self.drop(p, gp, sub, known=spec.fields)
        return out
