"""docs/architecture.md is the design the code cites: every citation of it names a section it has,
and nothing in the repository cites a document that is not in it (the old design brief) or a path
on one machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
# Built from pieces so that this file does not match itself.
OUTSIDE = re.compile("|".join([
    "DESIGN" + r"\.md", "DESIGN" + r" *§", "/" + r"work/", "/" + r"home/\w", "/" + r"Users/\w", r"[A-Z]:\\" + r"Users",
]))


def repository_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


def texts() -> dict[str, str]:
    out = {}
    for path in repository_files():
        try:
            out[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # binary fixtures cite nothing
            continue
    return out


def test_no_file_cites_the_design_brief_or_a_path_outside_the_repository():
    found = [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
             for name, text in texts().items() for m in OUTSIDE.finditer(text)]
    assert found == []


def test_every_citation_of_the_architecture_names_one_of_its_sections():
    sections = set(re.findall(r"^## (\d+)\. ", DOC.read_text(encoding="utf-8"), flags=re.M))
    assert {str(n) for n in range(1, 11)} <= sections
    cited = {(name, n) for name, text in texts().items() for n in re.findall(r"docs/architecture\.md §(\d+)", text)}
    assert cited, "the code cites the architecture by section"
    assert sorted((name, n) for name, n in cited if n not in sections) == []


def test_the_rooms_named_for_the_runner_and_the_cli_exist():
    """The rooms this layout already has are where the document says (the ones it calls coming
    are not checked)."""
    doc = DOC.read_text(encoding="utf-8")
    for room in ["automation/runner.py", "automation/stack_operations.py", "automation/recovery.py",
                 "automation/closing.py", "automation/previewing.py", "automation/cli/"]:
        assert f"`{room}`" in doc and (ROOT / room).exists(), room
