"""Interconnection paths, power limits, tariffs, cost allocation, GPUs and PUE, carbon:
small cases whose optimum or cost is worked out by hand in each docstring."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from scenario_factory import write_scenario

from optimizer import load_scenario, solve
from optimizer.studies.whatif import run_whatif
from reports.deltas import whatif_files

HOURS = 8760


def run(tmp_path, **kwargs):
    return solve(load_scenario(write_scenario(tmp_path / "case", **kwargs)))


def component(result, name: str) -> float:
    costs = result.costs
    return float(costs.loc[costs["component"] == name, "discounted_usd"].sum())


def path(region, path_id, kind, lead, max_mw=100.0, **extra):
    return {"region_id": region, "path_id": path_id, "kind": kind, "lead_time_years": lead, "max_mw": max_mw} | extra


@pytest.mark.parametrize(("curtailment_cost", "expected"), [(1.0, 876.0), (2.0, 1000.0)])
def test_flexible_path_beats_the_queue_only_when_curtailment_is_cheaper_than_waiting(
    tmp_path, curtailment_cost, expected
):
    """10 MW needed in 2026 and 2027; the queue connects in 2027. Waiting leaves 2026 unserved:
    10 MW * 100 = 1000. The flexible path serves 2026 at once but 1% of its energy is curtailed:
    0.01 * 8760 h * 10 MW * cost = 876 * cost; in 2027 the queue takes over. Flexible wins iff 876 * cost < 1000."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", 2026, 10), ("d", 2027, 10)],
        tables={
            "interconnection": [
                path("r", "queue", "queue", 1),
                path("r", "flex", "flexible", 0, curtailment_share=0.01, curtailment_cost_usd_per_mwh=curtailment_cost),
            ]
        },
        last_year=2027,
        unserved_penalty_usd_per_mw_year=100,
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)
    by_path = result.table("capacity_by_path").set_index(["path_id", "year"])
    flexible_used = by_path.loc[("flex", 2026), "supply_mw"] > 0
    assert flexible_used == (expected < 1000)
    assert by_path.loc[("flex", 2027), "supply_mw"] == 0  # the queue replaces it once connected


