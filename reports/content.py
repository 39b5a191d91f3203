"""What a siting report says, independent of its format: sections of sentences, figures and tables,
every number read from a run folder's result files (see reports.run). HTML and PDF render this."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version

import pandas as pd

from reports import figures
from reports.document import Figure, Report, Section, Table, duration, gap, mw, number, seconds, usd
from reports.impacts import footprint_section, who_pays_section
from reports.power import not_chosen_table, power_years, time_to_power_table
from reports.run import HARD_DEMAND, PENALTY, Run
from reports.tolerance import Difference, tolerance_usd
from reports.uncertainty import expected_words, outcomes_title, uncertainty_section

SOURCES_NOTE = (
    "Every number in the default scenario (data/default/) is traced to its publisher, document and year in "
    "data/SOURCES.md of the gridsite repository, which also labels our own estimates. Other scenarios carry "
    "their own sources."
)
MODEL_ASSUMPTIONS = (
    "Capacity and demand MW are IT MW (GPUs x kW per GPU); grid MW = IT MW x PUE. Site, zone and local power "
    "limits, interconnection paths, tariffs and emissions are in grid MW.",
    "Capacity never falls once built; a region adds nothing before its interconnection lead time has passed.",
    "Zone and local limits cap the firm grid MW all regions of a zone or pool may hold in a year (flexible "
    "connections count by their firm share, onsite generation not at all).",
    "Every cost is discounted to the first year, a one-off (fixed) cost from the year it is paid.",
)


def build_report(run: Run) -> Report:
    sections = [
        Section("Executive summary", paragraphs=executive_summary(run), items=[key_figures(run)]),
        uncertainty_section(run),
        Section("Where to build", items=[Figure("Siting map", figures.siting_map(run), _map_caption(run))]),
        Section(
            "When capacity comes online",
            items=[
                Figure(
                    "Build-out by zone",
                    figures.buildout_chart(run),
                    "Stacked bars: IT MW in service per grid zone; "
                    "line: IT MW required by demand (served + unserved in the results).",
                ),
                region_table(run),
                time_to_power_table(run),
                *[table for table in [not_chosen_table(run)] if table is not None],
            ],
        ),
        Section(
            "What it costs",
            paragraphs=[_cost_paragraph(run)],
            items=[Figure("Cost breakdown", figures.cost_chart(run), _cost_caption()), cost_table(run)],
        ),
        who_pays_section(run),
        footprint_section(run),
        limits_section(run),
        Section("Assumptions and data sources", bullets=[*assumptions(run), SOURCES_NOTE]),
        Section("How this plan was obtained", items=[provenance_table(run)]),
    ]
    return Report(
        title=f"Siting report: {run.name}",
        subtitle=f"Where and when to put AI data-center capacity, {run.years[0]}-{run.years[-1]}",
        sections=[section for section in sections if section is not None],
    )


def executive_summary(run: Run) -> list[str]:
    by_year = run.capacity_by_year
    last = run.years[-1]
    built = by_year[by_year[last] > 0][last].sort_values(ascending=False)
    zones = run.sites.set_index("region_id").loc[built.index, "zone_id"]
    demand = run.demand_by_year
    sentences = [
        _expected_sentence(run),
        f"The plan builds {mw(built.sum())} of IT capacity ({mw(run.grid_mw_by_year[last])} at the grid) in "
        f"{len(built)} of {len(by_year)} candidate regions across {zones.nunique()} grid zones by {last}. "
        + _money_sentence(run),
        _largest(built, zones),
        _timeline(run),
        f"IT capacity in service reaches {mw(by_year[last].sum())} in {last} against {mw(demand[last])} required.",
        _gpus(run, last),
        _shortfall(run),
        _limits_sentence(run),
    ]
    return [s for s in sentences if s]


def _expected_sentence(run: Run) -> str:
    if run.outcomes is None:
        return ""
    return (
        f"Unless stated otherwise, figures are {expected_words(run)} (probability-weighted means); "
        f"'{outcomes_title(run)}' gives what to do now and how the outcomes differ."
    )


def _money_sentence(run: Run) -> str:
    """Spend and shortfall apart: the penalty values demand not online and is no one's bill."""
    text = f"It spends {usd(run.spend_usd)} (discounted to {run.years[0]})"
    if run.shortfall_mw_years > 0.5:
        text += (
            f"; {number(run.shortfall_mw_years)} MW-years of demand are not online in time, which the unserved "
            f"penalty values at {usd(run.penalty_usd)} (a valuation, not money paid). The objective HiGHS "
            f"minimised, spend plus penalty, is {usd(run.total_cost_usd)}"
        )
    slack = tolerance_usd(run.summary)
    proven = "" if slack is None else f", so the objective is at most {usd(slack)} above the best possible"
    return f"{text}. HiGHS reports the plan as {run.summary['status']} with a proven MIP gap of {gap(run.summary['mip_gap'])}{proven}."


