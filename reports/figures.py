"""Report figures as PNG bytes (matplotlib, Agg backend): siting map, build-out, costs.

Colours are the Okabe-Ito palette, which stays distinguishable under the common colour-vision
deficiencies; zones beyond its eight colours reuse them with a different marker shape.
"""

from __future__ import annotations

import importlib.util
import io
from functools import cache
from itertools import cycle
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from reports.run import Run  # noqa: E402

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
MARKERS = ("o", "s", "^", "D")
US_ALBERS = "EPSG:5070"  # equal-area projection for the lower 48
DPI = 150
# Zone, region and run names are shown as written: never parsed as mathtext ($...$) or LaTeX, which
# would fail on names such as $\frac{a$. A decorator on every function that draws a figure.
plain_text = matplotlib.rc_context({"text.parse_math": False, "text.usetex": False})


def zone_styles(zones: list[str]) -> dict[str, tuple[str, str]]:
    """zone_id -> (colour, marker), stable for a sorted zone list."""
    styles = ((colour, marker) for marker in cycle(MARKERS) for colour in OKABE_ITO)
    return dict(zip(sorted(zones), styles))


@cache
def lower48_states() -> gpd.GeoDataFrame:
    """US lower-48 state boundaries shipped inside the libpysal wheel (us_income example), so no
    download is needed. find_spec locates the package without importing it (import takes seconds)."""
    spec = importlib.util.find_spec("libpysal")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("libpysal is not installed; it ships the US state boundaries used by the map")
    path = Path(spec.submodule_search_locations[0]) / "examples" / "us_income" / "us48.shp"
    # The file has no .prj; its coordinates are plain longitude/latitude degrees.
    return gpd.read_file(path).set_crs("EPSG:4326").to_crs(US_ALBERS)


def to_png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


@plain_text
def siting_map(run: Run) -> bytes:
    """Lower-48 map: every candidate region as a grey ring, chosen sites as discs sized by MW in the
    last year and coloured by grid zone."""
    final_mw = run.capacity_by_year[run.years[-1]]
    sites = run.sites.assign(final_mw=run.sites["region_id"].map(final_mw).fillna(0.0))
    points = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")
    points = points.to_crs(US_ALBERS)
    fig, ax = plt.subplots(figsize=(10, 6.2))
    lower48_states().plot(ax=ax, color="#f2f2f2", edgecolor="#9a9a9a", linewidth=0.5)
    ax.scatter(points.geometry.x, points.geometry.y, s=40, facecolors="none", edgecolors="#555555", linewidths=0.8)
    built = points[points["final_mw"] > 0]
    scale = 900 / max(float(built["final_mw"].max()), 1.0) if not built.empty else 0.0
    styles = zone_styles(list(points["zone_id"].unique()))
    for zone, group in built.groupby("zone_id"):
        colour, marker = styles[zone]
        ax.scatter(
            group.geometry.x,
            group.geometry.y,
            s=group["final_mw"] * scale,
            c=colour,
            marker=marker,
            alpha=0.85,
            edgecolors="black",
            linewidths=0.6,
            zorder=3,
        )
    ax.set_axis_off()
    ax.set_title(f"Chosen sites by MW in service in {run.years[-1]}, coloured by grid zone", fontsize=12)
    _map_legends(ax, styles, built, scale)
    return to_png(fig)


def _map_legends(ax, styles: dict[str, tuple[str, str]], built: pd.DataFrame, scale: float) -> None:
    zones = [
        Line2D([], [], ls="", marker=m, markersize=9, markerfacecolor=c, markeredgecolor="black", label=z)
        for z, (c, m) in styles.items()
    ]
    zones.append(
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markersize=7,
            markerfacecolor="none",
            markeredgecolor="#555555",
            label="candidate region",
        )
    )
    first = ax.legend(handles=zones, title="Grid zone", loc="lower left", fontsize=8, title_fontsize=9, frameon=True)
    ax.add_artist(first)
    if built.empty:
        return
    top = float(built["final_mw"].max())
    sizes = sorted({round(top, -2) or top, round(top / 4, -2) or top / 4})
    handles = [
        plt.scatter([], [], s=mw * scale, c="#bbbbbb", edgecolors="black", linewidths=0.6, label=f"{mw:,.0f} MW")
        for mw in sizes
    ]
    ax.legend(
        handles=handles,
        title="Site size",
        loc="lower right",
        fontsize=8,
        title_fontsize=9,
        labelspacing=2.4,
        borderpad=1.2,
        handletextpad=1.8,
        frameon=True,
    )


@plain_text
def buildout_chart(run: Run) -> bytes:
    """MW in service by zone and year (stacked bars) against required MW (line)."""
    by_zone = (
        run.capacity.merge(run.sites[["region_id", "zone_id"]], on="region_id")
        .pivot_table(index="year", columns="zone_id", values="capacity_mw", aggfunc="sum")
        .reindex(run.years)
    )
    by_zone = by_zone.loc[:, by_zone.sum() > 0]
    styles = zone_styles(list(run.sites["zone_id"].unique()))
    fig, ax = plt.subplots(figsize=(10, 5))
    bottom = pd.Series(0.0, index=by_zone.index)
    for zone in by_zone.columns:
        ax.bar(
            by_zone.index,
            by_zone[zone],
            bottom=bottom,
            color=styles[zone][0],
            edgecolor="white",
            linewidth=0.5,
            label=zone,
        )
        bottom += by_zone[zone]
    demand = run.demand_by_year
    ax.plot(demand.index, demand.values, color="black", marker="o", linewidth=2, label="required (demand)")
    ax.set_ylim(0, max(float(bottom.max()), float(demand.max()), 1.0) * 1.08)  # room above the tallest bar
    ax.set_xlabel("Year")
    ax.set_ylabel("Capacity in service (MW)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xticks(run.years)
    ax.set_title("Capacity in service by grid zone against demand")
    ax.legend(title="Grid zone", fontsize=8, title_fontsize=9, loc="upper left", ncols=2)
    ax.grid(axis="y", alpha=0.3)
    return to_png(fig)


@plain_text
def cost_chart(run: Run) -> bytes:
    """Discounted cost by component (horizontal bars, billion USD)."""
    by_component = run.costs.groupby("component", sort=False)["discounted_usd"].sum().sort_values()
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(by_component) + 1.6))
    bars = ax.barh(by_component.index, by_component.values / 1e9, color=OKABE_ITO[4])
    ax.bar_label(bars, labels=[f"{v / 1e9:,.2f}" for v in by_component.values], padding=3, fontsize=8)
    ax.set_xlabel("Discounted cost (billion USD)")
    ax.set_ylabel("Cost component")
    ax.set_title("Total discounted cost by component")
    ax.margins(x=0.15)
    ax.grid(axis="x", alpha=0.3)
    return to_png(fig)
