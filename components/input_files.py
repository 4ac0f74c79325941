"""Reading input files that may be hostile: stack files, eksctl configs, plan files.

A pull request's stack file reaches the offline ``plan`` on untrusted forks, so reading it must end
quickly in a value or a clear error, never a crash or a hang:

- only regular files, at most ``MAX_BYTES`` (``/dev/zero``, FIFOs and 50 MB files are refused
  before they are read);
- YAML nested at most ``MAX_DEPTH`` deep (PyYAML's composer recurses: 3,000 levels crash it);
- aliases that would expand the document past ``MAX_NODES`` nodes (a "billion laughs" bomb is a
  few hundred bytes) are refused before anything is built;
- a key written twice in one mapping is refused: YAML would silently keep the last one;
- integers too long for Python to convert (over 4,300 digits) are refused with their line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Iterator

import yaml

# A stack file is a few kilobytes and eksctl's largest examples ~20 KB; PyYAML reads ~100 KB/s.
MAX_BYTES = 256 * 1024
MAX_DEPTH = 64
MAX_NODES = 50_000


class InputFileError(ValueError):
    """The file cannot be read as input; the message says why (without the file's name)."""


def read_text(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """The text of a regular file of at most ``max_bytes``, as UTF-8."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as e:
        raise InputFileError(f"cannot read the {what}: {e.strerror or e}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"cannot read the {what}: not a regular file")
    if info.st_size > max_bytes:
        raise InputFileError(f"the {what} is {info.st_size:,} bytes; the limit is {max_bytes:,}")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since the check, opening does not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise InputFileError(f"cannot read the {what}: not a regular file")
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise InputFileError(f"cannot read the {what}: {e.strerror or e}") from None
    return decode(data, max_bytes=max_bytes, what=what)


def decode(data: bytes, *, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    if len(data) > max_bytes:
        raise InputFileError(f"the {what} is over {max_bytes:,} bytes (the limit)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputFileError(f"cannot read the {what} (not UTF-8 text: {e.reason} at byte {e.start})") from None


# ------------------------------------------------------------------------------------------ YAML


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the limits of this module."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0  # in the document so far, each use of an alias counting its whole value
        self._sizes: dict[int, int] = {}

    def compose_document(self) -> Any:
        self._nodes = 0
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.anchors:
            self._nodes += _expanded_size(self.anchors[event.anchor], self._sizes)
        else:
            self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(None, None, f"holds more than {MAX_NODES:,} values (counting each "
                                              "use of an alias)", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                                  event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    # Only the keys written in this mapping count: a key overriding one merged in by ``<<`` is fine.
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            continue  # an unhashable key: construct_mapping reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
    return loader.construct_mapping(node, deep=deep)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    try:
        return loader.construct_yaml_int(node)
    except ValueError:  # Python refuses to convert more than 4,300 digits
        raise yaml.constructor.ConstructorError(None, None, "a number with too many digits", node.start_mark) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _expanded_size(root: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes a composed node stands for once every alias in it is expanded (the composer
    shares an anchored node between its aliases); ``sizes`` remembers the nodes already counted."""

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        sizes[id(node)] = total = min(total, MAX_NODES + 1)
        return total

    return size(root)  # recursion depth is bounded by MAX_DEPTH


def _documents(text: str) -> Iterator[Any]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml(text: str) -> Any:
    """One YAML document (None when empty) within the limits; ``yaml.YAMLError`` otherwise."""
    docs = list(load_all_yaml(text))
    if len(docs) > 1:
        raise yaml.YAMLError(f"holds {len(docs)} YAML documents; expected one")
    return docs[0] if docs else None


def load_all_yaml(text: str) -> list[Any]:
    """Every document of a YAML stream, within the limits."""
    try:
        return list(_documents(text))
    except RecursionError:  # a belt to the depth limit's braces: never a traceback
        raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep") from None


def load_yaml_snippet(text: str) -> Any:
    """A YAML document held in a setting (a nodeadm NodeConfig): libyaml's parser when the text
    cannot nest deeper than ``MAX_DEPTH`` — each level needs a bracket, a dash, a colon, a question
    mark or a space of indentation — and ``load_yaml``'s limits otherwise. The fast path matters: a
    stack may hold a snippet per node group, and the pure-Python loader is several times slower."""
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    if hasattr(yaml, "CSafeLoader") and indent + sum(text.count(c) for c in "[{-?:") < MAX_DEPTH:
        return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - a safe loader
    return load_yaml(text)


# ------------------------------------------------------------------------------------------ JSON


def json_depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed JSON value nests at most ``limit`` deep (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True