def key_figures(run: Run) -> Table:
    """The headline numbers as one item/value table, spend and the valued shortfall apart."""
    last, first = run.years[-1], run.years[0]
    objective = f"{usd(run.total_cost_usd)}, MIP gap {gap(run.summary['mip_gap'])}"
    rows = {f"spend (discounted to {first})": usd(run.spend_usd)}
    if run.demand_is_hard:
        rows |= {"shortfall (demand not online)": "none: demand is a hard constraint", "objective (spend)": objective}
    else:
        rows |= {
            "shortfall (demand not online)": f"{number(run.shortfall_mw_years)} MW-years",
            "unserved penalty on the shortfall (a valuation, not paid)": usd(run.penalty_usd),
            "objective (spend + penalty)": objective,
        }
    rows[f"capacity in service in {last}"] = (
        f"{mw(run.capacity_by_year[last].sum())} IT, {mw(run.grid_mw_by_year[last])} grid"
    )
    if run.upgrades is not None and not run.upgrades.empty:
        rows["network upgrades (undiscounted)"] = (
            f"{usd(run.upgrades['upgrade_cost_usd'].sum())}, of which other ratepayers pay "
            f"{usd(run.upgrades['other_ratepayers_usd'].sum())}"
        )
    if run.emissions is not None:
        rows[f"emissions in {last}"] = (
            f"{run.emissions.loc[run.emissions['year'] == last, 'emissions_t'].sum() / 1e6:,.1f} Mt"
        )
    note = f"Values {expected_words(run)} (probability-weighted means)." if run.outcomes is not None else ""
    return Table("Key figures", pd.DataFrame({"item": list(rows), "value": list(rows.values())}), note)


def _largest(built: pd.Series, zones: pd.Series) -> str:
    if built.empty:
        return ""
    return "Largest sites (IT MW): " + ", ".join(f"{r} ({zones[r]}, {mw(v)})" for r, v in built.head(5).items()) + "."


def _limits_sentence(run: Run) -> str:
    """What limits the plan most: the largest saving a full re-solve proved (an earlier interconnection),
    and the reached power limit the LP values most, said to be an LP estimate: the LP relaxes module
    counts, so its value is no saving a plan is proven to make."""
    sentences = []
    lead = _top_lead_time(run.lead_times)
    if lead is not None:
        path = lead.get("path_id")
        what = lead["region_id"] + (f" through {path}" if isinstance(path, str) and path else "")
        sentences.append(f"What limits this plan most: connecting {what} one year earlier {_saving_words(lead)}.")
    limit = _top_reached_limit(run.limits)
    if limit is not None:
        sentences.append(
            f"{limit['limit_id']}'s {limit['year']} {limit['level']} limit, which the plan reaches, is worth about "
            f"{usd(limit['marginal_value_usd_per_mw'])} of objective (spend and penalty together) per MW more: an "
            "LP estimate with module counts relaxed, not a proven saving."
        )
    return " ".join([*sentences, "See 'What limits this plan' below."]) if sentences else ""


def _top_reached_limit(limits: pd.DataFrame | None) -> pd.Series | None:
    """The limit the plan reaches with the largest LP value above zero (limits.csv holds LP values only)."""
    if limits is None:
        return None
    valued = limits[limits["binding"] & (limits["marginal_value_usd_per_mw"].fillna(0) > 0)]
    return None if valued.empty else valued.loc[valued["marginal_value_usd_per_mw"].idxmax()]


