"""gridsite's pipeline: load and validate a scenario, solve it with HiGHS, write results.

from optimizer import load_scenario, solve
result = solve(load_scenario("data/default"))
result.summary["status"], result.capacity  # pandas DataFrames
"""

from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.load import load_scenario
from optimizer.inputs.scenario import Scenario
from optimizer.pipeline.outputs import write_results
from optimizer.pipeline.solve import SolveResult, solve

__all__ = ["Scenario", "ScenarioError", "SolveResult", "load_scenario", "solve", "write_results"]
