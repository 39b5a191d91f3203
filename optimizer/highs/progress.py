"""Progress of long work, for whoever listens (the command line's display): a solve's best plan and
proven bound as they come, and steps of a series (e.g. re-solves of an analysis).

    with listening(print):
        solve_problem(...)      # sends Solving(objective, bound) as HiGHS improves either

Nothing is sent unless a listener is installed; a listener must be quick (it runs inside HiGHS's
callbacks' caller). The listener belongs to this process and thread: work sent to Dask workers
reports nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Solving:
    """A solve's best plan (objective) and proven bound so far; None: none yet."""

    objective: float | None
    bound: float | None


@dataclass(frozen=True)
class Step:
    """`done` of `total` steps of a series named `task`."""

    task: str
    done: int
    total: int


Event = Solving | Step
_listener: ContextVar[Callable[[Event], None] | None] = ContextVar("gridsite_progress", default=None)


@contextmanager
def listening(listener: Callable[[Event], None] | None) -> Iterator[None]:
    """Send progress events to `listener` while the block runs (None: to nobody, e.g. inside work
    whose own steps would mislead, as a Benders master's bound is not the model's)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def report(event: Event) -> None:
    """Send `event` to the listener, if any."""
    listener = _listener.get()
    if listener is not None:
        listener(event)


def current() -> Callable[[Event], None] | None:
    """The listener now installed, if any (so callers can skip work that only feeds it)."""
    return _listener.get()