def test_onsite_bridge_generation_until_the_grid_arrives_and_its_emissions(tmp_path):
    """Load factor 0.5: 4380 MWh per MW-year. 2026: onsite only (capex 10/MW * 10 MW = 100, fuel 50 $/MWh:
    50 * 4380 * 10 = 2,190,000). 2027: grid energy at 30 $/MWh: 1,314,000 (cheaper than fuel). Total 3,504,100.
    Emissions: 2026 at 400 kg/MWh: 17,520 t; 2027 at the grid's 300 kg/MWh: 13,140 t."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r", "emission_kg_per_mwh": 300}],
        demand=[("d", 2026, 10), ("d", 2027, 10)],
        tables={
            "interconnection": [
                path("r", "grid", "queue", 1),
                path(
                    "r", "gas", "onsite", 0, capex_usd_per_mw=10, energy_price_usd_per_mwh=50, emission_kg_per_mwh=400
                ),
            ],
            "tariffs": [{"region_id": "r", "energy_price_usd_per_mwh": 30}],
        },
        last_year=2027,
        load_factor=0.5,
    )
    assert result.summary["objective_usd"] == pytest.approx(3_504_100)
    assert component(result, "onsite_generation") == pytest.approx(2_190_100)
    assert component(result, "energy") == pytest.approx(1_314_000)
    emissions = result.table("emissions").set_index("year")["emissions_t"]
    assert emissions[2026] == pytest.approx(17_520) and emissions[2027] == pytest.approx(13_140)


CARBON_REGIONS = [
    {"region_id": "coal", "emission_kg_per_mwh": 800},
    {"region_id": "hydro", "emission_kg_per_mwh": 100},
]
CARBON_TARIFFS = {
    "tariffs": [
        {"region_id": "coal", "energy_price_usd_per_mwh": 30},
        {"region_id": "hydro", "energy_price_usd_per_mwh": 40},
    ]
}


@pytest.mark.parametrize(
    ("price", "winner", "expected"), [(10, "coal", 2_628_000 + 700_800), (20, "hydro", 3_504_000 + 175_200)]
)
def test_carbon_price_moves_load_to_the_cleaner_grid(tmp_path, price, winner, expected):
    """10 MW all year (87,600 MWh): coal costs 2,628,000 and emits 70,080 t; hydro 3,504,000 and 8,760 t.
    Break-even carbon price 876,000 / 61,320 t = 14.29 USD/t."""
    result = run(
        tmp_path, regions=CARBON_REGIONS, demand=[("d", 2026, 10)], tables=CARBON_TARIFFS, carbon_price_usd_per_t=price
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)
    assert result.service["region_id"].tolist() == [winner]


def test_carbon_cap_forces_a_mix(tmp_path):
    """Cap 30,000 t: x MW at coal emits 7,008 x t, hydro 876 (10 - x) t, so x <= 21,240 / 6,132.
    Cost 3,504,000 - 87,600 x at that x."""
    result = run(
        tmp_path, regions=CARBON_REGIONS, demand=[("d", 2026, 10)], tables=CARBON_TARIFFS, carbon_cap_t_per_year=30_000
    )
    x = 21_240 / 6_132
    assert result.summary["objective_usd"] == pytest.approx(3_504_000 - 87_600 * x)
    assert result.table("emissions")["emissions_t"].sum() == pytest.approx(30_000)


def minimum_take_case(tmp_path, ramp_years: int):
    return run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", 2026, 30), ("d", 2027, 60), ("d", 2028, 90)],
        tables={
            "interconnection": [path("r", "grid", "queue", 0, max_mw=200, module_mw=100)],
            "tariffs": [
                {
                    "region_id": "r",
                    "demand_charge_usd_per_mw_month": 10,
                    "min_take_share": 0.85,
                    "contract_years": 10,
                    "ramp_years": ramp_years,
                }
            ],
        },
        last_year=2028,
    )


def test_minimum_take_bills_a_contract_larger_than_use(tmp_path):
    """A 100 MW connection block is contracted in 2026 while use ramps 30, 60, 90 MW. Billing demand is
    max(use, 85% of 100) = 85, 85, 90. Demand charges at 120 USD/MW-year: on use 120 * 180 = 21,600;
    shortfall 120 * (55 + 25) = 9,600."""
    result = minimum_take_case(tmp_path, ramp_years=0)
    assert component(result, "demand_charge") == pytest.approx(21_600)
    assert component(result, "min_take_shortfall") == pytest.approx(9_600)
    contracts = result.table("contracts").set_index("year")
    assert contracts["contracted_mw"].tolist() == [100, 100, 100]
    assert contracts["billed_mw"].tolist() == pytest.approx([85, 85, 90])
    assert (contracts["contracted_mw"] >= contracts["used_mw"]).all()


def test_a_ramped_minimum_take_follows_the_load_up(tmp_path):
    """With a 4-year ramp the floor is 85% * 100 * (1, 2, 3)/4 = 21.25, 42.5, 63.75 MW, below use: no shortfall."""
    result = minimum_take_case(tmp_path, ramp_years=4)
    assert component(result, "min_take_shortfall") == pytest.approx(0)
    assert result.summary["objective_usd"] == pytest.approx(21_600)


UPGRADE_CASE = dict(
    regions=[{"region_id": "r", "capex_usd_per_mw": 5}],
    demand=[("d", 2026, 10)],
    tables={"tariffs": [{"region_id": "r", "upgrade_cost_usd_per_mw": 1000}]},
)


@pytest.mark.parametrize(
    ("allocation", "extra", "data_center_share"),
    [
        ("participant_funding", {}, 1.0),
        ("socialized", {"socialized_data_center_share": 0.25}, 0.25),
        (0.4, {}, 0.4),
    ],
)
def test_cost_allocation_moves_exactly_the_upgrade_share(tmp_path, allocation, extra, data_center_share):
    """The same 10 MW plan (capex 50) carries 10,000 of upgrades; the data center pays its share of it."""
    result = run(tmp_path, **UPGRADE_CASE, cost_allocation=allocation, **extra)
    assert result.summary["objective_usd"] == pytest.approx(50 + 10_000 * data_center_share)
    upgrades = result.table("upgrades").iloc[0]
    assert upgrades["data_center_usd"] == pytest.approx(10_000 * data_center_share)
    assert upgrades["other_ratepayers_usd"] == pytest.approx(10_000 * (1 - data_center_share))


def test_gpu_demand_pue_and_grid_limits(tmp_path):
    """10,000 GPUs at 1.67 kW = 16.7 IT MW. Zone A allows 12 grid MW at PUE 1.2 = 10 IT MW (capex 1);
    the other 6.7 IT MW go to B (capex 2): 10 + 13.4 = 23.4. GPUs served: 10 / 1.67e-3 and 6.7 / 1.67e-3."""
    folder = write_scenario(
        tmp_path / "gpus",
        regions=[
            {"region_id": "a", "zone_id": "A", "pue": 1.2, "capex_usd_per_mw": 1},
            {"region_id": "b", "zone_id": "B", "pue": 1.5, "capex_usd_per_mw": 2},
        ],
        demand=[("d", 2026, 0)],
        zone_limits=[("A", 2026, 12)],
        tables={"gpus": [{"gpu_id": "gb200", "kw_per_gpu": 1.67}]},
    )
    (folder / "demand.csv").write_text("demand_id,year,mw,gpu_id,gpus\nd,2026,,gb200,10000\n")
    result = solve(load_scenario(folder))
    assert result.summary["objective_usd"] == pytest.approx(23.4)
    capacity = result.capacity.set_index("region_id")
    assert capacity.loc["a", "grid_mw"] == pytest.approx(12)
    assert capacity.loc["b", "grid_mw"] == pytest.approx(6.7 * 1.5)
    gpus = result.service.set_index("region_id")["gpus"]
    assert gpus["a"] == round(10 / 1.67e-3) and gpus["b"] == round(6.7 / 1.67e-3)


def test_local_pool_limit_is_shared_by_its_regions(tmp_path):
    """Columbus and New Albany share a 50 MW pool (capex 1); the other 30 MW go to Dallas (capex 3): 140."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "columbus", "pool_id": "aep_ohio", "capex_usd_per_mw": 1},
            {"region_id": "new_albany", "pool_id": "aep_ohio", "capex_usd_per_mw": 1},
            {"region_id": "dallas", "capex_usd_per_mw": 3},
        ],
        demand=[("d", 2026, 80)],
        tables={"local_limits": [{"pool_id": "aep_ohio", "year": 2026, "limit_mw": 50}]},
    )
    assert result.summary["objective_usd"] == pytest.approx(140)
    capacity = result.capacity.set_index("region_id")["capacity_mw"]
    assert capacity["columbus"] + capacity["new_albany"] == pytest.approx(50)


