"""Progress of long work on the terminal: while a solve runs, its elapsed time, best plan, proven
bound and gap; while analyses run, steps done of their total with the time left. Shown on standard
error only when it is a terminal, and not in CI or with --quiet, so pipes and logs stay clean."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from optimizer.highs import mip_gap
from optimizer.highs.progress import Event, Solving, Step, listening

Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display (it is off anyway when not on a terminal).")
]


def wanted(console: Console, quiet: bool) -> bool:
    """Whether to show progress: on a terminal, outside CI, unless asked to be quiet."""
    return console.is_terminal and not quiet and not os.environ.get("CI")


@contextmanager
def shown(console: Console, quiet: bool) -> Iterator[None]:
    """Show progress events (optimizer.highs.progress) on `console` while the block runs, if wanted."""
    if not wanted(console, quiet):
        yield
        return
    display = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,  # the summary table follows; the display leaves no lines behind
    )
    solving = display.add_task("solving", total=None)
    steps: dict[str, int] = {}

    def listen(event: Event) -> None:
        if isinstance(event, Solving):
            display.update(solving, description=solving_text(event))
        elif isinstance(event, Step):
            if event.task not in steps:
                display.update(solving, total=1, completed=1)  # the solve is over once analyses run
                steps[event.task] = display.add_task(event.task, total=event.total)
            display.update(steps[event.task], completed=event.done)

    with display, listening(listen):
        yield


def solving_text(event: Solving) -> str:
    """A solve's progress in words: best plan, proven bound and the gap between them."""
    from reports.document import gap, usd

    plan = "no plan yet" if event.objective is None else f"best {usd(event.objective)}"
    bound = "" if event.bound is None else f", bound {usd(event.bound)}"
    proven = mip_gap(event.objective, event.bound)
    return f"solving: {plan}{bound}" + ("" if proven is None else f", gap {gap(proven)}")
