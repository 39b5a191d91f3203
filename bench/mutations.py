"""Mutated inputs for fuzzing gridsite's input handling (bench/fuzz.py, tests/test_fuzz.py).

`draw_case(rng)` takes a small scenario that uses every table and key, changes one thing (a cell,
an id everywhere it is used, a file's structure or encoding, a scenario.yaml key, a --set edit, a
`base:` variant, a sweep file or a command-line option) and says whether the result is `valid`,
`invalid` or `either`. That verdict restates docs/contract.md independently of gridsite's own
checks, which is what lets a fuzz run count wrongly accepted and wrongly rejected inputs; values
near a stated bound, or whose effect depends on other rows, are `either`.

`rng` is any `random.Random`: seeded in bench/fuzz.py, hypothesis's `randoms()` in the tests.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field

import yaml

VALID, INVALID, EITHER = "valid", "invalid", "either"
SCENARIO, VARIANT, SWEEP = "s", "v", "study.yaml"  # paths below a case's root folder

CONFIG = {
    "name": "fuzz",
    "first_year": 2026,
    "last_year": 2027,
    "discount_rate": 0.05,
    "unserved_penalty_usd_per_mw_year": 1000,
    "load_factor": 0.9,
    "cost_allocation": "socialized",
    "socialized_data_center_share": 0.5,
    "carbon_price_usd_per_t": 10,
    "carbon_cap_t_per_year": 1000000,
    "solver": {"mip_rel_gap": 0.01, "time_limit_s": 20, "threads": 1, "method": "direct"},
}
TABLES = {
    "regions": (
        "region_id,zone_id,lat,lon,max_mw,fixed_cost_usd,capex_usd_per_mw,opex_usd_per_mw_year,"
        "lead_time_years,module_mw,pue,pool_id,emission_kg_per_mwh\n"
        "a,PJM,39.0,-77.5,100,10,1,0.1,1,,1.2,aep,400\n"
        "b,ERCOT,32.9,-97.0,100,20,2,0.1,0,40,1.1,,300\n"
        "c,PJM,40.0,-80.0,60,5,3,0.2,0,,1.0,aep,500\n"
    ),
    "demand": "demand_id,year,mw,gpu_id,gpus\nus,2026,50,,\nus,2027,80,,\neu,2026,,h100,10000\neu,2027,,h100,20000\n",
    "gpus": "gpu_id,kw_per_gpu\nh100,1.275\ngb200,1.667\n",
    "zone_limits": "zone_id,year,limit_mw\nPJM,2027,150\n",
    "local_limits": "pool_id,year,limit_mw\naep,2026,80\n",
    "interconnection": (
        "region_id,path_id,kind,lead_time_years,max_mw,module_mw,capex_usd_per_mw,energy_price_usd_per_mwh,"
        "emission_kg_per_mwh,curtailment_share,curtailment_cost_usd_per_mwh,firm_share\n"
        "b,q,queue,0,80,,1,,,0,0,\n"
        "b,f,flexible,0,50,,0.5,,,0.1,5,0.5\n"
        "c,g,onsite,1,40,20,2,30,450,0,0,\n"
    ),
    "tariffs": (
        "region_id,energy_price_usd_per_mwh,demand_charge_usd_per_mw_month,capacity_price_usd_per_mw_day,"
        "min_take_share,contract_years,ramp_years,upgrade_cost_usd_per_mw,data_center_upgrade_share\n"
        "a,40,10,1,0.5,2,1,3,\nb,30,8,0,0,0,0,1,1\n"
    ),
    "service_costs": "demand_id,region_id,usd_per_mw_year\nus,a,1\nus,b,2\nus,c,1\neu,a,3\neu,b,1\neu,c,2\n",
}
# What each column holds (docs/contract.md), and whether a blank cell is valid, invalid or either.
KIND = {
    "lat": "lat",
    "lon": "lon",
    "pue": "pue",
    "year": "year",
    "kind": "kind",
    "module_mw": "positive",
    "kw_per_gpu": "positive",
    "curtailment_share": "open_share",
    "contract_years": "count",
    "ramp_years": "count",
}
SHARES = ("min_take_share", "data_center_upgrade_share", "firm_share")
BLANK_OK = {"module_mw", "firm_share", "data_center_upgrade_share"}
BLANK_EITHER = {"mw", "gpus", "gpu_id"}  # demand: mw, or gpus with gpu_id
INTERCONNECTION_BLANK_OK = {"energy_price_usd_per_mwh", "emission_kg_per_mwh"}
REQUIRED_COLUMNS = {
    "regions": {"region_id", "zone_id", "lat", "lon", "max_mw"},
    "demand": {"demand_id", "year"},
    "interconnection": {"region_id", "path_id", "kind", "lead_time_years", "max_mw"},
    "tariffs": {"region_id"},
}
# Id spaces: every (table, column) holding ids of one kind, the first the one that lists them.
ID_SPACES = (
    (
        ("regions", "region_id"),
        ("interconnection", "region_id"),
        ("tariffs", "region_id"),
        ("service_costs", "region_id"),
    ),
    (("demand", "demand_id"), ("service_costs", "demand_id")),
    (("gpus", "gpu_id"), ("demand", "gpu_id")),
    (("regions", "zone_id"), ("zone_limits", "zone_id")),
    (("regions", "pool_id"), ("local_limits", "pool_id")),
    (("interconnection", "path_id"),),
)
ID_COLUMNS = {place for space in ID_SPACES for place in space}

# Text any id may be (once renamed everywhere): what pandas reads as missing, spreadsheet formulas,
# mathtext, markup, paths, format fields, other scripts.
ODD_IDS = [
    "NA", "null", "None", "nan", "N/A", "#N/A", "n/a", "NULL", "-nan", "<NA>",
    '=HYPERLINK("http://example.com","x")', "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)",
    r"$\frac{a$", "$x^2$", "a_b^c", "東京", "ü", "a b", "x" * 300, "'", '"q"', "a,b",
    "<b>x</b>", "<script>alert(1)</script>", "../../etc", "{value}", "%s", "\\", "[x]", "a=b", "#x",
]  # fmt: skip
NOT_NUMBERS = [
    "inf", "-inf", "Infinity", "nan", "NaN", "1e309", "-1e309", "9" * 400, "abc", "true", "yes",
    "0x10", "NA", "null", "#N/A", "1.2.3", "--1", "5 MW", "1e25", "-1e25", "1e400",
]  # fmt: skip


@dataclass(frozen=True)
class Link:
    target: str  # a symbolic link to this path


@dataclass(frozen=True)
class Folder:
    pass


Entry = bytes | Link | Folder


@dataclass
class Case:
    """One input to try: files below a root folder, the command's arguments, the expected verdict,
    and names one of which a rejection must quote (the file, key or edit at fault)."""

    label: str
    expect: str
    files: dict[str, Entry]
    target: str = SCENARIO
    args: list[str] = field(default_factory=list)  # --set edits or options, after the target
    names: tuple[str, ...] = ()


def base_files() -> dict[str, Entry]:
    files: dict[str, Entry] = {f"{SCENARIO}/{stem}.csv": text.encode() for stem, text in TABLES.items()}
    return files | {f"{SCENARIO}/scenario.yaml": yaml.safe_dump(CONFIG, sort_keys=False).encode()}


def rows(stem: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(TABLES[stem])))


def to_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().encode()


def draw_case(rng: random.Random) -> Case:
    families = (cell, rename, structure, config_key, config_file, edit, variant, sweep, option)
    weights = (26, 8, 14, 14, 4, 12, 8, 9, 5)
    return rng.choices(families, weights)[0](rng)


# Cells ----------------------------------------------------------------------------------------


def kind_of(stem: str, column: str) -> str:
    if (stem, column) in ID_COLUMNS:
        return "id"
    if column in SHARES:
        return "share"
    return KIND.get(column, "number")


def blank_verdict(stem: str, column: str) -> str:
    if column in BLANK_OK or (stem, column) == ("regions", "pool_id"):
        return VALID
    if stem == "interconnection" and column in INTERCONNECTION_BLANK_OK:
        return VALID
    return EITHER if stem == "demand" and column in BLANK_EITHER else INVALID


def number_value(rng: random.Random, kind: str) -> tuple[str, str]:
    """A cell for a number column of this kind, and its verdict."""
    good = {
        "number": ["0", "1", "2.5", "42", " 7 ", "1e2", "+5", "0.0001", "-0"],
        "positive": ["1", "2.5", "40", "1e1"],
        "share": ["0", "0.5", "1", "0.25"],
        "open_share": ["0", "0.5", "0.99"],
        "lat": ["-45", "0", "89.9", "39.5"],
        "lon": ["-179", "0", "179.9", "-77"],
        "pue": ["1", "1.5", "2"],
        "year": ["2026", "2027"],
        "count": ["0", "1", "3"],
    }[kind]
    bad = {
        "number": ["-1", "-0.001"],
        "positive": ["0", "-1"],
        "share": ["-0.1", "1.5", "2"],
        "open_share": ["1", "-0.1"],
        "lat": ["91", "-200"],
        "lon": ["181", "-1000"],
        "pue": ["0.9", "0"],
        "year": ["2025", "2028", "2026.5", "0", "-2000000000"],
        "count": ["-1", "2.5"],
    }[kind] + NOT_NUMBERS
    near = ["1e9", "1e13", "٣", "1_000", "1e-400", "99999999999"]  # near a bound or odd spellings
    pool = rng.choice([(good, VALID), (bad, INVALID), (near, EITHER)])
    return rng.choice(pool[0]), pool[1]


def cell(rng: random.Random) -> Case:
    stem = rng.choice(list(TABLES))
    table = rows(stem)
    column = rng.randrange(len(table[0]))
    name = table[0][column]
    row = rng.randrange(1, len(table))
    kind = kind_of(stem, name)
    if rng.random() < 0.15:
        value, expect = rng.choice(["", "   "]), blank_verdict(stem, name)
    elif kind == "id":  # a new id where ids are listed may be valid; elsewhere it names an unknown one
        listing = any(space[0] == (stem, name) for space in ID_SPACES)
        value, expect = rng.choice(["zz", *ODD_IDS]), EITHER if listing else INVALID
    elif kind == "kind":
        value, expect = rng.choice([("queue", VALID), ("colocation", VALID), ("Queue", INVALID), ("magic", INVALID)])
    else:
        value, expect = number_value(rng, kind)
    if expect == VALID and stem == "demand" and name in ("mw", "gpus", "gpu_id", "year"):
        expect = EITHER  # a row in MW given GPUs too, or the reverse; a year another row of its id has
    table[row][column] = value
    files = base_files() | {f"{SCENARIO}/{stem}.csv": to_csv(table)}
    return Case(f"{stem}.csv line {row + 1} {name} = {value[:40]!r}", expect, files, names=(f"{stem}.csv",))


def rename(rng: random.Random) -> Case:
    """An id renamed wherever it is used: any non-blank text not already an id of that kind is valid."""
    space = rng.choice(ID_SPACES)
    listed = rows(space[0][0])
    column = listed[0].index(space[0][1])
    old = rng.choice(sorted({r[column] for r in listed[1:] if r[column]}))
    choice = rng.random()
    if choice < 0.1:
        new, expect = rng.choice(["", "  "]), INVALID
    elif choice < 0.2:
        others = sorted({r[column] for r in listed[1:] if r[column] and r[column] != old})
        new = rng.choice(others) if others else old
        expect = INVALID if space[0][1] in ("region_id", "demand_id", "gpu_id") and new != old else EITHER
    else:
        new, expect = rng.choice(ODD_IDS + [f" {old}x ", "x" * rng.randint(1, 5000)]), VALID
    files = base_files()
    for stem, name in space:
        table = rows(stem)
        at = table[0].index(name)
        for r in table[1:]:
            r[at] = new if r[at] == old else r[at]
        files[f"{SCENARIO}/{stem}.csv"] = to_csv(table)
    return Case(f"rename {space[0][1]} {old} -> {new[:40]!r}", expect, files, names=tuple(f"{s}.csv" for s, _ in space))


def structure(rng: random.Random) -> Case:
    stem = rng.choice(list(TABLES))
    table = rows(stem)
    path = f"{SCENARIO}/{stem}.csv"
    required_table = stem in ("regions", "demand")
    change = rng.choice(
        ["drop column", "header only", "delete", "duplicate row", "empty", "latin-1", "utf-16", "bom", "crlf",
         "blank lines", "unknown column", "shuffle", "truncate", "flip byte", "extra field", "nul", "quoted"]
    )  # fmt: skip
    text = to_csv(table)
    entry: Entry | None = text
    expect = VALID
    if change == "drop column":
        at = rng.randrange(len(table[0]))
        name = table[0][at]
        entry = to_csv([r[:at] + r[at + 1 :] for r in table])
        onsite_fuel = (stem, name) == ("interconnection", "energy_price_usd_per_mwh") and any(
            row[table[0].index("kind")] == "onsite" for row in table[1:]
        )  # an onsite path must state its fuel cost (docs/contract.md)
        required = name in REQUIRED_COLUMNS.get(stem, set(table[0])) or onsite_fuel
        expect = INVALID if required else EITHER if name in ("pool_id", "mw", "gpus", "gpu_id") else VALID
        change += f" {name}"
    elif change == "header only":
        entry = to_csv(table[:1])
        expect = INVALID if stem == "regions" else EITHER if stem in ("demand", "gpus") else VALID
    elif change == "delete":
        entry = None
        expect = INVALID if required_table else EITHER if stem == "gpus" else VALID
    elif change == "duplicate row":
        entry = to_csv(table + [table[1]])
        expect = INVALID
    elif change == "empty":
        entry, expect = b"", INVALID
    elif change == "latin-1":
        entry, expect = to_csv(table + [["é"] * len(table[0])]).decode().encode("latin-1"), INVALID
    elif change == "utf-16":
        entry, expect = text.decode().encode("utf-16"), INVALID
    elif change == "bom":
        entry = b"\xef\xbb\xbf" + text
    elif change == "crlf":
        entry = text.replace(b"\n", b"\r\n")
    elif change == "blank lines":
        entry = text.replace(b"\n", b"\n\n")
    elif change == "unknown column":
        entry = to_csv([r + ["note" if i == 0 else "x"] for i, r in enumerate(table)])
    elif change == "shuffle":
        body = table[1:]
        rng.shuffle(body)
        entry = to_csv(table[:1] + body)
    elif change == "truncate":
        entry, expect = text[: rng.randrange(len(text))], EITHER
    elif change == "flip byte":
        at = rng.randrange(len(text))
        entry, expect = text[:at] + bytes([rng.randrange(256)]) + text[at + 1 :], EITHER
    elif change == "extra field":
        entry, expect = text.replace(b"\n", b",x\n", 2).replace(b",x\n", b"\n", 1), EITHER
    elif change == "nul":
        entry, expect = text.replace(b",", b",\x00", 1), EITHER
    else:  # every cell quoted: the same table
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(table)
        entry = buffer.getvalue().encode()
    files = base_files()
    if entry is None:
        del files[path]
    else:
        files[path] = entry
    return Case(f"{stem}.csv: {change}", expect, files, names=(f"{stem}.csv",))


# scenario.yaml ----------------------------------------------------------------------------------

NOT_YAML_NUMBERS = ["yes", "no", "on", "off", "true", ".inf", "-.inf", ".nan", "1e309", "1.0e+309", "'5'", "[1]",
                    "{a: 1}", "9" * 400, "!!python/object:os.system x", "'0.1'", "null"]  # fmt: skip
KEYS = {  # key -> (valid YAML values, invalid YAML values); every number key also takes NOT_YAML_NUMBERS
    "name": (["x", "'$\\frac{a$'", "'=cmd|x'", "東京", "a" * 500], ["''", "123", "null", "[a]", "yes"]),
    "first_year": (["2026", "2025", "2020"], ["2027", "-2000000000", "0", "2026.0", "'2026'", "1899"]),
    "last_year": (["2027", "2030", "2100"], ["2026", "2200", "9999", "2027.5"]),
    "discount_rate": (["0", "0.1", "5e-2", "1"], ["-0.1", "2"]),
    "unserved_penalty_usd_per_mw_year": (["0", "5e7", "null", "1.5e+7"], ["-1", "1e13"]),
    "load_factor": (["1", "0.5", "1e-1"], ["0", "1.5", "-1"]),
    "cost_allocation": (["participant_funding", "socialized", "0.3", "1"], ["bogus", "1.5", "-0.1"]),
    "socialized_data_center_share": (["0", "1", "0.7"], ["2", "-1"]),
    "carbon_price_usd_per_t": (["0", "100", "1e3"], ["-5"]),
    "carbon_cap_t_per_year": (["null", "0", "1e9"], ["-1", "1e13"]),
    "solver.mip_rel_gap": (["0", "0.001", "0.5"], ["-1", "2"]),
    "solver.time_limit_s": (["null", "5", "60.5"], ["0", "-5", "1e8"]),
    "solver.threads": (["1", "2", "4"], ["0", "-1", "1000000", "1.5", "100000000"]),
    "solver.method": (["auto", "direct", "benders"], ["magic", "1", "yes"]),
}
STRINGS = ("name", "cost_allocation", "solver.method")


def yaml_text(changes: dict[str, str | None]) -> bytes:
    """scenario.yaml with some keys set to YAML source text (None: key left out)."""
    lines = []
    for key, value in CONFIG.items():
        if key == "solver":
            lines.append("solver:")
            for sub, setting in value.items():
                text = changes.get(f"solver.{sub}", yaml.safe_dump(setting).split("\n")[0])
                lines += [] if text is None else [f"  {sub}: {text}"]
            continue
        text = changes.get(key, yaml.safe_dump(value).split("\n")[0])
        lines += [] if text is None else [f"{key}: {text}"]
    return ("\n".join(lines) + "\n").encode()


def config_key(rng: random.Random) -> Case:
    key = rng.choice(list(KEYS))
    good, bad = KEYS[key]
    bad = bad + ([] if key in STRINGS else [v for v in NOT_YAML_NUMBERS if not (v == "null" and "null" in good)])
    required = key in ("name", "first_year", "last_year")
    choice = rng.random()
    if choice < 0.08:
        value, expect = None, INVALID if required else VALID
    elif choice < 0.5:
        value, expect = rng.choice(good), VALID
    else:
        value, expect = rng.choice(bad), INVALID
    files = base_files() | {f"{SCENARIO}/scenario.yaml": yaml_text({key: value})}
    names = ("scenario.yaml", "demand.csv", "zone_limits.csv", "local_limits.csv")  # a horizon the years leave
    return Case(f"scenario.yaml {key}: {str(value)[:40]}", expect, files, names=names)


def config_file(rng: random.Random) -> Case:
    text = yaml_text({})
    change, entry, expect = rng.choice(
        [
            ("latin-1", text.replace(b"name: fuzz", "name: fuzzé".encode("latin-1")), INVALID),
            ("utf-16", text.decode().encode("utf-16"), INVALID),
            ("bom", b"\xef\xbb\xbf" + text, VALID),
            ("empty", b"", INVALID),
            ("a list", b"- 1\n- 2\n", INVALID),
            ("deep", text + b"x: " + b"[" * 3000 + b"]" * 3000 + b"\n", INVALID),
            ("alias", text.replace(b"name: fuzz", b"n: &n fuzz\nname: *n"), INVALID),
            (
                "laughs",
                b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + text,
                INVALID,
            ),
            ("anchor", text.replace(b"discount_rate:", b"discount_rate: &r"), VALID),
            ("unknown key", text + b"discount: 0.1\n", INVALID),
            ("tag", text + b"x: !!python/object/apply:os.system [echo]\n", INVALID),
            ("huge", text + b"#" + b"x" * (5 * 2**20) + b"\n", INVALID),
            ("nul", text.replace(b"fuzz", b"fu\x00zz"), INVALID),
            ("tabs", text.replace(b"  ", b"\t"), INVALID),
            ("crlf", text.replace(b"\n", b"\r\n"), VALID),
            ("comments", b"# a comment\n" + text.replace(b"\n", b"  # note\n"), VALID),
            ("flip byte", _flip(rng, text), EITHER),
        ]
    )
    files = base_files() | {f"{SCENARIO}/scenario.yaml": entry}
    return Case(f"scenario.yaml: {change}", expect, files, names=("scenario.yaml",))


def _flip(rng: random.Random, text: bytes) -> bytes:
    at = rng.randrange(len(text))
    return text[:at] + bytes([rng.randrange(256)]) + text[at + 1 :]


# --set edits ------------------------------------------------------------------------------------


def edit_text(rng: random.Random) -> tuple[str, str]:
    """An edit and its verdict."""
    choice = rng.random()
    if choice < 0.4:  # a number column of a table, every row or a selection
        stem = rng.choice([s for s in TABLES if s not in ("service_costs",)])
        table = rows(stem)
        numbers = [c for c in table[0] if kind_of(stem, c) not in ("id", "kind", "year")]
        column = rng.choice(numbers)
        value, expect = number_value(rng, kind_of(stem, column))
        value = value.strip().replace(" ", "")
        if value == "" or " " in value:
            value, expect = "null", blank_verdict(stem, column)
        if column in ("mw", "gpus") or (stem == "demand" and expect == VALID):
            expect = EITHER
        target = f"{stem}.{column}"
        if stem == "regions" and rng.random() < 0.5:
            target, expect = rng.choice(
                [(f"regions[zone_id=PJM].{column}", expect), (f"regions[zone_id=NOPE].{column}", INVALID)]
            )
        op = "="
        if expect == VALID and kind_of(stem, column) == "number" and rng.random() < 0.3:
            op, value = rng.choice([("+=", "1"), ("*=", "2"), ("*=", "0.5")])
        return f"{target} {op} {value}", expect
    if choice < 0.75:  # a scenario.yaml key
        key = rng.choice([k for k in KEYS if k != "name"])
        good, bad = KEYS[key]
        pool = rng.choice([(good, VALID), (bad + ["inf", "nan", "yes", "1e309"], INVALID)])
        value = rng.choice(pool[0]).replace("'", "")
        if value in ("[1]", "{a: 1}", "[a]") or " " in value:
            return f"{key} = {value}", EITHER
        expect = pool[1]
        if value in ("2026.0", "2027.5", "1.5", "2026", "0.3", "1", "0", "1e-1", "5e-2") or value.startswith("!!"):
            expect = EITHER  # edits read 2026.0 as a number, quoting differs from YAML
        return f"{key} = {value}", expect
    if choice < 0.85:
        return rng.choice(
            [
                ("nope = 1", INVALID),
                ("solver.nope = 1", INVALID),
                ("regions.nope = 1", INVALID),
                ("regions[nope=1].max_mw = 1", INVALID),
                ("regions.max_mw += abc", INVALID),
                ("regions.zone_id += 1", INVALID),
                ('regions[region_id="a"].max_mw = 50', VALID),
                ("regions[region_id=a,zone_id=PJM].capex_usd_per_mw *= 2", VALID),
                ("regions.pool_id = null", EITHER),
                ("solver.threads = 1000000", INVALID),
                ("first_year = -2000000000", INVALID),
                ("regions.capex_usd_per_mw = inf", INVALID),
                ("regions.capex_usd_per_mw *= 1e308", INVALID),
                ("regions.max_mw = " + "9" * 400, INVALID),
            ]
        )
    junk = "".join(rng.choice("ab[]=.,\"'+-*/ \t0123{}$\\\x00é") for _ in range(rng.randint(0, 30)))
    return junk, EITHER


def edit(rng: random.Random) -> Case:
    text, expect = edit_text(rng)
    return Case(f"--set {text[:60]!r}", expect, base_files(), args=["--set", text], names=("edit '", "after edits"))


# Variants, sweeps and options -------------------------------------------------------------------


def variant(rng: random.Random) -> Case:
    files = base_files()
    config: dict = {"base": "../s"}
    expect, what = VALID, "base: ../s"
    choice = rng.random()
    if choice < 0.3:
        what, base, expect = rng.choice(
            [
                ("missing", "../nope", INVALID),
                ("a file", "../s/regions.csv", INVALID),
                ("/etc", "/etc", INVALID),
                ("itself", ".", INVALID),
                ("empty", "", INVALID),
                ("long", "x" * 6000, INVALID),
                ("NUL", "../s\0x", INVALID),
                ("a number", 5, INVALID),
                ("a list", ["../s"], INVALID),
                ("link to the base", "lnk", VALID),
                ("link loop", "loop", INVALID),
            ]
        )
        config["base"] = base
        files[f"{VARIANT}/lnk"] = Link("../s")
        files[f"{VARIANT}/loop"] = Link("loop")
    elif choice < 0.55:
        what, name, entry, expect = rng.choice(
            [
                ("latin-1 table", "regions.csv", TABLES["regions"].replace("PJM", "PJMé").encode("latin-1"), INVALID),
                ("utf-16 table", "gpus.csv", TABLES["gpus"].encode("utf-16"), INVALID),
                ("folder x.csv", "x.csv", Folder(), INVALID),
                ("link loop y.csv", "y.csv", Link("y.csv"), INVALID),
                ("a table", "gpus.csv", b"gpu_id,kw_per_gpu\nh100,2\ngb200,1\n", VALID),
                ("unknown table", "notes.csv", b"a,b\n1,2\n", VALID),
                ("broken table", "regions.csv", b'region_id,zone_id\n"a,Z\n', INVALID),
            ]
        )
        files[f"{VARIANT}/{name}"] = entry
    elif choice < 0.85:
        text, expect = edit_text(rng)
        config["overrides"] = [text]
        what = f"overrides: [{text[:40]!r}]"
    else:
        what, overrides, expect = rng.choice(
            [("overrides not a list", "discount_rate = 0.1", INVALID), ("a number", [5], INVALID), ("empty", [], VALID)]
        )
        config["overrides"] = overrides
    config |= rng.choice([{}, {"discount_rate": 0.1}, {"solver": {"threads": 2}}])
    files[f"{VARIANT}/scenario.yaml"] = yaml.safe_dump(config).encode()
    return Case(f"variant {what}", expect, files, target=VARIANT, names=("scenario.yaml", ".csv", "edit '"))


SWEEP_DRAW = {
    "edit": "regions[region_id={key}].lead_time_years += {value}",
    "for_each": "regions[zone_id=PJM].region_id",
    "distribution": "uniform",
    "args": [0, 2],
}


def sweep(rng: random.Random) -> Case:
    draw = dict(SWEEP_DRAW)
    samples = {"count": 3, "seed": 7, "draws": [draw]}
    study: dict = {"name": "fuzz", "base": SCENARIO, "variants": {"v": ["discount_rate = 0.1"]}, "samples": samples}
    expect = VALID
    change, key, value, expect = rng.choice(
        [
            ("template", "edit", "regions[region_id={oops}].max_mw = {value}", INVALID),
            ("template", "edit", "discount_rate = {0}", INVALID),
            ("template", "edit", "discount_rate = {value!r}", INVALID),
            ("template", "edit", "discount_rate = {value:>10}", INVALID),
            ("template", "edit", "discount_rate = {value", INVALID),
            ("template", "edit", "discount_rate = 0.1", INVALID),
            ("template", "edit", "discount_rate = {value}}", INVALID),
            ("seed", "seed", -1, INVALID),
            ("seed", "seed", 2**70, INVALID),
            ("seed", "seed", "x", INVALID),
            ("seed", "seed", True, INVALID),
            ("seed", "seed", 123456, VALID),
            ("count", "count", 0, INVALID),
            ("count", "count", 10**9, INVALID),
            ("count", "count", 2, VALID),
            ("args", "args", [0, 1, 10**11], INVALID),
            ("args", "args", [0, float("inf")], INVALID),
            ("args", "args", [], VALID),
            ("args", "args", ["a"], INVALID),
            ("args", "args", [2, 1], EITHER),
            ("distribution", "distribution", "magic", INVALID),
            ("distribution", "distribution", "poisson", EITHER),
            ("for_each", "for_each", "regions[zone_id=NOPE].region_id", INVALID),
            ("for_each", "for_each", "regions[[", INVALID),
            ("for_each", "for_each", None, INVALID),
            ("nothing", "seed", 7, VALID),
        ]
    )
    (samples if key in ("seed", "count") else draw)[key] = value
    if key == "for_each" and value is None:
        del draw["for_each"]
    text = yaml.safe_dump(study, sort_keys=False).encode()
    whole = rng.random()
    if whole < 0.25:
        change, text, expect = rng.choice(
            [
                ("latin-1", text.replace(b"fuzz", "fuzzé".encode("latin-1")), INVALID),
                ("alias", b"base: s\nvariants: {a: &x [discount_rate = 0.1], b: *x}\n", INVALID),
                ("deep", b"base: s\ngrid: " + b"{a: " * 50 + b"x" + b"}" * 50 + b"\n", INVALID),
                ("empty", b"", INVALID),
                ("base missing", text.replace(b"base: s", b"base: nope"), INVALID),
                ("store is a file", text + b"store: notes.txt\n", INVALID),
                ("grid", b"base: s\ngrid:\n  r: {lo: ['discount_rate = 0.01'], hi: ['discount_rate = 0.2']}\n", VALID),
                (
                    "bad variant edit",
                    b"base: s\nvariants: {v: ['nope = 1']}\n",
                    EITHER,
                ),  # recorded as that run's failure
            ]
        )
    files = base_files() | {SWEEP: text, "notes.txt": b"a user's notes\n"}
    return Case(
        f"sweep {change} {str(value)[:40]}",
        expect,
        files,
        target=SWEEP,
        names=("study.yaml", "notes.txt", "edit '", "selection '"),
    )


def option(rng: random.Random) -> Case:
    """A command-line option of `solve` (these cases are solved, not only validated)."""
    args, expect, names = rng.choice(
        [
            (["--threads", "2"], VALID, ()),
            (["--threads", "0"], INVALID, ("solver settings",)),
            (["--threads", "1000000"], INVALID, ("solver settings",)),
            (["--time-limit", "30"], VALID, ()),
            (["--time-limit", "0"], INVALID, ("solver settings",)),
            (["--time-limit", "nan"], INVALID, ("solver settings",)),
            (["--time-limit", "inf"], INVALID, ("solver settings",)),
            (["--time-limit", "-1"], INVALID, ("solver settings",)),
            (["--gap", "0.05"], VALID, ()),
            (["--gap", "2"], INVALID, ("solver settings",)),
            (["--gap", "nan"], INVALID, ("solver settings",)),
            (["--probe-region", "a"], VALID, ()),
            (["--probe-region", "zz"], INVALID, ("--probe-region",)),
            (["--out", "notes.txt"], INVALID, ("notes.txt",)),
            (["--out", "notes.txt/inner"], INVALID, ("notes.txt",)),
            (["--out", "mine"], INVALID, ("mine",)),
            (["--out", "mine", "--force"], VALID, ()),
            (["--out", "o\0ut"], INVALID, ("out",)),
        ]
    )
    files = base_files() | {"notes.txt": b"a user's notes\n", "mine/report.md": b"my report\n"}
    return Case(f"solve {' '.join(args)!r}", expect, files, args=args, names=names or ("--",))
