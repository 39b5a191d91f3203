from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import load_scenario, solve

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def default_run():
    """The default scenario, loaded and solved once per test session."""
    scenario = load_scenario(REPO / "data" / "default")
    return scenario, solve(scenario)
