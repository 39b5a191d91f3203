"""Report figures as PNG bytes (matplotlib, Agg backend): siting map, build-out, costs.

Categories (zones, cost components, runs) take Paul Tol's "muted" palette, nine colours that stay
distinguishable under the common colour-vision deficiencies; beyond nine they repeat with another
marker shape (points) or hatch (bars). Two-colour figures (more / less) use Okabe-Ito's blue and
vermillion.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass
from functools import cache
from itertools import cycle, product
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from reports.run import PENALTY, Run  # noqa: E402

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
MARKERS = ("o", "s", "^", "D")
HATCHES = ("", "//", "..", "xx")
PENALTY_COLOUR = "#BBBBBB"  # the unserved penalty, a valuation, apart from spend
US_ALBERS = "EPSG:5070"  # equal-area projection for the lower 48
DPI = 150
# Zone, region and run names are shown as written: never parsed as mathtext ($...$) or LaTeX, which
# would fail on names such as $\frac{a$. A decorator on every function that draws a figure.
plain_text = matplotlib.rc_context({"text.parse_math": False, "text.usetex": False})
RING_PT2 = 40  # area (points squared) of a candidate region's ring
MAX_DISC_PT2 = 900  # area (points squared) of the largest site's disc
DISC_MARGIN_PX = 3  # the least gap between two discs
# Label places around a point: offset direction (x, y, in disc radii) and alignment.
LABEL_OFFSETS = (2, 14, 26)  # pixels between a disc and its label: beside it first, then further out
LABEL_PLACES = (
    (1, 0, "left", "center"), (-1, 0, "right", "center"), (0, 1, "center", "bottom"), (0, -1, "center", "top"),
    (0.75, 0.75, "left", "bottom"), (-0.75, 0.75, "right", "bottom"), (0.75, -0.75, "left", "top"),
    (-0.75, -0.75, "right", "top"),
)  # fmt: skip


def zone_styles(zones: list[str]) -> dict[str, tuple[str, str]]:
    """zone_id -> (colour, marker), stable for a sorted zone list."""
    styles = ((colour, marker) for marker in cycle(MARKERS) for colour in TOL_MUTED)
    return dict(zip(sorted(zones), styles))


def category_styles(count: int) -> list[tuple[str, str]]:
    """(colour, hatch) for `count` categories drawn as bars: each pair distinct."""
    return [(TOL_MUTED[i % len(TOL_MUTED)], HATCHES[i // len(TOL_MUTED) % len(HATCHES)]) for i in range(count)]


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


@dataclass
class MapLayout:
    """Where the map drew its discs and labels, in display pixels (for tests of overlap)."""

    discs: dict[str, tuple[float, float, float]]  # region -> (x, y, radius)
    labels: dict[str, Bbox]


def siting_map(run: Run) -> bytes:
    fig, _ = draw_map(run)
    return to_png(fig)


@plain_text
def draw_map(run: Run) -> tuple[plt.Figure, MapLayout]:
    """Lower-48 map: every candidate region as a grey ring with its label, chosen sites as discs sized
    by IT MW in the last year and coloured by grid zone. Discs that would overlap are pushed apart and
    joined to their location by a thin line; labels take the first free place around their point."""
    final_mw = run.capacity_by_year[run.years[-1]]
    sites = run.sites.assign(final_mw=run.sites["region_id"].map(final_mw).fillna(0.0))
    points = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")
    points = points.to_crs(US_ALBERS).sort_values("final_mw", ascending=False)
    fig, ax = plt.subplots(figsize=(10, 6.2))
    lower48_states().plot(ax=ax, color="#f2f2f2", edgecolor="#9a9a9a", linewidth=0.5)
    ax.set_axis_off()
    ax.set_title(f"Chosen sites by IT MW in service in {run.years[-1]}, coloured by grid zone", fontsize=12)
    fig.canvas.draw()  # fixes the axes' limits and transform, so positions below are final
    xy = ax.transData.transform(np.column_stack([points.geometry.x, points.geometry.y]))
    ax.scatter(
        points.geometry.x, points.geometry.y, s=RING_PT2, facecolors="none", edgecolors="#555555", linewidths=0.8
    )
    built = points["final_mw"].to_numpy() > 0
    # Many sites get smaller discs, so they fit the map side by side.
    crowd = min(1.0, CROWDED_MAP_SITES / max(int(built.sum()), 1))
    scale = crowd * MAX_DISC_PT2 / max(float(points["final_mw"].max()), 1.0)
    radius = np.sqrt(points["final_mw"].to_numpy() * scale / np.pi) * fig.dpi / 72  # points^2 -> pixels
    placed = xy.copy()
    placed[built] = _spread(xy[built], radius[built])
    styles = zone_styles(list(points["zone_id"].unique()))
    to_data = ax.transData.inverted()
    discs = {}
    for i, row in enumerate(points.itertuples()):
        if not built[i]:
            continue
        x, y = to_data.transform(placed[i])
        if np.hypot(*(placed[i] - xy[i])) > 1:
            ax.plot([row.geometry.x, x], [row.geometry.y, y], color="#333333", linewidth=0.6, zorder=2)
        colour, marker = styles[row.zone_id]
        ax.scatter(x, y, s=row.final_mw * scale, c=colour, marker=marker, alpha=0.85, edgecolors="black",
                   linewidths=0.6, zorder=3 + i)  # fmt: skip
        discs[row.region_id] = (*placed[i], radius[i])
    ring = np.sqrt(RING_PT2 / np.pi) * fig.dpi / 72
    labels = _place_labels(ax, fig, points, placed, np.where(built, radius, ring), built)
    _map_legends(ax, styles, points[built], scale)
    return fig, MapLayout(discs, labels)


@plain_text
def plan_maps(runs: list[Run], titles: list[str]) -> bytes:
    """Small multiples: one lower-48 map per plan, chosen sites as discs sized by IT MW in each plan's
    last year (one scale for all, discs that would overlap pushed apart) and coloured by grid zone, so
    plans compare at a glance."""
    cols = min(3, len(runs))
    rows = -(-len(runs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows + 0.6), squeeze=False)
    finals = [run.capacity_by_year[run.years[-1]] for run in runs]
    scale = MAX_DISC_PT2 / 2 / max(max(float(f.max()) for f in finals), 1.0)
    styles = zone_styles(list(runs[0].sites["zone_id"].unique()))
    for ax in list(axes.flat)[: len(runs)]:
        lower48_states().plot(ax=ax, color="#f2f2f2", edgecolor="#b0b0b0", linewidth=0.3)
    fig.canvas.draw()  # fixes each map's transform, so discs can be pushed apart in pixels
    for ax, run, final, title in zip(axes.flat, runs, finals, titles):
        sites = run.sites.assign(final_mw=run.sites["region_id"].map(final).fillna(0.0))
        sites = sites[sites["final_mw"] > 0].sort_values("final_mw", ascending=False)
        points = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326").to_crs(US_ALBERS)
        radius = np.sqrt(sites["final_mw"].to_numpy() * scale / np.pi) * fig.dpi / 72
        xy = _spread(ax.transData.transform(np.column_stack([points.x, points.y])), radius)
        x, y = ax.transData.inverted().transform(xy).T if len(xy) else ([], [])
        colours = [styles[zone][0] for zone in sites["zone_id"]]
        ax.scatter(x, y, s=sites["final_mw"] * scale, c=colours, alpha=0.85, edgecolors="black", linewidths=0.4,
                   zorder=3)  # fmt: skip
        for region, px, py, r in zip(sites["region_id"], x, y, radius):
            ax.annotate(region, (px, py), xytext=(r * 72 / fig.dpi + 2, 0), textcoords="offset points", fontsize=5.5,
                        va="center", zorder=4)  # fmt: skip
        ax.set_title(f"{title}: {len(sites)} sites, {final.sum():,.0f} IT MW", fontsize=9)
        ax.set_axis_off()
    for ax in list(axes.flat)[len(runs) :]:
        ax.set_axis_off()
    handles = [Line2D([], [], ls="", marker="o", markerfacecolor=c, markeredgecolor="black", label=z)
               for z, (c, _) in styles.items()]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncols=min(len(handles), 8), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return to_png(fig)


CROWDED_MAP_SITES = 40  # with more chosen sites than this, discs shrink in proportion
MAX_MAP_LABELS = 60  # more labels than this crowd a page-wide map past reading


def _spread(xy: np.ndarray, radius: np.ndarray, rounds: int = 2000) -> np.ndarray:
    """Positions (pixels) moved apart until no two discs overlap: each round, every overlapping pair
    is pushed apart along the line between them by its whole overlap, the smaller disc the most
    (all pairs at once, in numpy: at 1,000 sites a pair-by-pair loop took most of a report's time).
    A disc in several overlaps takes the largest push of each direction's sum, so crowds spread
    without overshooting."""
    xy = xy.astype(float).copy()
    n = len(xy)
    if n < 2:
        return xy
    reach = radius[:, None] + radius[None, :] + DISC_MARGIN_PX
    own_share = 1 - radius[:, None] / (radius[:, None] + radius[None, :] + 1e-12)  # i moves (1 - its share)
    apart = np.where(np.arange(n)[:, None] < np.arange(n)[None, :], 1.0, -1.0)  # for discs on one point
    for _ in range(rounds):
        gap = xy[None, :, :] - xy[:, None, :]  # gap[i, j] = xy[j] - xy[i]
        distance = np.hypot(gap[..., 0], gap[..., 1])
        overlap = np.maximum(reach - distance, 0.0)
        np.fill_diagonal(overlap, 0.0)
        if not (overlap > 1e-9).any():
            break
        safe = np.maximum(distance, 1e-9)[..., None]
        direction = np.where(distance[..., None] > 1e-9, gap / safe, np.stack([apart, np.zeros_like(apart)], -1))
        push = -(direction * (overlap * own_share)[..., None])  # push[i, j]: i moves away from j
        xy += np.clip(push.sum(axis=1), push.min(axis=1), push.max(axis=1)) * 0.5 + 0.5 * _largest(push)
    return xy


def _largest(push: np.ndarray) -> np.ndarray:
    """Per disc, its largest single push (by length): enough to clear its worst overlap."""
    length = np.hypot(push[..., 0], push[..., 1])
    return push[np.arange(len(push)), length.argmax(axis=1)]


def _place_labels(ax, fig, points, placed: np.ndarray, radius: np.ndarray, built: np.ndarray) -> dict[str, Bbox]:
    """Each region's label at the first of eight places around its disc or ring that overlaps no disc,
    ring or label placed before it (larger sites first), trying the eight again further out
    (LABEL_OFFSETS, with a leader line to the disc) before keeping the first place. With more than
    MAX_MAP_LABELS candidates only chosen sites are labelled, the largest MAX_MAP_LABELS of them."""
    renderer = fig.canvas.get_renderer()
    taken = [Bbox.from_extents(x - r, y - r, x + r, y + r) for (x, y), r in zip(placed, radius)]
    boxes = {}
    to_data = ax.transData.inverted()
    labelled = np.arange(len(points)) if len(points) <= MAX_MAP_LABELS else np.flatnonzero(built)[:MAX_MAP_LABELS]
    for i, row in zip(labelled, points.iloc[labelled].itertuples()):
        label = ax.text(0, 0, row.region_id, fontsize=6.5, color="#111111" if built[i] else "#666666", zorder=20,
                        fontweight="bold" if built[i] else "normal")  # fmt: skip
        chosen = None
        for offset, (dx, dy, ha, va) in product(LABEL_OFFSETS, LABEL_PLACES):
            gap = radius[i] + offset
            label.set_position(to_data.transform(placed[i] + np.array([dx * gap, dy * gap])))
            label.set_ha(ha)
            label.set_va(va)
            box = label.get_window_extent(renderer).padded(1)
            if not any(box.overlaps(other) for other in [*taken, *boxes.values()] if other is not None):
                chosen = box
                if offset > LABEL_OFFSETS[0]:  # away from its disc: a leader line says whose it is
                    ends = placed[i] + np.outer([radius[i], gap - 1], [dx, dy])  # disc edge to label
                    ax.plot(*to_data.transform(ends).T, color="#888888", lw=0.4, zorder=19)
                break
        if chosen is None:  # no free place: keep the first, beside the point
            dx, dy, ha, va = LABEL_PLACES[0]
            label.set_position(to_data.transform(placed[i] + np.array([dx, dy]) * (radius[i] + 2)))
            label.set_ha(ha)
            label.set_va(va)
            chosen = label.get_window_extent(renderer).padded(1)
        boxes[row.region_id] = chosen
    return boxes


def _nice(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above `value`."""
    if value <= 0:
        return 0.0
    power = 10 ** np.floor(np.log10(value))
    return float(max(step * power for step in (1, 2, 5) if step * power <= value))


def _map_legends(ax, styles: dict[str, tuple[str, str]], built: pd.DataFrame, scale: float) -> None:
    """The zones and two round disc sizes."""
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
    sizes = sorted({_nice(top), _nice(top / 4)} - {0.0})
    handles = [
        plt.scatter([], [], s=mw * scale, c="#bbbbbb", edgecolors="black", linewidths=0.6, label=f"{mw:,.0f} IT MW")
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
    """Discounted cost by component (horizontal bars, billion USD): spend in blue, the unserved penalty
    (a valuation of the shortfall, not spend) grey and hatched. Components that round to $0.00 bn
    are left out (the cost table lists them)."""
    by_component = run.costs.groupby("component", sort=False)["discounted_usd"].sum() / 1e9
    shown = by_component[by_component.round(2) != 0].sort_values()
    penalty = shown.index == PENALTY
    names = [f"{c} (penalty: a valuation)" if p else c for c, p in zip(shown.index, penalty)]
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(shown) + 1.6))
    bars = ax.barh(names, shown.to_numpy(), color=np.where(penalty, PENALTY_COLOUR, OKABE_ITO[4]))
    for bar, is_penalty in zip(bars, penalty):
        bar.set_hatch("//" if is_penalty else "")
    ax.bar_label(bars, labels=[f"{v:,.2f}" for v in shown.to_numpy()], padding=3, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("Discounted cost (billion USD)")
    ax.set_ylabel("Cost component")
    ax.set_title("Discounted cost by component: spend, and the unserved penalty apart")
    ax.margins(x=0.15)
    ax.grid(axis="x", alpha=0.3)
    return to_png(fig)
