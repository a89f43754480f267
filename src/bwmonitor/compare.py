"""Comparisons on observations: a region against its benchmarks, per indicator.

Pure functions of the observations frame: no network, no disk. For each indicator
and region this gives the value of the chosen year with its status, the benchmarks'
values and the difference to each, the rank among Drenthe's twelve municipalities,
the quartile among all Dutch municipalities, and the trend over recent years.

Rules (documented in docs/compare.md):
- rank: 1 = best by the indicator's direction; ties share the better rank; only for
  municipalities, and not for neutral indicators;
- quartile: 1 = the best quarter of all Dutch municipalities with a value that year
  (for neutral indicators: the highest quarter);
- trend: the first and last available year within the window (default 5 years up to
  the chosen year); "stabiel" when the change is under 2% of the first value, else
  "beter"/"slechter" by the direction (neutral: "hoger"/"lager").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bwmonitor.catalog import Catalog, Direction, Indicator
from bwmonitor.errors import InvalidInput
from bwmonitor.regions import DRENTHE_MUNICIPALITIES, Level, Region

if TYPE_CHECKING:
    import polars as pl

TREND_WINDOW = 5
STABLE_WITHIN = 0.02  # a change under 2% of the starting value counts as stable


@dataclass(frozen=True, slots=True)
class Comparison:
    records: list[dict[str, Any]]
    regions: list[Region]
    benchmarks: list[Region]
    indicators: list[Indicator]


def compare(
    observations: pl.DataFrame,
    catalog: Catalog,
    regions: Sequence[Region],
    benchmarks: Sequence[Region],
    indicators: Sequence[Indicator],
    year: int | None = None,
    gaps: dict[str, list[str]] | None = None,
    window: int = TREND_WINDOW,
) -> Comparison:
    """One record per indicator and region, in catalogue order."""
    import polars as pl

    if year is not None:
        check_year(observations, year)
    ids = [i.id for i in indicators]
    yearly = observations.filter(
        pl.col("indicator").is_in(ids) & pl.col("period").str.ends_with("JJ00")
    )
    chosen = _chosen_periods(yearly, [r.code for r in regions], year)
    at_chosen = yearly.join(chosen, on=["indicator", "period"])
    positions = _positions(at_chosen, catalog)
    lookup = {(row["indicator"], row["region"]): row for row in at_chosen.iter_rows(named=True)}
    series = _series(yearly, [r.code for r in regions])
    weighted_periods = {
        (indicator_id, period)
        for indicator_id, period in observations.select("indicator", "period").unique().iter_rows()
    }
    records = []
    for indicator in indicators:
        period = chosen_period(chosen, indicator.id, year)
        for region in regions:
            row = lookup.get((indicator.id, region.code))
            weight_missing = (
                bool(indicator.weight)
                and period is not None
                and ((indicator.weight, period) not in weighted_periods)
            )
            records.append(
                _record(
                    indicator,
                    region,
                    period,
                    row,
                    benchmarks,
                    lookup,
                    positions,
                    series.get((indicator.id, region.code), []),
                    window,
                    catalog,
                    (gaps or {}).get(indicator.id, []),
                    weight_missing,
                )
            )
    return Comparison(records, list(regions), list(benchmarks), list(indicators))


def check_year(observations: pl.DataFrame, year: int) -> None:
    """InvalidInput unless some indicator has a figure for `year`: a year the data does
    not have gets one line naming the years it covers, not a table of empty cells."""
    import polars as pl

    years = (
        observations.filter(pl.col("period").str.contains(r"^\d{4}JJ00$"))
        .select(pl.col("period").str.slice(0, 4).cast(pl.Int32).unique())
        .to_series()
        .to_list()
    )
    if not years:
        covers = "the data has no yearly figures"
    elif min(years) == max(years):
        covers = f"the data covers {min(years)}"
    else:
        covers = f"the data covers {min(years)}–{max(years)}"
    if not 1000 <= year <= 9999:
        raise InvalidInput(f"--year {year} is not a year", hint=covers)
    if year not in years:
        raise InvalidInput(f"no data for {year}", hint=covers)


def chosen_period(chosen: pl.DataFrame, indicator_id: str, year: int | None) -> str | None:
    rows = chosen.filter(chosen["indicator"] == indicator_id)["period"].to_list()
    if rows:
        return str(rows[0])
    return f"{year}JJ00" if year else None


def _chosen_periods(yearly: pl.DataFrame, focus: list[str], year: int | None) -> pl.DataFrame:
    """Per indicator: the asked year, or the latest year with a value for the regions."""
    import polars as pl

    if year is not None:
        return (
            yearly.select("indicator").unique().with_columns(pl.lit(f"{year}JJ00").alias("period"))
        )
    with_focus = yearly.filter(pl.col("region").is_in(focus))
    latest = with_focus.group_by("indicator").agg(pl.col("period").max())
    # an indicator without a value for these regions: its latest year at all
    rest = (
        yearly.join(latest.select("indicator"), on="indicator", how="anti")
        .group_by("indicator")
        .agg(pl.col("period").max())
    )
    return pl.concat([latest, rest])


def _positions(at_chosen: pl.DataFrame, catalog: Catalog) -> dict[tuple[str, str], dict[str, Any]]:
    """Rank among Drenthe's municipalities and quartile among all Dutch ones."""
    import polars as pl

    signs = {
        i.id: (-1.0 if i.better is Direction.LOWER else 1.0) for i in catalog.indicators.values()
    }
    municipalities = at_chosen.filter(pl.col("region").str.starts_with("GM")).with_columns(
        (pl.col("value") * pl.col("indicator").replace_strict(signs, default=1.0)).alias("score")
    )
    ranked = municipalities.with_columns(
        pl.col("score").rank("min", descending=True).over("indicator").alias("rank_nl"),
        pl.len().over("indicator").alias("count_nl"),
    )
    drenthe = municipalities.filter(pl.col("region").is_in(DRENTHE_MUNICIPALITIES)).with_columns(
        pl.col("score").rank("min", descending=True).over("indicator").alias("rank_drenthe"),
        pl.len().over("indicator").alias("count_drenthe"),
    )
    positions: dict[tuple[str, str], dict[str, Any]] = {}
    for row in ranked.iter_rows(named=True):
        rank, count = int(row["rank_nl"]), int(row["count_nl"])
        positions[(row["indicator"], row["region"])] = {
            "quartile": min(4, 1 + (rank - 1) * 4 // count),
            "quartile_of": count,
        }
    for row in drenthe.iter_rows(named=True):
        entry = positions.setdefault((row["indicator"], row["region"]), {})
        entry["rank_drenthe"] = int(row["rank_drenthe"])
        entry["rank_of"] = int(row["count_drenthe"])
    return positions


def _series(
    yearly: pl.DataFrame, focus: list[str]
) -> dict[tuple[str, str], list[tuple[str, float]]]:
    import polars as pl

    rows = yearly.filter(pl.col("region").is_in(focus)).sort("period")
    series: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for row in rows.iter_rows(named=True):
        series.setdefault((row["indicator"], row["region"]), []).append(
            (row["period"], row["value"])
        )
    return series


def trend(
    points: Sequence[tuple[str, float]], period: str | None, better: Direction, window: int
) -> dict[str, Any]:
    """The change over the last `window` years up to `period`, classified by direction."""
    if period is None:
        return {"trend": None}
    last_year = int(period[:4])
    inside = [(p, v) for p, v in points if last_year - window < int(p[:4]) <= last_year]
    if len(inside) < 2:
        return {"trend": None}
    (first_period, first), (last_period, last) = inside[0], inside[-1]
    change = last - first
    if abs(change) < STABLE_WITHIN * abs(first) or (first == 0 and change == 0):
        label = "stabiel"
    elif better is Direction.NEUTRAL:
        label = "hoger" if change > 0 else "lager"
    else:
        improved = change > 0 if better is Direction.HIGHER else change < 0
        label = "beter" if improved else "slechter"
    return {
        "trend": label,
        "trend_from": first_period[:4],
        "trend_to": last_period[:4],
        "trend_change": change,
    }


def _record(
    indicator: Indicator,
    region: Region,
    period: str | None,
    row: dict[str, Any] | None,
    benchmarks: Sequence[Region],
    lookup: dict[tuple[str, str], dict[str, Any]],
    positions: dict[tuple[str, str], dict[str, Any]],
    points: list[tuple[str, float]],
    window: int,
    catalog: Catalog,
    gaps: list[str],
    weight_missing: bool,
) -> dict[str, Any]:
    value = row["value"] if row else None
    record: dict[str, Any] = {
        "indicator": indicator.id,
        "title": indicator.title,
        "theme": catalog.themes[indicator.theme].title,
        # CBS's value stays as it is: value × scale is the amount in unit (units.py)
        "unit": indicator.quantity.unit.name,
        "scale": indicator.quantity.unit.scale,
        "decimals": indicator.decimals,
        "better": indicator.better.value,
        "region": region.code,
        "region_name": region.name,
        "period": period[:4] if period else None,
        "value": value,
        "status": (row["status"] or None) if row else None,
        "source": row["source"] if row else None,
        "computed": bool(row["computed"]) if row else False,
        "rule": row["rule"] if row else None,
        "reason": None if row else _reason(indicator, region, period, gaps, weight_missing),
        "benchmarks": [],
    }
    for benchmark in benchmarks:
        other = lookup.get((indicator.id, benchmark.code))
        other_value = other["value"] if other else None
        record["benchmarks"].append(
            {
                "region": benchmark.code,
                "region_name": benchmark.name,
                "value": other_value,
                "status": (other["status"] or None) if other else None,
                "source": other["source"] if other else None,
                "computed": bool(other["computed"]) if other else False,
                "difference": None if value is None or other_value is None else value - other_value,
            }
        )
    position = positions.get((indicator.id, region.code), {})
    neutral = indicator.better is Direction.NEUTRAL
    record["rank_drenthe"] = None if neutral else position.get("rank_drenthe")
    record["rank_of"] = None if neutral else position.get("rank_of")
    record["quartile_nl"] = position.get("quartile")
    record["quartile_of"] = position.get("quartile_of")
    record.update({"trend": None, "trend_from": None, "trend_to": None, "trend_change": None})
    record.update(trend(points, period, indicator.better, window))
    return record


def _reason(
    indicator: Indicator,
    region: Region,
    period: str | None,
    gaps: list[str],
    weight_missing: bool = False,
) -> str:
    """Why an indicator has no value for a region, in the analyst's words."""
    if period is None:
        details = "; ".join(gaps) if gaps else "de tabel is nog niet opgehaald"
        return f"niet in de beschikbare tabellen: {details}"
    if region.level is not Level.MUNICIPALITY and indicator.aggregate.value == "none":
        return (
            "niet uit gemeenten samen te stellen (regel 'none') en niet door de bron "
            "gepubliceerd voor deze regio"
        )
    if region.is_aggregate and weight_missing and period is not None:
        return (
            f"het gewicht '{indicator.weight}' heeft geen cijfers voor {period[:4]}, "
            "dus geen gewogen gemiddelde"
        )
    if region.is_aggregate:
        return f"niet alle gemeenten van de regio hebben een cijfer voor {period[:4]}"
    return f"geen cijfer voor {period[:4]}"
