"""What the doubles know of "AWS" besides moto: every resource they made, by URN, kept in a JSON
file of the rehearsal's folder so that passes (separate plugin processes) see the same account,
and the journal of operations the timeline is built from."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Iterator

DIR_ENV = "PRIVATE_EKS_REHEARSE_DIR"
SCALE_ENV = "PRIVATE_EKS_REHEARSE_SECONDS_PER_MINUTE"
RUNNER_IP_ENV = "PRIVATE_EKS_REHEARSE_RUNNER_IP"
_lock = threading.Lock()


def folder() -> Path:
    return Path(os.environ[DIR_ENV])


def seconds_per_minute() -> float:
    return float(os.environ.get(SCALE_ENV, "0.02"))


def wait(minutes: float) -> None:
    """Let ``minutes`` of AWS time pass (scaled)."""
    time.sleep(max(minutes, 0) * seconds_per_minute())


def _load(root: Path | None = None) -> dict[str, Any]:
    path = (root or folder()) / "world.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _save(world: dict[str, Any]) -> None:
    # Atomic: the other doubles (separate processes) read the file while this one writes it.
    tmp = folder() / f"world.json.{os.getpid()}.{threading.get_ident()}"
    tmp.write_text(json.dumps(world))
    os.replace(tmp, folder() / "world.json")


def put(urn: str, entry: dict[str, Any]) -> None:
    with _lock:
        world = _load()
        world[urn] = entry
        _save(world)


def drop(urn: str) -> None:
    with _lock:
        world = _load()
        world.pop(urn, None)
        _save(world)


def entries(type_: str | None = None, *, root: Path | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """The world's entries (of ``type_``); ``root``: the world folder, when this process is not a double."""
    with _lock:
        world = _load(root)
    for urn, e in world.items():
        if type_ is None or e["type"] == type_:
            yield urn, e


def journal(**entry: Any) -> None:
    with _lock, (folder() / "journal.jsonl").open("a") as f:
        f.write(json.dumps(entry) + "\n")


def read_journal(path: Path) -> list[dict[str, Any]]:
    file = path / "journal.jsonl"
    return [json.loads(x) for x in file.read_text().splitlines() if x.strip()] if file.exists() else []
