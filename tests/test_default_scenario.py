"""The shipped default scenario: it is what data/build_default.py derives, it solves to optimality,
and its solution satisfies every constraint of the contract, checked here on the result tables."""

from __future__ import annotations

import filecmp
import importlib.util

import numpy as np
import pytest

from conftest import REPO
from formulations.lead_times import first_build_year
from formulations.objective import discount_factor


def test_default_data_is_what_the_build_script_derives(tmp_path):
    spec = importlib.util.spec_from_file_location("build_default", REPO / "data" / "build_default.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    shipped = REPO / "data" / "default"
    names = sorted(p.name for p in shipped.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(shipped, tmp_path, names, shallow=False)
    assert mismatch == [] and errors == []


def test_default_has_the_promised_breadth(default_run):
    scenario, _ = default_run
    assert len(scenario.regions) >= 20
    assert {"PJM", "ERCOT", "MISO", "SPP", "CAISO", "TVA", "Southeast", "West"} <= set(scenario.regions["zone_id"])
    assert scenario.config.years == list(range(2026, 2036))


def test_default_solves_to_optimality(default_run):
    _, result = default_run
    assert result.summary["status"] == "optimal"
    assert result.summary["mip_gap"] <= result.summary["solver"]["mip_rel_gap"] + 1e-12


def test_default_plan_respects_site_limits_modules_and_lead_times(default_run):
    scenario, result = default_run
    plan = result.capacity.merge(scenario.regions, on="region_id")
    assert (plan["capacity_mw"] <= plan["max_mw"] + 1e-6).all()
    modules = plan["added_mw"] / plan["module_mw"]
    assert np.allclose(modules, modules.round(), atol=1e-6)
    opens = plan.apply(lambda row: first_build_year(scenario.config.first_year, row["lead_time_years"]), axis=1)
    assert (plan.loc[plan["year"] < opens, "added_mw"] == 0).all()
    cumulative = plan.sort_values("year").groupby("region_id")["added_mw"].cumsum()
    assert np.allclose(cumulative, plan.sort_values("year")["capacity_mw"])


def test_default_plan_respects_zone_limits(default_run):
    scenario, result = default_run
    zone_mw = result.capacity.merge(scenario.regions[["region_id", "zone_id"]]).groupby(["zone_id", "year"])[
        "capacity_mw"
    ].sum()
    limits = scenario.zone_limits.set_index(["zone_id", "year"])["limit_mw"]
    assert (zone_mw.reindex(limits.index) <= limits + 1e-6).all()


def test_default_service_balances_demand_and_capacity(default_run):
    scenario, result = default_run
    served = result.service.groupby(["demand_id", "year"])["mw"].sum()
    unserved = result.unserved.set_index(["demand_id", "year"])["mw"]
    demand = scenario.demand.set_index(["demand_id", "year"])["mw"]
    total = served.reindex(demand.index, fill_value=0) + unserved.reindex(demand.index, fill_value=0)
    assert np.allclose(total, demand, atol=1e-6)
    by_region = result.service.groupby(["region_id", "year"])["mw"].sum()
    capacity = result.capacity.set_index(["region_id", "year"])["capacity_mw"]
    assert (by_region <= capacity.reindex(by_region.index) + 1e-6).all()


def test_default_objective_recomputed_from_result_tables(default_run):
    """Independent of the model's expressions: price the plan from the inputs and compare."""
    scenario, result = default_run
    config = scenario.config
    regions = scenario.regions.set_index("region_id")
    plan = result.capacity.join(regions, on="region_id")
    factor = plan["year"].map(lambda t: discount_factor(config.discount_rate, config.first_year, t))
    built = plan.groupby("region_id")["capacity_mw"].max() > 0
    total = regions.loc[built[built].index, "fixed_cost_usd"].sum()
    total += (factor * (plan["capex_usd_per_mw"] * plan["added_mw"] + plan["opex_usd_per_mw_year"] * plan["capacity_mw"])).sum()
    unserved_factor = result.unserved["year"].map(lambda t: discount_factor(config.discount_rate, config.first_year, t))
    total += config.unserved_penalty_usd_per_mw_year * (unserved_factor * result.unserved["mw"]).sum()
    assert total == pytest.approx(result.summary["objective_usd"], rel=1e-7)
    assert result.costs["discounted_usd"].sum() == pytest.approx(result.summary["objective_usd"], rel=1e-9)
