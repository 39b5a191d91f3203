"""What a siting report says, independent of its format: sections of sentences, figures and tables,
every number read from a run folder's result files (see reports.run). HTML and PDF render this."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version

import pandas as pd

from reports import figures
from reports.document import Figure, Report, Section, Table, mw, usd
from reports.run import Run
from reports.uncertainty import uncertainty_section

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
    "Yearly costs are discounted to the first year; one-off (fixed) costs are not discounted.",
)


def build_report(run: Run) -> Report:
    sections = [
        Section("Executive summary", paragraphs=executive_summary(run)),
        uncertainty_section(run),
        Section("Where to build", items=[Figure("Siting map", figures.siting_map(run), _map_caption(run))]),
        Section(
            "When capacity comes online",
            items=[
                Figure(
                    "Build-out by zone",
                    figures.buildout_chart(run),
                    "Stacked bars: MW in service per grid zone; "
                    "line: MW required by demand (served + unserved in the results).",
                ),
                region_table(run),
            ],
        ),
        Section(
            "What it costs",
            items=[Figure("Cost breakdown", figures.cost_chart(run), "Discounted to the first year."), cost_table(run)],
        ),
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
    status = run.summary["status"]
    sentences = [
        f"The plan builds {mw(built.sum())} in {len(built)} of {len(by_year)} candidate regions across "
        f"{zones.nunique()} grid zones by {last}, for a total discounted cost of {usd(run.total_cost_usd)}. "
        f"HiGHS reports the plan as {status} with a proven MIP gap of {_gap(run.summary['mip_gap'])}.",
        _largest(built, zones),
        _timeline(run),
        f"Capacity in service reaches {mw(by_year[last].sum())} in {last} against {mw(demand[last])} required.",
        _gpus(run, last),
        _shortfall(run),
        _limits_sentence(run),
    ]
    return [s for s in sentences if s]


def _largest(built: pd.Series, zones: pd.Series) -> str:
    if built.empty:
        return ""
    return "Largest sites: " + ", ".join(f"{r} ({zones[r]}, {mw(v)})" for r, v in built.head(5).items()) + "."


def _limits_sentence(run: Run) -> str:
    """The most valuable earlier interconnection and zone headroom, when the run computed them."""
    parts = []
    if run.lead_times is not None and run.lead_times["saving_usd"].fillna(0).max() > 0:
        top = run.lead_times.loc[run.lead_times["saving_usd"].idxmax()]
        path = top.get("path_id")
        what = top["region_id"] + (f" through {path}" if isinstance(path, str) and path else "")
        parts.append(f"connecting {what} one year earlier would save about {usd(top['saving_usd'])}")
    if run.limits is not None and run.limits["marginal_value_usd_per_mw"].fillna(0).max() > 0:
        top = run.limits.loc[run.limits["marginal_value_usd_per_mw"].idxmax()]
        parts.append(
            f"each extra MW of {top['limit_id']}'s {top['year']} {top['level']} limit would save "
            f"{usd(top['marginal_value_usd_per_mw'])}"
        )
    return f"What limits this plan most: {'; '.join(parts)} (see below)." if parts else ""


def _gap(gap: float | None) -> str:
    return "n/a" if gap is None else f"{gap:.3%}"


def _timeline(run: Run) -> str:
    added = run.capacity[run.capacity["added_mw"] > 0]
    if added.empty:
        return "Nothing is built."
    parts = [
        f"{year}: {', '.join(group['region_id'])} ({mw(group['added_mw'].sum())})"
        for year, group in list(added.groupby("year"))[:3]
    ]
    return "Additions in the first years of building: " + "; ".join(parts) + "."


def _gpus(run: Run, year: int) -> str:
    gpus = run.gpus_by_year
    if gpus is None:
        return ""
    served, demanded = gpus.at[year, "served"], gpus.at[year, "demanded"]
    return f"Of the demand stated in GPUs, {served:,.0f} of {demanded:,.0f} GPUs are served in {year}."


def _shortfall(run: Run) -> str:
    unserved = run.unserved_by_year
    short = unserved[unserved > 0]
    if short.empty:
        return "All demand is served in every year."
    listed = ", ".join(f"{mw(v)} in {y}" for y, v in short.items())
    return f"Demand is not fully met: {listed}. " + _why_short(run, int(short.index[0]))


def _why_short(run: Run, year: int) -> str:
    """Name what kept capacity out in the first short year: lead times and full zones."""
    reasons = []
    if "first_build_year" in run.sites:  # run folders written before it have no such column
        opens = run.sites["first_build_year"]
        waiting = int((opens > year).sum())
        if waiting:
            reasons.append(f"{waiting} of {len(opens)} regions cannot connect until after {year} (lead times)")
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
        f"Grey rings: the {len(run.sites)} candidate region(s). Discs: chosen sites, area proportional to MW in "
        f"service in {run.years[-1]}. State boundaries: US lower 48 (libpysal us_income example data)."
    )


def region_table(run: Run) -> Table:
    by_year = run.capacity_by_year
    chosen = by_year[by_year.max(axis=1) > 0]
    sites = run.sites.set_index("region_id")
    table = pd.DataFrame({"region": chosen.index, "zone": sites.loc[chosen.index, "zone_id"].to_numpy()})
    if run.regions is not None:
        lead = run.regions.set_index("region_id")["lead_time_years"]
        table["lead time (years)"] = lead.loc[chosen.index].map("{:g}".format).to_numpy()
    table["max (grid MW)"] = sites.loc[chosen.index, "max_mw"].map("{:,.0f}".format).to_numpy()
    for year in run.years:
        table[f"{year} (MW)"] = chosen[year].map("{:,.0f}".format).to_numpy()
    total = {c: "" for c in table.columns} | {"region": "total"}
    total |= {f"{y} (MW)": f"{by_year[y].sum():,.0f}" for y in run.years}
    unbuilt = sorted(set(by_year.index) - set(chosen.index))
    note = f"Not chosen: {', '.join(unbuilt)}." if unbuilt else "Every candidate region is used."
    return Table("Capacity in service by region and year", pd.concat([table, pd.DataFrame([total])]), note)


def cost_table(run: Run) -> Table:
    by_component = run.costs.groupby("component", sort=False)[["usd", "discounted_usd"]].sum()
    by_component.loc["total"] = by_component.sum()
    frame = pd.DataFrame(
        {
            "component": by_component.index,
            "discounted (USD)": by_component["discounted_usd"].map("{:,.0f}".format).to_numpy(),
            "undiscounted (USD)": by_component["usd"].map("{:,.0f}".format).to_numpy(),
        }
    )
    return Table("Cost by component", frame, "The discounted total is the objective HiGHS minimised.")


def assumptions(run: Run) -> list[str]:
    items = list(MODEL_ASSUMPTIONS)
    if run.config is not None:
        config = run.config
        items.insert(
            0,
            f"Horizon {config['first_year']}-{config['last_year']}; discount rate "
            f"{config.get('discount_rate', 0):.1%} per year.",
        )
        penalty = config.get("unserved_penalty_usd_per_mw_year")
        items.insert(
            1,
            "Demand is a hard constraint."
            if penalty is None
            else f"Demand left unserved costs {usd(penalty)} per MW-year (the unserved penalty).",
        )
    return items


def provenance_table(run: Run) -> Table:
    summary = run.summary
    solver = summary["solver"]
    rows = {
        "status": f"{summary['status']} ({summary['message']})",
        "objective (USD)": f"{summary['objective_usd']:,.0f}",
        "best bound (USD)": "n/a" if summary["best_bound_usd"] is None else f"{summary['best_bound_usd']:,.0f}",
        "MIP gap": f"{_gap(summary['mip_gap'])} (requested {solver['mip_rel_gap']:.3%})",
        "build / solve time (s)": f"{summary['build_seconds']:.2f} / {summary['solve_seconds']:.2f}",
        "solver": f"{solver['name']} {solver['version']}, {solver['threads']} thread(s), "
        f"{'Benders decomposition, ' if solver.get('method') == 'benders' else ''}"  # summaries written before solver.method existed: direct
        f"time limit {solver['time_limit_s']} s, termination {solver['termination']}",
        "model size": ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in summary["model_size"].items()),
        "versions": ", ".join(f"{k} {v}" for k, v in summary["versions"].items()),
        "input hash (SHA-256)": summary["input_hash"],
        "solved at (UTC)": summary.get("solved_at", "n/a"),
        "report rendered at (UTC)": f"{datetime.now(UTC).isoformat(timespec='seconds')} "
        f"by gridsite {version('gridsite')}, from the run's result files",
    }
    return Table("Solver run", pd.DataFrame({"item": list(rows), "value": list(rows.values())}))


def limits_section(run: Run) -> Section:
    """Binding zone and pool limits and lead times with their value, and probes, when the run computed them."""
    if run.limits is None and run.lead_times is None and run.probes is None:
        return Section(
            "What limits this plan",
            paragraphs=[
                "Not computed for this run (solve with --limits, the default, to value zone limits and lead times)."
            ],
        )
    tables = [(run.limits, zone_limits_table), (run.lead_times, lead_times_table), (run.probes, probes_table)]
    return Section("What limits this plan", items=[table(frame) for frame, table in tables if frame is not None])


def _usd_cell(value: float | None) -> str:
    return "n/a" if pd.isna(value) else f"{round(value):,}"  # round() to an int: no "-0"


def _resolve_columns(rows: pd.DataFrame, value: str, label: str) -> dict[str, object]:
    """Status and time, value and range columns of a re-solve table (<value>_usd, _low_usd, _high_usd)."""
    ranges = zip(rows[f"{value}_low_usd"], rows[f"{value}_high_usd"])
    return {
        "re-solve": [f"{status}, {seconds:.2f} s" for status, seconds in zip(rows["status"], rows["solve_seconds"])],
        f"{label} (USD)": rows[f"{value}_usd"].map(_usd_cell),
        "range (USD)": [f"{_usd_cell(low)} to {_usd_cell(high)}" for low, high in ranges],
    }


def zone_limits_table(limits: pd.DataFrame) -> Table:
    shown = limits[limits["binding"] | (limits["marginal_value_usd_per_mw"].fillna(0) != 0)]
    shown = shown.sort_values("marginal_value_usd_per_mw", ascending=False)
    frame = pd.DataFrame(
        {
            "limit": shown["limit_id"] + " (" + shown["level"] + ")",
            "year": shown["year"].astype(str),
            "limit (grid MW)": shown["limit_mw"].map("{:,.0f}".format),
            "plan (grid MW)": shown["used_mw"].map("{:,.0f}".format),
            "value of 1 MW more (USD/MW)": shown["marginal_value_usd_per_mw"].map(_usd_cell),
        }
    )
    method = (
        "Value of one more MW of headroom in a zone or local pool and year (firm grid MW): the dual value "
        "of that limit in the linear "
        "program with the plan's site choices fixed and module counts relaxed to continuous (USD of total "
        "discounted cost saved per MW). Listed: limits the plan reaches, or with a non-zero value."
    )
    return Table("Binding power limits", frame, _note(shown, "No zone or pool limit binds.", method))


def lead_times_table(lead_times: pd.DataFrame) -> Table:
    shown = lead_times.sort_values("saving_usd", ascending=False)
    frame = pd.DataFrame(
        {
            "region": shown["region_id"]
            + shown.get("path_id", pd.Series("", index=shown.index))
            .fillna("")
            .map(lambda path: f" ({path})" if path else ""),
            "lead time (years)": shown["lead_time_years"].map("{:g}".format),
            "first build year": shown["first_build_year"].astype(str),
            **_resolve_columns(shown, "saving", "saving if 1 year earlier"),
        }
    )
    method = (
        "Each region (or interconnection path, in brackets) that adds capacity in the first year its lead "
        "time allows was re-solved (full MIP) with that lead time one year shorter; the saving is the difference of the two objectives. Both solves "
        "stop at the MIP gap, so the true saving lies in the range shown (from objectives and best bounds)."
    )
    return Table(
        "Value of one year earlier interconnection",
        frame,
        _note(shown, "No region is held back by its lead time.", method),
    )


def _note(shown: pd.DataFrame, when_empty: str, method: str) -> str:
    return method if not shown.empty else f"{when_empty} {method}"


def probes_table(probes: pd.DataFrame) -> Table:
    frame = pd.DataFrame(
        {
            "region": probes["region_id"],
            "forced": probes["forced"],
            **_resolve_columns(probes, "change", "change in cost"),
        }
    )
    note = (
        "The plan re-solved (full MIP) with a region forced out (open = 0) or in (at least one module, or "
        "1 MW, in the last year); the change is the extra total discounted cost, with the range the MIP gaps "
        "allow. n/a: the re-solve found no plan (see its status)."
    )
    return Table("Cost of forcing regions in or out", frame, note)
