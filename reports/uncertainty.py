"""The report section of a plan across uncertain outcomes: what to do now, how MW online and cost
spread over the outcomes, which requests are hedges, and what knowing the future would be worth.
Read from the run folder's outcomes.csv, decisions_now.csv and per-outcome tables only."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from reports.document import Figure, Section, Table, mw, usd
from reports.figures import OKABE_ITO, plain_text, to_png
from reports.run import PENALTY, Run
from reports.tolerance import Difference

DECISIONS = {
    "open_region": "open region",
    "build": "build IT MW",
    "connect": "connect grid MW",
    "contract": "contract grid MW",
    "request": "request grid MW",
}


def expected_words(run: Run) -> str:
    """How a run's tables are to be read: "" for one assumed future, else 'expected across N outcomes'."""
    return "" if run.outcomes is None else f"expected across {len(run.outcomes)} outcomes"


def outcomes_title(run: Run) -> str:
    return f"One plan across {len(run.outcomes)} outcomes"


def uncertainty_section(run: Run) -> Section | None:
    """None for a run of one assumed future."""
    if run.outcomes is None:
        return None
    items = [decisions_table(run), Figure("MW online across outcomes", fan_chart(run), _fan_caption(run))]
    hedges = _hedges(run)
    if hedges is not None:
        items.append(hedges)
    items.append(_outcomes_table(run))
    return Section(outcomes_title(run), paragraphs=outcome_paragraphs(run), items=items)


def outcome_paragraphs(run: Run) -> list[str]:
    """What a plan across outcomes decides now, how its cost spreads over them, and what knowing the
    future and planning for it would be worth (every report format says these)."""
    years = run.summary["uncertainty"]["decide_now_years"]
    return [
        f"This plan was chosen across {len(run.outcomes)} possible futures (outcomes). Its decisions for "
        f"{_years(years)} are made now and are the same in every outcome; later years adapt to the outcome "
        "that arrives. Elsewhere the report shows expected values (probability-weighted over the outcomes).",
        _costs_sentence(run),
        _value_sentence(run.summary, "evpi", "Knowing which outcome arrives before deciding would save", ""),
        _value_sentence(
            run.summary,
            "vss",
            "Planning for the average future instead (the mean-value plan's decisions made "
            "now, carried out in every outcome, the rest re-optimised) would cost",
            " more",
        ),
    ]


