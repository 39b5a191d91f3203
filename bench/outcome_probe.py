"""Where the 200-site, 50-outcome instance of bench/uncertainty.py leaves its gap: the plan or the bound.

    python -m bench.outcome_probe wait-and-see --outcomes 4    # each outcome's own optimum against the
                                                                #   mean-value plan carried out in it
    python -m bench.outcome_probe lead-times ceil nearest floor q0.75 max   # mean-value plans whose lead
                                                                #   times are set each way, carried out

wait-and-see: an outcome's MIP within the bounds all outcomes allow (its own optimum, perfect foresight)
and the mean-value plan's decisions made now fixed in it; their difference is that outcome's share of the
value of perfect information, which no bound from the outcomes alone (by outcomes, lambda = 0) can close.
lead-times: the mean-value scenario's lead times, averaged over the outcomes and then rounded up by the
model (`ceil`, what gridsite does), to the nearest or lower year, at a quantile of the outcomes' lead
times (`q0.75`) or at their maximum; each plan is carried out in every outcome and its expected cost
printed. Every MIP runs to a 0.02% gap on one thread.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.uncertainty import SMALL, uncertain_instance
from optimizer import load_scenario
from optimizer.inputs.uncertainty import mean_value_scenario, outcome_scenarios
from optimizer.pipeline.stochastic import (
    OutcomeTask,
    clipped,
    common_bounds,
    decide_now_years,
    outcome_bounds,
    run_outcome,
    with_plan_fixed,
)

GAP = 2e-4


def _lead_times(files: dict[str, str], pairs, mode: str) -> dict[str, str]:
    """The mean-value scenario's files with its lead times set as `mode` says."""
    if mode == "ceil":
        return files
    regions = pd.read_csv(io.StringIO(files["regions.csv"]))
    ids = regions["region_id"]
    stacked = np.array([e.regions.set_index("region_id").loc[ids, "lead_time_years"].to_numpy() for _, e in pairs])
    mean = regions["lead_time_years"].to_numpy()
    if mode == "nearest":
        regions["lead_time_years"] = np.floor(mean + 0.5)
    elif mode == "floor":
        regions["lead_time_years"] = np.floor(mean)
    elif mode == "max":
        regions["lead_time_years"] = stacked.max(axis=0)
    else:  # qP: the P-quantile of the outcomes' lead times
        regions["lead_time_years"] = np.quantile(stacked, float(mode[1:]), axis=0, method="higher")
    return files | {"regions.csv": regions.to_csv(index=False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=["wait-and-see", "lead-times"])
    parser.add_argument("modes", nargs="*", default=["ceil"], help="lead-times: ceil, nearest, floor, max, qP")
    parser.add_argument("--outcomes", type=int, default=4, help="wait-and-see: the first N outcomes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridsite-probe-") as tmp:
        scenario = load_scenario(uncertain_instance(SMALL[0], SMALL[1], Path(tmp) / "small"))
        pairs = outcome_scenarios(scenario)
        years = frozenset(decide_now_years(scenario))
        probability = np.array([future.probability for future, _ in pairs])
        bounds = common_bounds(outcome_bounds(OutcomeTask(e.files(), years)) for _, e in pairs)
        mean_files = mean_value_scenario(scenario, pairs).files()
        modes = args.modes if args.probe == "lead-times" else ["ceil"]
        for mode in modes:
            started = time.perf_counter()
            mean = run_outcome(OutcomeTask(_lead_times(mean_files, pairs, mode), years, bounds, gap=GAP))
            fixed = with_plan_fixed(bounds, clipped(mean.now, bounds))
            if args.probe == "lead-times":
                costs = [run_outcome(OutcomeTask(e.files(), years, fixed, gap=GAP)).objective for _, e in pairs]
                if None in costs:
                    print(f"{mode:>8}: the plan could not be carried out in every outcome")
                    continue
                print(
                    f"{mode:>8}: expected cost {probability @ np.array(costs):,.0f} USD ({time.perf_counter() - started:.0f} s)"
                )
                continue
            print("outcome | probability | own optimum's bound USD | mean-value plan USD | difference % | own s")
            for k, (future, edited) in enumerate(pairs[: args.outcomes]):
                own = run_outcome(OutcomeTask(edited.files(), years, bounds, gap=GAP))
                plan = run_outcome(OutcomeTask(edited.files(), years, fixed, gap=GAP))
                share = 100 * (plan.objective - own.bound) / plan.objective
                print(
                    f"{k} | {future.probability:.3f} | {own.bound:,.0f} | {plan.objective:,.0f} | {share:.2f} | {own.seconds:.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
