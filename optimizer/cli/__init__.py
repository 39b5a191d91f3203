"""The `gridsite` command line: single runs (optimizer.cli.runs) and studies (optimizer.cli.studies)."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from optimizer.cli import common, runs, studies, tradeoffs

app = typer.Typer(
    rich_markup_mode=None,  # help texts show edits such as regions[zone_id=PJM] literally
    add_completion=False,
    no_args_is_help=True,
    help="Site AI data-center capacity where grid power allows it: solve, validate and report on scenarios.",
)


def _show_version(shown: bool) -> None:
    if shown:
        typer.echo(f"gridsite {version('gridsite')}")
        raise typer.Exit()


@app.callback()
def main(
    _version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Site AI data-center capacity where grid power allows it: solve, validate and report on scenarios."""


runs.register(app)
studies.register(app)
tradeoffs.register(app)


def run() -> None:
    """The `gridsite` console script."""
    common.process_started = common.process_start()
    app()