def _top_lead_time(lead_times: pd.DataFrame | None) -> pd.Series | None:
    """The lead time whose shortening saves most, among savings proven above zero (low end > 0)."""
    if lead_times is None:
        return None
    proven = lead_times[lead_times["saving_low_usd"].fillna(0) > 0]
    return None if proven.empty else proven.loc[proven["saving_usd"].idxmax()]


def _saving_words(lead: pd.Series) -> str:
    """A lead-time saving in words, spend and penalty apart where lead_times.csv splits them."""
    saving = Difference(lead["saving_usd"], lead["saving_low_usd"], lead["saving_high_usd"])
    if "penalty_saving_usd" not in lead or pd.isna(lead["penalty_saving_usd"]):
        return f"would lower the objective (spend and penalty together) by {saving.describe()}"
    penalty, spend = lead["penalty_saving_usd"], lead["spend_saving_usd"]
    spend_words = f"{usd(abs(spend))} {'less' if spend >= 0 else 'more'} spend"
    return (
        f"would bring power sooner: {usd(penalty)} less unserved penalty (a valuation of the shortfall) for "
        f"{spend_words}: an objective {usd(saving.value)} lower in all ({saving.range_text()} given the bounds)"
    )


def _timeline(run: Run) -> str:
    added = run.capacity[run.capacity["added_mw"] > 0]
    if added.empty:
        return "Nothing is built."
    parts = [
        f"{year}: {', '.join(group['region_id'])} ({mw(group['added_mw'].sum())})"
        for year, group in list(added.groupby("year"))[:3]
    ]
    return "IT MW added in the first years of building: " + "; ".join(parts) + "."


def _gpus(run: Run, year: int) -> str:
    gpus = run.gpus_by_year
    if gpus is None:
        return ""
    served, demanded = gpus.at[year, "served"], gpus.at[year, "demanded"]
    return f"Of the demand stated in GPUs, {gpu_count(served)} of {gpu_count(demanded)} GPUs are served in {year}."


def gpu_count(value: float) -> str:
    """GPUs to four significant figures: service.csv rounds each row's count, so sums carry round-off."""
    if value >= 1e6:
        return f"{value / 1e6:,.2f} million"
    return number(float(f"{value:.4g}"))


def _shortfall(run: Run) -> str:
    unserved = run.unserved_by_year
    short = unserved[unserved > 0.5]
    if short.empty:
        return "All demand is served in every year."
    listed = ", ".join(f"{mw(v)} in {y}" for y, v in short.items())
    return f"Demand is not fully met: {listed}. " + _why_short(run, int(short.index[0]))


def _why_short(run: Run, year: int) -> str:
    """Name what kept capacity out in the first short year: lead times and full zones."""
    reasons = []
    if "first_build_year" in run.sites:  # run folders written before it have no such column
        opens = power_years(run)["power_year"]
        waiting = int((opens > year).sum())
        if waiting:
            reasons.append(f"{waiting} of {len(opens)} regions cannot get power until after {year} (lead times)")
    full = _full_limits(run, year)
    if full:
        reasons.append(f"power limits are reached in {', '.join(full)}")
    if not reasons:
        return "Serving it would cost more than the unserved penalty."
    return f"In {year}, " + " and ".join(reasons) + "."


def _full_limits(run: Run, year: int) -> list[str]:
    """Zones and pools whose limit the plan reaches in `year` (firm grid MW, from power_limits.csv)."""
    if run.power_limits is None:
        return []
    limits = run.power_limits[run.power_limits["year"] == year]
    full = limits[limits["used_mw"] >= limits["limit_mw"] - 1e-6]
    return sorted(f"{row.limit_id} ({row.level})" for row in full.itertuples())


def _map_caption(run: Run) -> str:
    return (
        f"Grey rings: the {len(run.sites)} candidate regions, "
        + (
            "labelled"
            if len(run.sites) <= figures.MAX_MAP_LABELS
            else f"the {figures.MAX_MAP_LABELS} largest chosen sites labelled"
        )
        + ". Discs: chosen sites, area proportional to "
        f"IT MW in service in {run.years[-1]}; sites closer than a disc are drawn side by side with a line to their "
        "location. State boundaries: US lower 48 (libpysal us_income example data)."
    )


