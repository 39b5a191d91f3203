"""The code's layout as README.md describes it: imports go one way between the parts, and the
layout table names every module of optimizer/'s parts and nothing that does not exist."""

from __future__ import annotations

import ast
import re

import pytest
from conftest import REPO

# Part -> the parts its modules may import (itself always). cli may import everything.
ALLOWED = {
    "optimizer.inputs": set(),
    "formulations": {"optimizer.inputs"},
    "optimizer.highs": set(),
    "optimizer.pipeline": {"optimizer.inputs", "optimizer.highs", "formulations"},
    "optimizer.studies": {"optimizer.inputs", "optimizer.highs", "optimizer.pipeline", "formulations"},
    "reports": set(),
}
PARTS = [*ALLOWED, "optimizer.cli", "optimizer"]


def _part(module: str) -> str | None:
    return next((p for p in PARTS if module == p or module.startswith(p + ".")), None)


def _imports(path) -> set[str]:
    """Every gridsite module a file imports, at any depth (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if _part(name)}


def _modules(part: str) -> list:
    return sorted((REPO / part.replace(".", "/")).rglob("*.py"))


@pytest.mark.parametrize("part", list(ALLOWED))
def test_imports_go_one_way(part):
    wrong = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in _modules(part)
        for name in _imports(path)
        if _part(name) not in ALLOWED[part] | {part}
    ]
    assert wrong == []


def test_readme_layout_table_matches_the_tree():
    readme = (REPO / "README.md").read_text()
    rows = re.findall(r"^\| `(optimizer/[a-z_]+/)` \| (.*) \|$", readme, flags=re.MULTILINE)
    assert {folder for folder, _ in rows} == {
        f"optimizer/{p.name}/" for p in (REPO / "optimizer").iterdir() if (p / "__init__.py").is_file()
    }
    for folder, text in rows:
        named = set(re.findall(r"`([a-z_]+\.py)`", text))
        present = {p.name for p in (REPO / folder).glob("*.py")} - {"__init__.py"}
        assert named == present, folder


def _slug(heading: str) -> str:
    """The anchor a Markdown heading gets (GitHub's rule): lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_part_in_formulation_md_links_to_its_math_code_and_tests():
    """'Where each part lives' reaches each feature's math, code and tests in one hop: every link's
    heading exists and every named file is there."""
    text = (REPO / "docs" / "formulation.md").read_text()
    table = text[text.index("## Where each part lives") : text.index("## The module hooks")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| concern")]
    assert len(rows) >= 15
    for row in rows:
        for page, anchor in re.findall(r"\]\(([\w.]*)#([\w-]+)\)", row):
            doc = (REPO / "docs" / (page or "formulation.md")).read_text()
            headings = {_slug(h) for h in re.findall(r"^#+ (.+)$", doc, flags=re.MULTILINE)}
            assert anchor in headings, (row, anchor)
        for path in re.findall(r"`((?:formulations|optimizer|tests)/[\w/]+\.py)`", row):
            assert (REPO / path).is_file(), (row, path)
