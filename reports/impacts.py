"""What a plan does beyond its own cost: who pays for network upgrades (the data centers or other
ratepayers), the grid MW it draws, its emissions and cooling water, and bridge power it releases.
Read from upgrades.csv, capacity.csv, emissions.csv, water.csv, capacity_by_path.csv and summary.json."""

from __future__ import annotations

import pandas as pd

from reports.document import Section, Table, number, usd
from reports.run import Run

PERSPECTIVES = {"developer": "the data centers' (developer's)", "system": "the system's (other ratepayers included)"}


def who_pays_section(run: Run) -> Section:
    paragraphs = [_upgrades_sentence(run), _perspective_sentence(run)]
    items = []
    upgrades = run.upgrades
    if upgrades is not None and not upgrades.empty:
        items = [_upgrades_table(upgrades, "region_id", "region"), _upgrades_table(upgrades, "year", "year")]
    return Section("Who pays", paragraphs=[p for p in paragraphs if p], items=items)


def _upgrades_sentence(run: Run) -> str:
    upgrades = run.upgrades
    if upgrades is None or upgrades.empty:
        return (
            "No network-upgrade costs are in the inputs (tariffs.csv upgrade_cost_usd_per_mw), so this plan "
            "puts no upgrade cost on other ratepayers."
        )
    total, others = upgrades["upgrade_cost_usd"].sum(), upgrades["other_ratepayers_usd"].sum()
    share = others / total if total else 0.0
    return (
        f"Network upgrades for the firm grid MW this plan contracts cost {usd(total)} (undiscounted, as billed): "
        f"the data centers pay {usd(upgrades['data_center_usd'].sum())} and other ratepayers {usd(others)} "
        f"({share:.0%})."
    )


def _perspective_sentence(run: Run) -> str:
    """Developer and system totals (summary.json), each as spend: the unserved penalty is no one's bill."""
    summary = run.summary
    developer, system = summary.get("developer_cost_usd"), summary.get("system_cost_usd")
    if developer is None or system is None:
        return ""
    penalty = run.penalty_usd
    perspective = summary.get("cost_perspective", "developer")
    return (
        f"Discounted to {run.years[0]}, the data centers spend {usd(developer - penalty)} on this plan and the "
        f"system (data centers and other ratepayers) {usd(system - penalty)}; the plan minimises "
        f"{PERSPECTIVES.get(perspective, perspective)} cost."
    )


def _upgrades_table(upgrades: pd.DataFrame, key: str, label: str) -> Table:
    columns = ["new_contract_mw", "upgrade_cost_usd", "data_center_usd", "other_ratepayers_usd"]
    grouped = upgrades.groupby(key)[columns].sum()
    grouped = grouped[grouped["upgrade_cost_usd"].abs() > 0.5]
    grouped.loc["total"] = grouped.sum()
    frame = pd.DataFrame(
        {
            label: grouped.index.astype(str),
            "new firm grid MW": grouped["new_contract_mw"].map(number).to_numpy(),
            "upgrade cost": grouped["upgrade_cost_usd"].map(usd).to_numpy(),
            "data centers pay": grouped["data_center_usd"].map(usd).to_numpy(),
            "other ratepayers pay": grouped["other_ratepayers_usd"].map(usd).to_numpy(),
        }
    )
    title = f"Network upgrades by {label}"
    return Table(title, frame, "Undiscounted USD in the year the firm MW are contracted (upgrades.csv).")


def footprint_section(run: Run) -> Section:
    """IT and grid MW, emissions, water and released bridge MW by year, with a sentence on each."""
    by_year = footprint_by_year(run)
    last = run.years[-1]
    paragraphs = [_load_sentence(run, by_year, last)]
    if "emissions (Mt)" in by_year:
        total = run.emissions["emissions_t"].sum() / 1e6
        paragraphs.append(
            f"Emissions, at the grid emission rates of the regions and paths that serve the plan, reach "
            f"{run.emissions.groupby('year')['emissions_t'].sum().get(last, 0.0) / 1e6:,.1f} Mt a year in {last} "
            f"({total:,.1f} Mt over {run.years[0]}-{last})."
        )
    if "water (megalitres)" in by_year:
        water = run.water.groupby("year")["water_megalitres"].sum()
        paragraphs.append(f"Cooling draws {number(water.get(last, 0.0))} megalitres of water in {last}.")
    items = [Table("Grid load, emissions and water by year", _as_text(by_year))]
    released = released_bridges(run)
    if released is not None:
        paragraphs.append(
            f"Bridge power released once no longer needed: {number(released['released_mw'].sum())} grid MW "
            f"on {len(released)} path-year(s) (it stops holding headroom and paying its opex)."
        )
        items.append(_released_table(released))
    return Section("Grid load, emissions and water", paragraphs=paragraphs, items=items)


def footprint_by_year(run: Run) -> pd.DataFrame:
    """Per year: IT MW, grid MW, and where the run has them emissions (Mt), water and released MW."""
    frame = pd.DataFrame({"IT MW": run.capacity_by_year.sum(), "grid MW": run.grid_mw_by_year})
    if run.emissions is not None:
        frame["emissions (Mt)"] = run.emissions.groupby("year")["emissions_t"].sum() / 1e6
    if run.water is not None:
        frame["water (megalitres)"] = run.water.groupby("year")["water_megalitres"].sum()
    released = released_bridges(run)
    if released is not None:
        frame["released (grid MW)"] = released.groupby("year")["released_mw"].sum()
    return frame.reindex(run.years).fillna(0.0)


def _as_text(by_year: pd.DataFrame) -> pd.DataFrame:
    text = pd.DataFrame({"year": by_year.index.astype(str)})
    for column in by_year.columns:
        decimals = 1 if column == "emissions (Mt)" else 0
        text[column] = by_year[column].map(lambda v, d=decimals: number(v, d)).to_numpy()
    return text


def _load_sentence(run: Run, by_year: pd.DataFrame, last: int) -> str:
    it, grid = by_year.at[last, "IT MW"], by_year.at[last, "grid MW"]
    return (
        f"In {last} the plan's {number(it)} IT MW (the GPUs' power) draw {number(grid)} grid MW (IT MW times "
        f"each site's PUE): the load utilities and grid operators plan for."
    )


def released_bridges(run: Run) -> pd.DataFrame | None:
    """capacity_by_path.csv rows where MW are released (e.g. onsite or flexible bridges), or None."""
    paths = run.capacity_by_path
    if paths is None or "released_mw" not in paths:
        return None
    released = paths[paths["released_mw"] > 1e-6]
    return None if released.empty else released


def _released_table(released: pd.DataFrame) -> Table:
    frame = pd.DataFrame(
        {
            "region": released["region_id"],
            "path": [p if p == k else f"{p} ({k})" for p, k in zip(released["path_id"], released["kind"])],
            "year": released["year"].astype(str),
            "released (grid MW)": released["released_mw"].map(number),
        }
    )
    return Table("Bridge power released", frame.reset_index(drop=True))
