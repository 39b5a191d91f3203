"""Time to power: when each region can first get power (its construction lead time and its power
paths' queues), and why each region the plan leaves out was not chosen. Read from sites.geojson,
inputs/interconnection.csv, power_limits.csv, probes.csv and the plan's tables."""

from __future__ import annotations

import math

import pandas as pd

from reports.document import Table, usd
from reports.run import Run
from reports.tolerance import Difference

PRICES = (("capex_usd_per_mw", "MW"), ("energy_price_usd_per_mwh", "MWh"))
PRICE_WORDS = {"capex_usd_per_mw": "capex", "energy_price_usd_per_mwh": "energy"}
KIND_WORDS = {"queue": "grid queue", "flexible": "flexible connection", "onsite": "onsite", "colocation": "colocation"}


def path_first_years(run: Run) -> pd.DataFrame | None:
    """Each power path's first year (inputs/interconnection.csv): no MW before first_year +
    ceil(lead_time_years), the contract's rule for every lead time. None without paths."""
    paths = run.interconnection
    if paths is None or paths.empty:
        return None
    first = run.years[0]
    years = paths["lead_time_years"].map(lambda lead: first + math.ceil(lead - 1e-9))
    return paths[["region_id", "path_id", "kind", "lead_time_years"]].assign(first_year=years)


def power_years(run: Run) -> pd.DataFrame:
    """Per region: `site_year` (construction lead time), `queue_year` (its grid queue, if any),
    `fastest` (the path that brings power first, or "") and `power_year` (the first year it can hold
    MW: the later of the site and its fastest path; a region without paths has its own lead time)."""
    sites = run.sites.set_index("region_id")
    site_year = sites["first_build_year"] if "first_build_year" in sites else pd.Series(run.years[0], sites.index)
    table = pd.DataFrame({"zone": sites["zone_id"], "site_year": site_year})
    paths = path_first_years(run)
    table["queue_year"], table["fastest"], table["path_year"] = pd.NA, "", pd.NA
    if paths is not None:
        queues = paths[paths["kind"] == "queue"].groupby("region_id")["first_year"].min()
        fastest = paths.sort_values("first_year").groupby("region_id").first()
        table["queue_year"] = queues.reindex(table.index).astype("Int64")
        table["fastest"] = fastest["path_id"].reindex(table.index).fillna("")
        table["path_year"] = fastest["first_year"].reindex(table.index).astype("Int64")
    power = table[["site_year", "path_year"]].max(axis=1)
    table["power_year"] = power.astype(int)
    return table


def first_online(run: Run) -> pd.Series:
    """The first year the plan has MW in service in each region (regions it uses)."""
    online = run.capacity[run.capacity["capacity_mw"] > 1e-6]
    return online.groupby("region_id")["year"].min()


def time_to_power_table(run: Run) -> Table:
    years, online = power_years(run), first_online(run)
    paths = path_first_years(run)
    frame = pd.DataFrame(
        {
            "region": years.index,
            "zone": years["zone"].to_numpy(),
            "site ready": years["site_year"].astype(str).to_numpy(),
            "grid queue": years["queue_year"].map(_year).to_numpy(),
            "fastest power": [_fastest(paths, r, row) for r, row in years.iterrows()],
            "power from": years["power_year"].astype(str).to_numpy(),
            "first MW in plan": online.reindex(years.index)
            .map(lambda y: "not chosen" if pd.isna(y) else f"{y:.0f}")
            .to_numpy(),
        }
    )
    frame = frame.sort_values(["power from", "region"], kind="stable")
    note = (
        "Site ready: the first year construction allows (the region's lead time). Grid queue: the first year "
        "its grid queue connects. Fastest power: the path that brings power first, with its lead time. Power "
        "from: the later of site and fastest power, the first year the region can hold MW."
    )
    if paths is None:
        note = "No interconnection paths in the run's inputs/: each region connects after its own lead time. " + note
    return Table("Time to power by region", frame.reset_index(drop=True), note, text_columns=("fastest power",))


def _year(value) -> str:
    return "" if pd.isna(value) else f"{int(value)}"


def _fastest(paths: pd.DataFrame | None, region: str, row: pd.Series) -> str:
    if paths is None or not row["fastest"]:
        return "own connection"
    path = paths[(paths["region_id"] == region) & (paths["path_id"] == row["fastest"])].iloc[0]
    kind = KIND_WORDS.get(path["kind"], path["kind"])
    name = kind if row["fastest"] in (path["kind"], kind) else f"{row['fastest']} ({kind})"
    return f"{name}, {path['lead_time_years']:g} yr"


MAX_NOT_CHOSEN_ROWS = 40  # a report lists this many regions not chosen at most