def region_table(run: Run) -> Table:
    by_year = run.capacity_by_year
    chosen = by_year[by_year.max(axis=1) > 0]
    sites = run.sites.set_index("region_id")
    table = pd.DataFrame({"region": chosen.index, "zone": sites.loc[chosen.index, "zone_id"].to_numpy()})
    if "first_build_year" in sites:
        table["power from"] = power_years(run)["power_year"].loc[chosen.index].astype(str).to_numpy()
    table["max (grid MW)"] = sites.loc[chosen.index, "max_mw"].map(number).to_numpy()
    for year in run.years:
        table[str(year)] = chosen[year].map(number).to_numpy()
    total = {c: "" for c in table.columns} | {"region": "total"}
    total |= {str(y): number(by_year[y].sum()) for y in run.years}
    note = "IT MW in service at the end of each year. Power from: the first year the region can get power."
    return Table("IT MW in service by region and year", pd.concat([table, pd.DataFrame([total])]), note)


def _cost_paragraph(run: Run) -> str:
    penalty = (
        f" The unserved penalty ({usd(run.penalty_usd)}) is no bill: it is how the model values "
        f"{number(run.shortfall_mw_years)} MW-years of demand not online, and it is shown apart."
        if run.penalty_usd
        else ""
    )
    return f"The plan spends {usd(run.spend_usd)}, discounted to {run.years[0]}.{penalty}"


def _cost_caption() -> str:
    return (
        "Discounted to the first year. Blue: spend; grey, hatched: the unserved penalty, a valuation of the "
        "shortfall. Components that round to $0.00 bn are in the table only."
    )


def cost_table(run: Run) -> Table:
    by_component = run.costs.groupby("component", sort=False)[["usd", "discounted_usd"]].sum()
    penalty = by_component.index == PENALTY
    by_component.loc["spend (paid)"] = by_component[~penalty].sum()
    by_component.loc["total"] = by_component.loc[by_component.index != "spend (paid)"].sum()
    kinds = [
        "valuation" if c == PENALTY else "" if c in ("spend (paid)", "total") else "spend" for c in by_component.index
    ]
    frame = pd.DataFrame(
        {
            "component": by_component.index,
            "counts as": kinds,
            "discounted (USD)": by_component["discounted_usd"].map(number).to_numpy(),
            "undiscounted (USD)": by_component["usd"].map(number).to_numpy(),
        }
    )
    note = (
        "Total: the objective HiGHS minimised, spend plus the unserved penalty (a valuation of demand not "
        "online, not money paid). Salvage is a credit for assets' remaining life."
    )
    return Table("Cost by component", frame, note)


def assumptions(run: Run) -> list[str]:
    items = list(MODEL_ASSUMPTIONS)
    if run.config is not None:
        config = run.config
        items.insert(
            0,
            f"Horizon {config['first_year']}-{config['last_year']}; discount rate "
            f"{config.get('discount_rate', 0):.1%} per year.",
        )
        items.insert(
            1,
            HARD_DEMAND
            if run.demand_is_hard
            else f"Demand not online is valued at {usd(config['unserved_penalty_usd_per_mw_year'])} per MW-year "
            "(the unserved penalty): a price on the shortfall that steers the plan, reported apart from spend.",
        )
    return items


def provenance_table(run: Run) -> Table:
    summary = run.summary
    solver = summary["solver"]
    rows = {
        "status": f"{summary['status']} ({summary['message']})",
        "objective (USD)": f"{summary['objective_usd']:,.0f}",
        "best bound (USD)": "n/a" if summary["best_bound_usd"] is None else f"{summary['best_bound_usd']:,.0f}",
        "MIP gap": f"{gap(summary['mip_gap'])} (requested {gap(solver['mip_rel_gap'])})",
        "build / solve time (s)": f"{seconds(summary['build_seconds'])} / {seconds(summary['solve_seconds'])}",
        "solver": f"{solver['name']} {solver['version']}, {solver['threads']} thread(s), "
        f"{_method_words(summary)}time limit {_limit_words(solver['time_limit_s'])}, termination {solver['termination']}",
        "model size": ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in summary["model_size"].items()),
        "versions": ", ".join(f"{k} {v}" for k, v in summary["versions"].items()),
        "input hash (SHA-256)": summary["input_hash"],
        "solved at (UTC)": summary.get("solved_at", "n/a"),
        "report rendered at (UTC)": f"{datetime.now(UTC).isoformat(timespec='seconds')} "
        f"by gridsite {version('gridsite')}, from the run's result files",
    }
    return Table("Solver run", pd.DataFrame({"item": list(rows), "value": list(rows.values())}))


