"""The shipped default scenario: it is what data/build_default.py derives, it solves to optimality,
and its solution satisfies every constraint of the contract, checked here on the result tables."""

from __future__ import annotations

import filecmp
import importlib.util

import numpy as np
import pytest
from conftest import REPO

from formulations.lead_times import first_build_year
from formulations.objective import COMPONENTS, discount_factor
from optimizer import load_scenario
from optimizer.pipeline.outputs import TABLES

VARIANTS = ("default", "pjm_causer_pays", "no_flexible_load", "gpu_gb200", "system_view")


def test_shipped_scenarios_are_what_the_build_script_derives(tmp_path):
    spec = importlib.util.spec_from_file_location("build_default", REPO / "data" / "build_default.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(VARIANTS)
    for variant in VARIANTS:
        shipped, derived = REPO / "data" / variant, tmp_path / variant
        names = sorted(p.name for p in shipped.iterdir())
        assert names == sorted(p.name for p in derived.iterdir())
        _, mismatch, errors = filecmp.cmpfiles(shipped, derived, names, shallow=False)
        assert mismatch == [] and errors == [], variant


@pytest.mark.parametrize("variant", VARIANTS[1:])
def test_variants_differ_from_the_default_in_their_one_change(default_run, variant):
    scenario, _ = default_run
    other = load_scenario(REPO / "data" / variant)
    changed = [name for name, table in scenario.tables().items() if not table.equals(other.tables()[name])]
    base, config = scenario.config.model_dump(), other.config.model_dump()
    changed += [key for key in base if key != "name" and base[key] != config[key]]
    assert (
        changed
        == {
            "pjm_causer_pays": ["tariffs"],
            "no_flexible_load": ["interconnection"],
            "gpu_gb200": ["demand"],
            "system_view": ["cost_perspective"],
        }[variant]
    )


def test_gb200_demand_draws_more_power_per_gpu(default_run):
    scenario, _ = default_run
    gb200 = load_scenario(REPO / "data" / "gpu_gb200")
    assert (gb200.demand["gpus"] == scenario.demand["gpus"]).all()
    assert np.allclose(gb200.demand_mw["mw"] / scenario.demand_mw["mw"], 1.667 / 1.275)


def test_default_has_the_promised_breadth(default_run):
    scenario, _ = default_run
    assert len(scenario.regions) >= 20
    assert set(scenario.interconnection["kind"]) == {"queue", "flexible", "onsite", "colocation"}
    assert {"PJM", "ERCOT", "MISO", "SPP", "CAISO", "TVA", "Southeast", "West"} <= set(scenario.regions["zone_id"])
    assert scenario.config.years == list(range(2026, 2036))


def test_every_result_table_is_declared_and_the_default_produces_them_all(default_run):
    """outputs.TABLES (what is written and exported) comes from the modules' RESULT_TABLES: a table a
    module returns without declaring it would be neither written nor removed when stale. The default
    produces every one but requests.csv, which needs interconnection requests that cost something, and
    the tables of a plan across outcomes."""
    _, result = default_run
    assert set(result.tables) == set(TABLES) - {"requests", "outcomes", "decisions_now"}


def test_default_solves_to_optimality(default_run):
    _, result = default_run
    assert result.summary["status"] == "optimal"
    assert result.summary["mip_gap"] <= result.summary["solver"]["mip_rel_gap"] + 1e-12


def test_default_plan_respects_site_limits_modules_and_lead_times(default_run):
    scenario, result = default_run
    plan = result.capacity.merge(scenario.regions, on="region_id")
    assert (plan["capacity_mw"] * plan["pue"] <= plan["max_mw"] + 1e-6).all()
    assert np.allclose(plan["grid_mw"], plan["capacity_mw"] * plan["pue"])
    modules = plan["added_mw"] / plan["module_mw"]
    assert np.allclose(modules, modules.round(), atol=1e-6)
    opens = plan["lead_time_years"].map(lambda lead: first_build_year(scenario.config.first_year, lead))
    assert (plan.loc[plan["year"] < opens, "added_mw"] == 0).all()
    ordered = plan.sort_values("year")
    assert np.allclose(ordered.groupby("region_id")["added_mw"].cumsum(), ordered["capacity_mw"])


def test_default_paths_respect_lead_times_caps_and_power_balance(default_run):
    scenario, result = default_run
    paths = result.table("capacity_by_path").merge(scenario.interconnection, on=["region_id", "path_id", "kind"])
    opens = paths["lead_time_years"].map(lambda lead: first_build_year(scenario.config.first_year, lead))
    assert (paths.loc[paths["year"] < opens, "capacity_mw"] == 0).all()
    assert (paths["capacity_mw"] <= paths["max_mw"] + 1e-6).all()
    assert (paths["supply_mw"] <= paths["capacity_mw"] + 1e-6).all()
    supplied = paths.groupby(["region_id", "year"])["supply_mw"].sum()
    served = result.service.groupby(["region_id", "year"])["mw"].sum()
    pue = scenario.regions.set_index("region_id")["pue"]
    needed = served * served.index.get_level_values("region_id").map(pue)
    assert np.allclose(supplied.reindex(needed.index, fill_value=0), needed, atol=1e-6)


def headroom(scenario, result):
    """Firm grid MW per region and year, recomputed from the path results."""
    paths = result.table("capacity_by_path").merge(scenario.interconnection, on=["region_id", "path_id", "kind"])
    firm = paths["firm_share"].fillna((paths["kind"] != "onsite").astype(float))  # blank: onsite 0, else 1
    return (firm * paths["capacity_mw"]).groupby([paths["region_id"], paths["year"]]).sum()


@pytest.mark.parametrize(("table", "key"), [("zone_limits", "zone_id"), ("local_limits", "pool_id")])
def test_default_plan_respects_power_limits_in_grid_mw(default_run, table, key):
    scenario, result = default_run
    firm = headroom(scenario, result).rename("mw").reset_index().merge(scenario.regions[["region_id", key]])
    used = firm.groupby([key, "year"])["mw"].sum()
    limits = getattr(scenario, table).set_index([key, "year"])["limit_mw"]
    assert (used.reindex(limits.index, fill_value=0) <= limits + 1e-6).all()


def test_default_contracts_cover_use(default_run):
    _, result = default_run
    contracts = result.table("contracts")
    assert (contracts["contracted_mw"] >= contracts["used_mw"] - 1e-6).all()
    assert (contracts["billed_mw"] >= contracts["used_mw"] - 1e-6).all()


def test_default_service_balances_demand_and_capacity(default_run):
    scenario, result = default_run
    served = result.service.groupby(["demand_id", "year"])["mw"].sum()
    unserved = result.unserved.set_index(["demand_id", "year"])["mw"]
    demand = scenario.demand_mw.set_index(["demand_id", "year"])["mw"]
    total = served.reindex(demand.index, fill_value=0) + unserved.reindex(demand.index, fill_value=0)
    assert np.allclose(total, demand, atol=1e-6)
    by_region = result.service.groupby(["region_id", "year"])["mw"].sum()
    capacity = result.capacity.set_index(["region_id", "year"])["capacity_mw"]
    assert (by_region <= capacity.reindex(by_region.index) + 1e-6).all()
    assert result.service["gpus"].sum() == pytest.approx(
        (result.service["mw"] * 1000 / 1.275).sum(), abs=len(result.service)
    )


def test_default_objective_recomputed_from_result_tables(default_run):
    """Price the plan from the inputs and the result tables, without the model's expressions."""
    scenario, result = default_run
    config = scenario.config
    weight = lambda years: years.map(lambda t: discount_factor(config.discount_rate, config.first_year, t))  # noqa: E731
    mwh_per_mw = 8760 * config.load_factor
    regions = scenario.regions.set_index("region_id")
    tariffs = scenario.tariffs.set_index("region_id")
    plan = result.capacity.join(regions, on="region_id")
    opened = plan[plan["capacity_mw"] > 0].groupby("region_id")["year"].min()  # the fixed cost falls then
    expected = {
        "fixed": (weight(opened) * regions.loc[opened.index, "fixed_cost_usd"]).sum(),
        "capex": (weight(plan["year"]) * plan["capex_usd_per_mw"] * plan["added_mw"]).sum(),
        "unserved": (
            weight(result.unserved["year"]) * config.unserved_penalty_usd_per_mw_year * result.unserved["mw"]
        ).sum(),
    }
    paths = result.table("capacity_by_path").merge(scenario.interconnection, on=["region_id", "path_id", "kind"])
    w, mwh = weight(paths["year"]), mwh_per_mw * paths["supply_mw"]
    grid = paths["kind"] != "onsite"
    price = paths["energy_price_usd_per_mwh"].fillna(paths["region_id"].map(tariffs["energy_price_usd_per_mwh"]))
    expected["energy"] = (w * price * (1 - paths["curtailment_share"]) * mwh)[grid].sum()
    expected["curtailment"] = (w * paths["curtailment_share"] * paths["curtailment_cost_usd_per_mwh"] * mwh).sum()
    expected["onsite_generation"] = (
        w * (paths["capex_usd_per_mw"] * paths["added_mw"] + paths["energy_price_usd_per_mwh"] * mwh)
    )[~grid].sum()
    expected["interconnection"] = (w * paths["capex_usd_per_mw"] * paths["added_mw"])[grid].sum()
    contracts = result.table("contracts").join(tariffs, on="region_id")
    w = weight(contracts["year"])
    expected["capacity_charge"] = (w * 365 * contracts["capacity_price_usd_per_mw_day"] * contracts["used_mw"]).sum()
    expected["min_take_shortfall"] = (
        w * 365 * contracts["capacity_price_usd_per_mw_day"] * (contracts["billed_mw"] - contracts["used_mw"])
    ).sum()
    upgrades = result.table("upgrades")
    expected["upgrade"] = (weight(upgrades["year"]) * upgrades["data_center_usd"]).sum()
    water = result.table("water").join(regions["water_cost_usd_per_megalitre"], on="region_id")
    expected["water"] = (
        weight(water["year"]) * water["water_cost_usd_per_megalitre"] * water["water_megalitres"]
    ).sum()
    last = config.last_year  # straight-line salvage: capex of the life left after the last year, credited then
    left = (plan["year"] + plan["asset_life_years"] - 1 - last).clip(lower=0) / plan["asset_life_years"]
    at_last = discount_factor(config.discount_rate, config.first_year, last)
    expected["salvage"] = -at_last * (plan["capex_usd_per_mw"] * plan["added_mw"] * left).sum()
    reported = result.costs.groupby("component")["discounted_usd"].sum()
    for name, usd in expected.items():
        assert reported.get(name, 0.0) == pytest.approx(usd, rel=1e-6, abs=1.0), name
    assert set(reported.index) <= set(expected)
    assert sum(expected.values()) == pytest.approx(result.summary["objective_usd"], rel=1e-6)
    assert reported.sum() == pytest.approx(result.summary["objective_usd"], rel=1e-9)
    # One row per cost term, also where a key has terms in Pyomo and in an array block (onsite capex and fuel).
    assert not result.costs.duplicated(["component", "region_id", "year"]).any()
    # Components come in the one order tables and reports use, and that order knows them all.
    listed = list(result.costs["component"].drop_duplicates())
    assert listed == [c for c in COMPONENTS if c in listed]