def not_chosen_table(run: Run) -> Table | None:
    """Why each region the plan leaves out was not chosen: no power in time, a full zone or pool, or
    cost (cheaper MW elsewhere). None when every region is used."""
    years, online = power_years(run), first_online(run)
    left_out = years[~years.index.isin(online.index)]
    if left_out.empty:
        return None
    listed = left_out.sort_values("power_year", kind="stable").index[:MAX_NOT_CHOSEN_ROWS]  # powered soonest first
    rows = [_reasons(run, region, years.loc[region]) for region in sorted(listed)]
    frame = pd.DataFrame(rows, columns=["region", "zone", "power from", "main reason", "details"])
    note = (
        "Lead time: the region gets power only after the horizon, or after the plan's last addition. Power "
        "limit: its zone or pool is full in every year it could hold MW. Cost: power and headroom were "
        "available while the plan still added MW, and it chose cheaper MW elsewhere (prices from the inputs)."
    )
    if len(left_out) > len(listed):
        note = f"Listed: the {len(listed)} of {len(left_out)} regions not chosen that get power soonest. " + note
    if run.probes is None:
        note += " Solve with --probe-region ID to cost forcing a region into the plan."
    return Table("Regions not chosen, and why", frame, note, text_columns=("main reason", "details"))


def _reasons(run: Run, region: str, row: pd.Series) -> tuple[str, str, str, str, str]:
    last, power = run.years[-1], int(row["power_year"])
    if power > last:
        return region, row["zone"], str(power), "lead time", f"no power before {power}, after the horizon"
    full = _full(run, region, power)
    details = [f"{', '.join(_full_years(full))} at its limit" if not full.empty else ""]
    details += [_price_note(run, region, column, unit) for column, unit in PRICES] + [_probe_note(run, region)]
    if set(range(power, last + 1)) <= set(full["year"]):
        reason = "power limit"
    elif not _adds_from(run, power):
        reason = "lead time"  # the plan added every MW before this region could get power
    else:
        reason = "cost"
    return region, row["zone"], str(power), reason, "; ".join(d for d in details if d)


def _adds_from(run: Run, year: int) -> bool:
    """Whether the plan adds IT MW anywhere in `year` or later."""
    added = run.capacity[(run.capacity["year"] >= year) & (run.capacity["added_mw"] > 1e-6)]
    return not added.empty


def _limits_of(run: Run, region: str) -> pd.DataFrame:
    """The power limits (zone and pool) a region's MW count against, with the plan's use of them."""
    if run.power_limits is None:
        return pd.DataFrame(columns=["level", "limit_id", "year", "limit_mw", "used_mw"])
    ids = {("zone", run.sites.set_index("region_id").at[region, "zone_id"])}
    if run.regions is not None and "pool_id" in run.regions:
        pool = run.regions.set_index("region_id").at[region, "pool_id"]
        if isinstance(pool, str) and pool:
            ids.add(("pool", pool))
    keys = list(zip(run.power_limits["level"], run.power_limits["limit_id"]))
    return run.power_limits[[key in ids for key in keys]]


def _full(run: Run, region: str, since: int) -> pd.DataFrame:
    """The region's limits in the years from `since` on where the plan reaches them."""
    limits = _limits_of(run, region)
    return limits[(limits["year"] >= since) & (limits["used_mw"] >= limits["limit_mw"] - 1e-6)]


def _full_years(full: pd.DataFrame) -> list[str]:
    """'PJM zone in 2031-2035' for each limit reached."""
    return [
        f"{limit_id} {level} in {_span(sorted(group['year']))}"
        for (level, limit_id), group in full.groupby(["level", "limit_id"])
    ]


def _span(years: list[int]) -> str:
    """2026, or 2026-2028, or 2026, 2028."""
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(y) for y in years)


def _price_note(run: Run, region: str, column: str, unit: str) -> str:
    """The region's price in an input column (regions.csv or tariffs.csv) against the chosen regions'."""
    table = next((t for t in (run.regions, run.tariffs) if t is not None and column in t), None)
    if table is None:
        return ""
    price = table.set_index("region_id")[column]
    chosen = price.reindex(first_online(run).index).dropna()
    if chosen.empty or region not in price.index:
        return ""
    low, high = chosen.min(), chosen.max()
    spread = _price(low, unit) if low == high else f"{_price(low, unit)} to {_price(high, unit)}"
    return f"{PRICE_WORDS[column]} {_price(price[region], unit)} (chosen regions: {spread})"


def _price(value: float, unit: str) -> str:
    return f"{usd(value)}/{unit}" if unit == "MW" else f"${value:,.0f}/{unit}"


def _probe_note(run: Run, region: str) -> str:
    if run.probes is None or region not in set(run.probes["region_id"]):
        return ""
    probe = run.probes[run.probes["region_id"] == region].iloc[0]
    if pd.isna(probe["change_usd"]):
        return f"forcing it in: no plan ({probe['status']})"
    change = Difference(probe["change_usd"], probe["change_low_usd"], probe["change_high_usd"])
    return f"forcing it in: {change.describe()}"