def _limit_words(limit: float | None) -> str:
    return duration(limit, missing="none")


def _method_words(summary: dict) -> str:
    """How the run was solved, where not the whole model in one piece (summaries written before
    solver.method existed were)."""
    method = summary["solver"].get("method")
    if method == "benders":
        return "Benders decomposition, "
    if method == "extensive_form":
        return "all outcomes in one extensive form, "
    if method == "by_outcomes":
        because = (summary.get("uncertainty") or {}).get("by_outcomes_because")
        return f"by outcomes{f' ({because})' if because else ''}, "
    return ""


def limits_section(run: Run) -> Section:
    """Binding zone and pool limits and lead times with their value, and probes, when the run computed them."""
    if run.limits is None and run.lead_times is None and run.probes is None:
        skipped = run.summary.get("analysis_skipped")  # why the solve left the analysis out, where it did
        why = f": {skipped}" if skipped else " (solve with --limits, the default, to value zone limits and lead times)"
        return Section("What limits this plan", paragraphs=[f"Not computed for this run{why}."])
    tables = [(run.limits, zone_limits_table), (run.lead_times, lead_times_table), (run.probes, probes_table)]
    return Section(
        "What limits this plan",
        paragraphs=_not_computed(run.summary),
        items=[table(frame) for frame, table in tables if frame is not None],
    )


# How an analysis that stopped for lack of time ends: re-solves or the LP left out, or the LP stopped.
TIME_LIMITED = ("not_run", "time_limit_no_solution")


def _not_computed(summary: dict) -> list[str]:
    """What the analyses left out, in words (summary.json's `analyses`): what the command's time limit
    left out, apart from what ended otherwise (an LP ending with e.g. `error`, named by its status)."""
    timed_out, failed = [], []
    for entry in summary.get("analyses") or []:
        name = entry["analysis"].replace("_", " ")
        if entry.get("not_run"):
            timed_out.append(f"{entry['not_run']} of {entry['not_run'] + entry['re_solved']} {name} re-solves")
        for key in ("status", "lp_values"):
            status = entry.get(key)
            if status in TIME_LIMITED:
                timed_out.append(f"the LP values of {name}")
            elif status not in (None, "optimal", "nothing to value"):
                failed.append(f"the LP values of {name} ({status.replace('_', ' ')})")
    limit = (summary.get("time_budget") or {}).get("limit_s")
    paragraphs = []
    if timed_out:
        within = "" if limit is None else f" of {duration(limit)}"
        paragraphs.append(
            f"Not computed within the command's time limit{within}: {'; '.join(timed_out)}. "
            "Solve with a longer --time-limit to compute them."
        )
    if failed:
        paragraphs.append(f"Not computed: {'; '.join(failed)}.")
    return paragraphs


def _resolve_columns(rows: pd.DataFrame, value: str, label: str) -> dict[str, object]:
    """Status and time, value, range and verdict columns of a re-solve table (<value>_usd, _low_usd,
    _high_usd), and spend and penalty apart where the table splits them (spend_<value>_usd, ...)."""
    differences = [
        None if pd.isna(v) else Difference(v, low, high)
        for v, low, high in zip(rows[f"{value}_usd"], rows[f"{value}_low_usd"], rows[f"{value}_high_usd"])
    ]
    columns = {
        "re-solve": [
            "not run (time limit)" if status == "not_run" else f"{status}, {duration(time)}"
            for status, time in zip(rows["status"], rows["solve_seconds"])
        ],
        label: ["n/a" if d is None else d.verdict if d.within_tolerance else usd(d.value) for d in differences],
        "range": ["n/a" if d is None else d.range_text() for d in differences],
    }
    for part, words in (("spend", "of which spend"), ("penalty", "of which penalty (valuation)")):
        if f"{part}_{value}_usd" in rows:
            columns[words] = rows[f"{part}_{value}_usd"].map(lambda v: "n/a" if pd.isna(v) else usd(v)).to_list()
    return columns