@pytest.mark.parametrize(("kind", "firm_share", "expected"), [("flexible", 0.5, 60), ("queue", 1.0, 90)])
def test_curtailable_load_counts_against_headroom_by_its_firm_share(tmp_path, kind, firm_share, expected):
    """Zone limit 30 MW. A flexible connection counting 50% firm lets region a (capex 1) take all 60 MW: 60.
    A firm queue connection stops at 30 MW; the rest goes to b in another zone at capex 2: 30 + 60 = 90."""
    result = run(
        tmp_path,
        regions=[
            {"region_id": "a", "zone_id": "Z", "capex_usd_per_mw": 1},
            {"region_id": "b", "zone_id": "Y", "capex_usd_per_mw": 2},
        ],
        demand=[("d", 2026, 60)],
        zone_limits=[("Z", 2026, 30)],
        tables={"interconnection": [path("a", "p", kind, 0, firm_share=firm_share)]},
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)


def test_a_tariff_can_override_the_allocation_regime(tmp_path):
    """Socialized everywhere (data center pays 0%), but this utility makes the causer pay: 50 + 10,000."""
    case = UPGRADE_CASE | {
        "tables": {"tariffs": [{"region_id": "r", "upgrade_cost_usd_per_mw": 1000, "data_center_upgrade_share": 1}]}
    }
    result = run(tmp_path, **case, cost_allocation="socialized")
    assert result.summary["objective_usd"] == pytest.approx(10_050)


