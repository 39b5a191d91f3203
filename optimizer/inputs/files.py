"""Reading input files without surprises: UTF-8 text, YAML without aliases or deep nesting, and
paths that may name nothing usable. Every failure is a ScenarioError naming the file."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from optimizer.inputs.errors import ScenarioError

MAX_YAML_BYTES = 4 * 2**20  # scenario.yaml and sweep files are hand-written: far below this
MAX_YAML_DEPTH = 20  # the deepest file gridsite reads (a sweep's grid) nests 4 levels


def read_text(path: Path, label: str | None = None, limit: int | None = None) -> str:
    """The file's text (UTF-8, an optional byte-order mark removed); ScenarioError when it is not a
    readable file, larger than `limit` bytes or not UTF-8."""
    label = label or path.name
    try:
        if limit is not None and path.stat().st_size > limit:
            raise ScenarioError(label, [f"larger than {limit:,} bytes; expected a hand-written file"])
        data = path.read_bytes()
    except IsADirectoryError:
        raise ScenarioError(label, ["is a folder, expected a file"]) from None
    except (OSError, ValueError) as err:  # ValueError: a path with a NUL character
        raise ScenarioError(label, [f"cannot be read ({getattr(err, 'strerror', None) or err})"]) from None
    return decode(data, label)


def decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problem = f"line {line}: byte 0x{data[err.start]:02x} is not UTF-8 text; save the file as UTF-8"
        raise ScenarioError(label, [problem]) from None


def is_folder(path: Path) -> bool:
    """Whether `path` is a folder; False, not an exception, for a path the system cannot look up
    (a NUL character, a name too long, a symbolic link loop)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


class _Loader(yaml.SafeLoader):
    """yaml's safe loader (no tags that run code), which also refuses aliases, since a few lines of
    them can expand to gigabytes ("billion laughs"), and nesting deeper than MAX_YAML_DEPTH, since
    each level costs Python stack. Numbers such as 5e7 are read as numbers, as YAML 1.2 does (YAML
    1.1, which PyYAML follows, reads them as text)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._refuse("aliases (*name) are not allowed; write the value out")
        if self._depth >= MAX_YAML_DEPTH:
            self._refuse(f"nested more than {MAX_YAML_DEPTH} levels deep")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _refuse(self, problem: str):
        raise yaml.composer.ComposerError(None, None, problem, self.peek_event().start_mark)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def load_yaml(text: str, label: str) -> object:
    """Parse YAML text with the loader above; ScenarioError naming line and column when it fails."""
    if len(text) > MAX_YAML_BYTES:
        raise ScenarioError(label, [f"larger than {MAX_YAML_BYTES:,} characters; expected a hand-written file"])
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(label, [f"{where}not valid YAML ({getattr(err, 'problem', None) or err})"]) from None