def zone_limits_table(limits: pd.DataFrame) -> Table:
    shown = limits[limits["binding"] | (limits["marginal_value_usd_per_mw"].fillna(0) != 0)]
    shown = shown.sort_values("marginal_value_usd_per_mw", ascending=False)
    frame = pd.DataFrame(
        {
            "limit": shown["limit_id"] + " (" + shown["level"] + ")",
            "year": shown["year"].astype(str),
            "limit (grid MW)": shown["limit_mw"].map(number),
            "plan (grid MW)": shown["used_mw"].map(number),
            "reached": shown["binding"].map({True: "yes", False: "no"}),
            "value of 1 MW more (USD/MW)": shown["marginal_value_usd_per_mw"].map(
                lambda v: "n/a" if pd.isna(v) else number(v)
            ),
        }
    )
    method = (
        "Value of one more MW of headroom in a zone or local pool and year (firm grid MW): the dual value "
        "of that limit in the linear program with the plan's site choices fixed and module counts relaxed to "
        "continuous (USD of objective saved per MW, unserved penalty included). Listed: limits the plan "
        "reaches, and limits not reached whose relaxed value is not zero."
    )
    return Table("Power limits reached or valued", frame, _note(shown, "No zone or pool limit binds.", method))


def lead_times_table(lead_times: pd.DataFrame) -> Table:
    proven = lead_times["saving_low_usd"].fillna(0) > 0
    shown = lead_times.assign(proven=proven).sort_values(["proven", "saving_usd"], ascending=False)
    frame = pd.DataFrame(
        {
            "region": shown["region_id"]
            + shown.get("path_id", pd.Series("", index=shown.index))
            .astype(object)  # no paths: read back as an empty float column
            .fillna("")
            .map(lambda path: f" ({path})" if path else ""),
            "lead time (years)": shown["lead_time_years"].map("{:g}".format),
            "first build year": shown["first_build_year"].astype(str),
            "value of 1 MW a year earlier (USD/MW, LP)": shown.get(
                "marginal_value_usd_per_mw", pd.Series(float("nan"), index=shown.index)
            ).map(lambda v: "n/a" if pd.isna(v) else number(v)),
            **_resolve_columns(shown, "saving", "saving if 1 year earlier"),
        }
    )
    method = (
        "Each region (or interconnection path, in brackets) that adds capacity in the first year its lead "
        "time allows. The value of one MW a year earlier comes from one linear program (the plan's site "
        "choices fixed, module counts relaxed). Then, most valuable first and as the time limit allows, "
        "each was re-solved (full MIP) with that lead time one year shorter; the saving is the "
        "difference of the two objectives, split into spend and unserved penalty (a valuation of the "
        "shortfall). Both solves stop at the MIP gap, so the true saving lies in the range shown; where the "
        "range includes 0 the solves do not show a saving (within solver tolerance)."
    )
    return Table(
        "Value of one year earlier interconnection",
        frame.reset_index(drop=True),
        _note(shown, "No region is held back by its lead time.", method),
    )


def _note(shown: pd.DataFrame, when_empty: str, method: str) -> str:
    return method if not shown.empty else f"{when_empty} {method}"


def probes_table(probes: pd.DataFrame) -> Table:
    frame = pd.DataFrame(
        {
            "region": probes["region_id"],
            "forced": probes["forced"],
            **_resolve_columns(probes, "change", "change in objective"),
        }
    )
    note = (
        "The plan re-solved (full MIP) with a region forced out (open = 0) or in (at least one module, or "
        "1 MW, in the last year); the change is the extra objective (spend and unserved penalty), with the "
        "range the MIP gaps allow. n/a: the re-solve found no plan (see its status)."
    )
    return Table("Cost of forcing regions in or out", frame, note)