def test_infeasibility_names_the_missing_interconnection(tmp_path):
    """Power arrives only in 2028 through the one path: 2026 demand cannot be met."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", 2026, 10)],
        tables={"interconnection": [path("r", "queue", "queue", 2)]},
    )
    assert result.summary["status"] == "infeasible"
    assert "needs 10 MW in 2026" in result.summary["message"] and "at most 0 MW" in result.summary["message"]


@pytest.mark.parametrize(("kind", "expected"), [("onsite", 10.0), ("queue", 1000.0)])
def test_a_blank_firm_share_counts_onsite_generation_outside_grid_headroom(tmp_path, kind, expected):
    """The zone has no headroom (limit 0). Onsite generation (blank firm share = 0, fuel stated as free) serves
    the 10 MW at capex 1; a queue path (blank = 1) cannot, so the 10 MW go unserved at 100: 1000."""
    result = run(
        tmp_path,
        regions=[{"region_id": "a", "zone_id": "Z", "capex_usd_per_mw": 1}],
        demand=[("d", 2026, 10)],
        zone_limits=[("Z", 2026, 0)],
        tables={"interconnection": [path("a", "p", kind, 0, energy_price_usd_per_mwh=0)]},
        unserved_penalty_usd_per_mw_year=100,
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)


FLEXIBLE_CHARGES = {
    "region_id": "r",
    "demand_charge_usd_per_mw_month": 10,
    "capacity_price_usd_per_mw_day": 1,
    "min_take_share": 0.85,
    "contract_years": 10,
    "upgrade_cost_usd_per_mw": 1000,
}


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("flexible", {"firm_share": 0.5, "curtailment_share": 0.01, "curtailment_cost_usd_per_mwh": 2}, 15_874.5),
        ("queue", {}, 28_245),
    ],
)
def test_a_flexible_connection_pays_charges_minimum_take_and_upgrades_on_its_firm_share(
    tmp_path, kind, extra, expected
):
    """10 MW in 2026 through one path connected in 20 MW blocks; charges 120 + 365 = 485 USD per MW-year,
    85% minimum take, upgrades 1000 USD/MW paid in full. Flexible, firm share 0.5: firm MW drawn 5, contracted
    10. Demand charge 120 * 5 = 600, capacity 365 * 5 = 1825, floor 8.5 so shortfall 3.5 * 485 = 1697.5,
    upgrade 1000 * 10 = 10,000, curtailment 0.01 * 8760 * 10 * 2 = 1752: 15,874.5. A firm queue path pays on
    every MW: 1200 + 3650 + (17 - 10) * 485 + 20,000 = 28,245."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", 2026, 10)],
        tables={
            "interconnection": [path("r", "p", kind, 0, module_mw=20, **extra)],
            "tariffs": [FLEXIBLE_CHARGES],
        },
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)
    firm = extra.get("firm_share", 1.0)
    contract = result.table("contracts").iloc[0]
    assert (contract["contracted_mw"], contract["used_mw"]) == pytest.approx((20 * firm, 10 * firm))
    assert result.table("upgrades").iloc[0]["new_contract_mw"] == pytest.approx(20 * firm)


def bridge_case(tmp_path, releasable: int, **config):
    """A 10 MW flexible bridge (firm share 0.5) in 2026, then a 25 MW queue block from 2027; load 10, 20, 20 MW
    under an 85% minimum take of ten years and a demand charge of 120 USD per MW-year."""
    return run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", 2026, 10), ("d", 2027, 20), ("d", 2028, 20)],
        tables={
            "interconnection": [
                path("r", "flex", "flexible", 0, max_mw=10, firm_share=0.5, releasable=releasable),
                path("r", "queue", "queue", 1, max_mw=25, module_mw=25),
            ],
            "tariffs": [
                {"region_id": "r", "demand_charge_usd_per_mw_month": 10, "min_take_share": 0.85, "contract_years": 10}
            ],
        },
        last_year=2028,
        unserved_penalty_usd_per_mw_year=1e6,
        **config,
    )


@pytest.mark.parametrize(("releasable", "expected"), [(1, 5700), (0, 6720)])
def test_a_released_flexible_bridge_leaves_the_contract_and_its_minimum_take(tmp_path, releasable, expected):
    """2026: the flexible path serves 10 MW: firm MW drawn and contracted 0.5 * 10 = 5, charge 120 * 5 = 600.
    2027-28: the queue block serves 20 MW. Released, the bridge leaves the contract: 25 MW contracted, billed
    max(20, 0.85 * 25 = 21.25) = 21.25, 2550 a year: 600 + 5100 = 5700. Kept (releasable 0): 30 MW contracted,
    billed 0.85 * 30 = 25.5 whatever the paths draw, 3060 a year: 600 + 6120 = 6720."""
    result = bridge_case(tmp_path, releasable)
    assert result.summary["objective_usd"] == pytest.approx(expected)
    contracts = result.table("contracts").set_index("year")
    flex = result.table("capacity_by_path").set_index(["path_id", "year"]).loc["flex"]
    if releasable:
        assert contracts["contracted_mw"].tolist() == pytest.approx([5, 25, 25])
        assert contracts["billed_mw"].tolist() == pytest.approx([5, 21.25, 21.25])
        assert flex["capacity_mw"].tolist() == [10, 0, 0] and flex["released_mw"].tolist() == [0, 10, 0]
    else:
        assert contracts["contracted_mw"].tolist() == pytest.approx([5, 30, 30])
        assert flex["capacity_mw"].tolist() == [10, 10, 10]