def _years(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _costs_sentence(run: Run) -> str:
    costs, probability = run.outcomes["cost_usd"].to_numpy(), run.outcomes["probability"].to_numpy()
    order = np.argsort(costs)
    cumulative = np.cumsum(probability[order])
    p10, p50, p90 = (costs[order][np.searchsorted(cumulative, q - 1e-12)] for q in (0.1, 0.5, 0.9))
    text = (
        f"Expected spend {usd(run.spend_usd)} and expected unserved penalty {usd(run.penalty_usd)} (a valuation "
        f"of the shortfall, not money paid). Total discounted cost (spend plus penalty): expected "
        f"{usd(float(probability @ costs))}; 10th, 50th and 90th percentile over "
        f"the outcomes {usd(p10)}, {usd(p50)} and {usd(p90)}; worst {usd(costs.max())} "
        f"({run.outcomes.loc[costs.argmax(), 'outcome']})."
    )
    risk = run.summary["uncertainty"]["risk"]
    if run.summary.get("cvar_usd") is not None:
        text += (
            f" CVaR at {risk['cvar_alpha']:.0%} (the expected cost of the worst {1 - risk['cvar_alpha']:.0%}): "
            f"{usd(run.summary['cvar_usd'])}, weighted {risk['cvar_weight']:g} in the objective."
        )
    return text


HEDGE_MIN_MW = 1e-3  # less than a kW used less in some outcome is the solver's round-off, not a hedge
VALUE_NAMES = {"evpi": "the value of perfect information", "vss": "the value of the stochastic solution"}


def _value_sentence(summary: dict, key: str, lead: str, more: str) -> str:
    """EVPI or VSS in words with the range the proven bounds allow; `more` follows each amount
    (' more' for a cost added)."""
    value, span = summary.get(f"{key}_usd"), summary.get(f"{key}_range_usd")
    if value is None:
        why = summary.get(f"{key}_not_computed")
        return f"Not computed for this run: {VALUE_NAMES[key]} ({key.upper()}){f': {why}' if why else ''}."
    difference = Difference(value, *(span or (None, None)))
    if not difference.has_range:
        return f"{lead} about {usd(value)}{more} (no range: a solve ended without a proven bound)."
    low, high = usd(difference.low), usd(difference.high)
    if low == high:  # the range rounds to one amount (e.g. both solves at a zero gap)
        return f"{lead} {usd(value)}{more} (proven: the range the bounds allow rounds to this amount)."
    if difference.within_tolerance:
        return f"{lead} between {low} and {high}{more}: within solver tolerance, not a proven difference."
    return f"{lead} about {usd(value)}{more} (between {low} and {high}{more} given the solvers' proven bounds)."


def decisions_table(run: Run) -> Table:
    # an id column read blank throughout is float: as objects, a blank becomes "" and not a float's nan
    decisions = run.decisions_now if run.decisions_now is not None else pd.DataFrame(columns=["decision"])
    frame = pd.DataFrame(
        {
            "decision": decisions["decision"].map(DECISIONS).fillna(decisions["decision"]),
            "region": decisions.get("region_id", pd.Series(dtype=object)).astype(object).fillna(""),
            "path": decisions.get("path_id", pd.Series(dtype=object)).astype(object).fillna(""),
            "year": decisions.get("year", pd.Series(dtype=float)).map(lambda y: "" if pd.isna(y) else f"{y:.0f}"),
            "MW": decisions.get("mw", pd.Series(dtype=float)).map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        }
    )
    note = "Regions opened are those that hold capacity in some outcome; MW are per year, decided now."
    return Table("What to do now", frame, note)


def _online(run: Run) -> pd.DataFrame:
    """MW in service by year (rows) and outcome (columns)."""
    capacity = run.by_outcome["capacity"]
    return capacity.pivot_table(index="year", columns="outcome", values="capacity_mw", aggfunc="sum")


def _demanded(run: Run) -> pd.DataFrame:
    parts = [
        run.by_outcome["service"][["outcome", "year", "mw"]],
        run.by_outcome["unserved"][["outcome", "year", "mw"]],
    ]
    return pd.concat(parts).pivot_table(index="year", columns="outcome", values="mw", aggfunc="sum")


@plain_text
def fan_chart(run: Run) -> bytes:
    """MW in service per year in each outcome (thin lines), the 10-90% band, and demand (dashed)."""
    online, demand = _online(run), _demanded(run)
    probability = run.outcomes.set_index("outcome")["probability"].reindex(online.columns).to_numpy()
    fig, ax = plt.subplots(figsize=(10, 5))
    for outcome in online.columns:
        ax.plot(online.index, online[outcome], color=OKABE_ITO[4], alpha=0.35, linewidth=1)
    low, high = (_quantile(online, probability, q) for q in (0.1, 0.9))
    ax.fill_between(online.index, low, high, color=OKABE_ITO[1], alpha=0.35, label="10-90% of outcomes: MW online")
    ax.plot(
        online.index, online.to_numpy() @ probability, color=OKABE_ITO[4], linewidth=2.5, label="expected MW online"
    )
    ax.plot(
        demand.index,
        demand.to_numpy() @ probability,
        color="black",
        linestyle="--",
        linewidth=2,
        label="expected demand",
    )
    ax.set_xlabel("Year")
    ax.set_ylabel("Capacity in service (IT MW)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xticks(list(online.index))
    ax.set_title("MW online across outcomes against demand")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return to_png(fig)


def _quantile(values: pd.DataFrame, probability: np.ndarray, q: float) -> np.ndarray:
    """The probability-weighted quantile q of each row."""
    rows = values.to_numpy()
    order = np.argsort(rows, axis=1)
    cumulative = np.cumsum(probability[order], axis=1)
    position = (cumulative < q - 1e-12).sum(axis=1).clip(max=rows.shape[1] - 1)
    return rows[np.arange(len(rows)), order[np.arange(len(rows)), position]]


def _fan_caption(run: Run) -> str:
    return (
        f"Thin lines: each of the {len(run.outcomes)} outcomes; band: the 10th to 90th percentile (probability-"
        "weighted); dashed: expected demand (served + unserved)."
    )


def _hedges(run: Run) -> Table | None:
    """Requests filed now that some outcomes use less of than others: options on power that may not be
    needed. MW left unused in every outcome alike are no hedge (the plan asks a little more than any
    outcome uses, within its gap)."""
    requests = run.by_outcome.get("requests")
    if requests is None or requests.empty:
        return None
    filed = requests[requests["requested_mw"] > 0]
    most_used = filed.groupby(["region_id", "path_id"])["used_mw"].transform("max")
    unused = filed.assign(short_mw=most_used - filed["used_mw"])
    shares = unused.groupby(["region_id", "path_id"]).agg(
        requested_mw=("requested_mw", "first"),
        outcomes_using_less=("short_mw", lambda v: int((v > HEDGE_MIN_MW).sum())),
        least_used_mw=("used_mw", "min"),
    )
    frame = pd.DataFrame(
        {
            "region": shares.index.get_level_values(0),
            "path": shares.index.get_level_values(1),
            "requested (grid MW)": shares["requested_mw"].map("{:,.0f}".format).to_numpy(),
            "least used (grid MW)": shares["least_used_mw"].map("{:,.0f}".format).to_numpy(),
            "outcomes using less than another": shares["outcomes_using_less"].astype(str).to_numpy(),
        }
    )
    hedged = int((shares["outcomes_using_less"] > 0).sum())
    note = f"{hedged} of {len(shares)} requests are hedges: filed now, and some outcomes use less of them than others."
    return Table("Interconnection requests filed now", frame, note)


def _outcomes_table(run: Run) -> Table:
    outcomes = run.outcomes
    online = _online(run).iloc[-1].reindex(outcomes["outcome"])
    penalty = outcomes.get(f"{PENALTY}_usd", pd.Series(0.0, index=outcomes.index))
    frame = pd.DataFrame(
        {
            "outcome": outcomes["outcome"],
            "probability": outcomes["probability"].map("{:.3f}".format),
            "spend": (outcomes["cost_usd"] - penalty).map(usd),
            "unserved penalty (valuation)": penalty.map(usd),
            "total discounted cost": outcomes["cost_usd"].map(usd),
            f"MW online in {_online(run).index[-1]}": online.map(mw).to_numpy(),
        }
    )
    return Table("Outcomes", frame)
