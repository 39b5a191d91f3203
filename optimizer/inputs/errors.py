"""The one exception a user sees for bad input: it names the file, the line and the column."""

from __future__ import annotations


class ScenarioError(ValueError):
    """Invalid scenario input. `str(err)` is the message shown to the user."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems
        shown = problems[:10]
        more = len(problems) - len(shown)
        lines = [f"{file}: {p}" for p in shown]
        if more:
            lines.append(f"{file}: ... and {more} more problem(s)")
        super().__init__("\n".join(lines))


SHOWN_CHARS = 80  # of a value quoted in a message


def shown(value: object) -> str:
    """A value as quoted in a message, cut short when long (a cell may hold megabytes)."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."