@pytest.mark.parametrize(("releasable", "expected"), [(1, 526_600), (0, 527_600)])
def test_an_onsite_bridge_is_released_when_the_grid_arrives(tmp_path, releasable, expected):
    """10 MW all year, 2026-2029. Onsite turbines (leased at 50 USD per MW-year, fuel 2 USD/MWh) bridge
    2026-27: 2 * 87,600 + 500 = 175,700 a year. The queue arrives in 2028 (grid energy 1 USD/MWh: 87,600
    a year) and the turbines are released, so their lease stops: 2 * 175,700 + 2 * 87,600 = 526,600.
    Not releasable, the lease runs on in 2028-29: 527,600."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", t, 10) for t in range(2026, 2030)],
        tables={
            "interconnection": [
                path("r", "grid", "queue", 2),
                path(
                    "r",
                    "gas",
                    "onsite",
                    0,
                    max_mw=10,
                    energy_price_usd_per_mwh=2,
                    opex_usd_per_mw_year=50,
                    releasable=releasable,
                ),
            ],
            "tariffs": [{"region_id": "r", "energy_price_usd_per_mwh": 1}],
        },
        last_year=2029,
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)
    gas = result.table("capacity_by_path").set_index(["path_id", "year"]).loc["gas"]
    assert gas["supply_mw"].tolist() == [10, 10, 0, 0]
    assert gas["capacity_mw"].tolist() == ([10, 10, 0, 0] if releasable else [10, 10, 10, 10])


@pytest.mark.parametrize(("releasable", "expected"), [(1, 0), (0, 1000)])
def test_a_released_bridge_frees_its_zone_headroom(tmp_path, releasable, expected):
    """Zone limit 20 MW every year. A firm flexible bridge (10 MW) serves 2026; the queue's one 20 MW block
    arrives in 2027 for 20 MW of load. Released, the bridge frees its 10 MW of headroom and the block fits:
    nothing unserved, 0. Kept, 10 + 20 > 20: the block cannot connect and 10 MW go unserved in one of the
    two years at 100: 1000."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", 2026, 10), ("d", 2027, 20)],
        zone_limits=[("Z", 2026, 20), ("Z", 2027, 20)],
        tables={
            "interconnection": [
                path("r", "flex", "flexible", 0, max_mw=10, firm_share=1, releasable=releasable),
                path("r", "queue", "queue", 1, max_mw=20, module_mw=20),
            ]
        },
        last_year=2027,
        unserved_penalty_usd_per_mw_year=100,
    )
    assert result.summary["objective_usd"] == pytest.approx(expected)
    held = result.table("power_limits").set_index("year")["used_mw"]
    assert (held <= 20 + 1e-6).all()
    if releasable:
        assert held[2027] == pytest.approx(20)


WATER_REGIONS = [
    # evaporative cooling, 2 L/kWh, water at 0.01 USD/ML: 17.52 ML per MW-year, 1.1752 USD per MW all in
    {
        "region_id": "a",
        "basin_id": "colorado",
        "capex_usd_per_mw": 1,
        "wue_l_per_kwh": 2,
        "water_cost_usd_per_megalitre": 0.01,
    },
    {"region_id": "b", "capex_usd_per_mw": 2},  # dry cooling: no water
]


@pytest.mark.parametrize("limit", [{"basin_id": "colorado"}, {"region_id": "a"}])
def test_a_water_limit_caps_an_evaporatively_cooled_site(tmp_path, limit):
    """10 MW all year (8760 h). At a, 1 MW draws 2 L/kWh * 8760 MWh * 1000 kWh/MWh = 17.52 ML a year and costs
    1 + 0.1752 = 1.1752; b costs 2. A limit of 87.6 ML (on a's basin, or on a itself) lets a host 87.6 / 17.52
    = 5 MW; the other 5 go to b: 5 * 1.1752 + 5 * 2 = 15.876."""
    result = run(
        tmp_path,
        regions=WATER_REGIONS,
        demand=[("d", 2026, 10)],
        tables={"water_limits": [limit | {"year": 2026, "limit_megalitres": 87.6}]},
    )
    assert result.summary["objective_usd"] == pytest.approx(15.876)
    water = result.table("water").set_index("region_id")["water_megalitres"]
    assert water["a"] == pytest.approx(87.6) and water["b"] == 0
    assert component(result, "water") == pytest.approx(0.876)


def test_water_cost_moves_load_to_a_dry_cooled_site(tmp_path):
    """Water at 1 USD/ML makes a cost 1 + 17.52 = 18.52 per MW against b's 2: all 10 MW go to b, 20."""
    regions = [WATER_REGIONS[0] | {"water_cost_usd_per_megalitre": 1}, WATER_REGIONS[1]]
    result = run(tmp_path, regions=regions, demand=[("d", 2026, 10)])
    assert result.summary["objective_usd"] == pytest.approx(20)
    assert result.service["region_id"].tolist() == ["b"]


PERSPECTIVE_CASE = dict(
    regions=[{"region_id": "a", "capex_usd_per_mw": 100}, {"region_id": "b", "capex_usd_per_mw": 600}],
    demand=[("d", 2026, 10)],
    tables={"tariffs": [{"region_id": "a", "upgrade_cost_usd_per_mw": 1000}]},
    cost_allocation="socialized",
    socialized_data_center_share=0.25,
)


@pytest.mark.parametrize(
    ("perspective", "region", "developer", "system"), [("developer", "a", 3500, 11_000), ("system", "b", 6000, 6000)]
)
def test_the_cost_perspective_decides_whose_upgrade_costs_count(tmp_path, perspective, region, developer, system):
    """10 MW. Region a: capex 100/MW plus upgrades of 1000/MW, of which the data center pays 25%: 350/MW to the
    developer, 1100/MW to the system. Region b: capex 600/MW, no upgrades. The developer's plan is a (3500; the
    system pays 3500 + 7500 of other ratepayers' upgrades = 11,000); the system's plan is b (6000 either way).
    The summary states both totals of the chosen plan; costs.csv holds what the objective counts."""
    result = run(tmp_path, **PERSPECTIVE_CASE, cost_perspective=perspective)
    summary = result.summary
    assert result.service["region_id"].tolist() == [region]
    assert summary["objective_usd"] == pytest.approx(developer if perspective == "developer" else system)
    assert (summary["developer_cost_usd"], summary["system_cost_usd"]) == pytest.approx((developer, system))
    assert result.costs["discounted_usd"].sum() == pytest.approx(summary["objective_usd"])


def test_whatif_shows_how_the_plan_moves_under_the_system_view(tmp_path):
    """`gridsite whatif --set cost_perspective=system` on the case above: the base (developer) plan builds a
    at a system cost of 11,000, the variant b; the comparison names a dropped and b opened."""
    base = load_scenario(write_scenario(tmp_path / "case", **PERSPECTIVE_CASE))
    outcome = run_whatif(base, ["cost_perspective = system"], "system", tmp_path / "out", files=whatif_files)
    assert outcome.variant.service["region_id"].tolist() == ["b"]
    assert outcome.variant.summary["cost_perspective"] == "system"
    base_plan = pd.read_csv(tmp_path / "out" / "base" / "service.csv")
    assert base_plan["region_id"].tolist() == ["a"]
    base_summary = json.loads((tmp_path / "out" / "base" / "summary.json").read_text())
    assert base_summary["system_cost_usd"] == pytest.approx(11_000)
    changed = pd.read_csv(outcome.variant_dir / "regions_changed.csv").set_index("region_id")["change"]
    assert changed.to_dict() == {"a": "dropped", "b": "opened"}


def test_a_modular_path_is_released_in_whole_blocks(tmp_path):
    """A flexible path in 10 MW blocks (opex 100 per MW-year) serves 20 MW in 2026: 2000. In 2027 a 7 MW queue
    path (no cost) arrives and the load is 15 MW, so the path must still carry 8 MW: it keeps one whole block and
    releases the other, opex 1000 (keeping 8 MW, were release continuous, would cost 800). Total 3000."""
    result = run(
        tmp_path,
        regions=[{"region_id": "r"}],
        demand=[("d", 2026, 20), ("d", 2027, 15)],
        tables={
            "interconnection": [
                path("r", "flex", "flexible", 0, max_mw=20, module_mw=10, opex_usd_per_mw_year=100),
                path("r", "queue", "queue", 1, max_mw=7),
            ]
        },
        last_year=2027,
    )
    assert result.summary["objective_usd"] == pytest.approx(3000)
    flex = result.table("capacity_by_path").set_index(["path_id", "year"]).loc["flex"]
    assert flex["capacity_mw"].tolist() == [20, 10] and flex["released_mw"].tolist() == [0, 10]
