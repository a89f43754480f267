"""The trend test, as CBS's monitors judge a trend: a straight line fitted by ordinary
least squares through every figure of a window of calendar years, and a two-sided
t-test on its slope.

- Dates: a year's figure sits in the middle of its year (2020 -> 2020.5), a span of
  years at the middle of the span ('2018-2021' -> 2020.0, the middle of 2018.0 to
  2022.0), so irregular survey years keep their real spacing.
- Window: the calendar years t-`window`+1 .. t (default 8: t-7 .. t), t the year shown;
  a figure counts when its date falls inside those years.
- Test: slope b = Sxy / Sxx, residual variance s² = SSE / (n - 2), standard error
  se = sqrt(s² / Sxx), t = b / se, df = n - 2, p = P(|T| >= |t|) of Student's t with df
  degrees of freedom; significant when p < 0.05.
- Judgement: fewer than 3 figures: "onvoldoende gegevens"; significant: "beter" or
  "slechter" by the indicator's direction; else "geen significante verandering";
  neutral indicators: none (their p still says whether they moved).
- A series without scatter around its line (SSE = 0): a flat one has no slope, p = 1
  (no change); a perfectly straight sloping one is as significant as can be, p = 0.

Standard library only (math.lgamma and a continued fraction): compare does not need
scipy, which the tests use as the reference.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bwmonitor.core.catalog import Direction
from bwmonitor.core.formatting import dutch_number
from bwmonitor.core.periods import YEAR_SPAN, YEAR_SUFFIX
from bwmonitor.core.units import Quantity

TREND_WINDOW = 8  #: calendar years, the shown year included (CBS: t-7 .. t)
ALPHA = 0.05  #: two-sided significance level of the slope's t-test
MIN_POINTS = 3  #: fewer leave no degrees of freedom to judge the scatter

INSUFFICIENT = "onvoldoende gegevens"
NOT_SIGNIFICANT = "geen significante verandering"
BETTER, WORSE = "beter", "slechter"
HIGHER, LOWER, LEVEL = "hoger", "lager", "gelijk"

#: how a trend reads in a few characters (terminal, workbook): the arrow the slope's
#: sign, the word the judgement; the legends say what "n.s." and "te weinig" mean
ARROWS = {HIGHER: "▲", LOWER: "▼", LEVEL: "►"}
SHORT_WORDS = {
    BETTER: "beter",
    WORSE: "slechter",
    NOT_SIGNIFICANT: "n.s.",
    INSUFFICIENT: "te weinig",
}
#: the same in full, where there is room (the HTML report, as CBS's dashboard reads)
FULL_WORDS = {
    BETTER: BETTER,
    WORSE: WORSE,
    NOT_SIGNIFICANT: NOT_SIGNIFICANT,
    INSUFFICIENT: INSUFFICIENT,
}

_YEAR_CODE = re.compile(rf"^(\d{{4}}){YEAR_SUFFIX}$")


def period_date(period: str) -> float | None:
    """The date of a period in years: the middle of its year ('2020JJ00' -> 2020.5) or
    of its span of years ('2018-2021' -> 2020.0); None for quarters, months and others,
    which a yearly trend does not use."""
    year = _YEAR_CODE.match(period)
    if year:
        return int(year.group(1)) + 0.5
    span = YEAR_SPAN.match(period)
    if span:
        return (int(span.group(1)) + int(span.group(2)) + 1) / 2
    return None


def window_years(shown: int, window: int = TREND_WINDOW) -> tuple[int, int]:
    """The window's first and last calendar year: (2017, 2024) for 2024 and 8 years."""
    return shown - window + 1, shown


def in_window(period: str, shown: int, window: int = TREND_WINDOW) -> bool:
    """Whether a period's date falls inside the window's calendar years."""
    date = period_date(period)
    first, last = window_years(shown, window)
    return date is not None and first <= date < last + 1


@dataclass(frozen=True, slots=True)
class Fit:
    """A least-squares line through a series: its slope per year, the p-value of the
    slope's two-sided t-test (None with fewer than 3 points), and the number of points."""

    slope: float | None  #: None with fewer than two distinct dates
    p: float | None
    n: int


def fit(points: Sequence[tuple[float, float]]) -> Fit:
    """OLS of value on date (years) over `points` (date, value), with the slope's test."""
    n = len(points)
    dates = [x for x, _ in points]
    values = [y for _, y in points]
    if n < 2 or min(dates) == max(dates):
        return Fit(None, None, n)
    mean_x = math.fsum(dates) / n
    mean_y = math.fsum(values) / n
    sxx = math.fsum((x - mean_x) ** 2 for x in dates)
    if min(values) == max(values):  # flat: exactly no slope, whatever the float sums say
        return Fit(0.0, 1.0 if n >= MIN_POINTS else None, n)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    if n < MIN_POINTS:
        return Fit(slope, None, n)
    intercept = mean_y - slope * mean_x
    sse = math.fsum((y - intercept - slope * x) ** 2 for x, y in points)
    return Fit(slope, slope_p_value(slope, sse, sxx, n), n)


def slope_p_value(slope: float, sse: float, sxx: float, n: int) -> float:
    """Two-sided p-value of H0: slope = 0, with df = n - 2. A line without scatter
    (sse = 0) is certain: p = 0 for a slope, 1 for none."""
    df = n - 2
    standard_error = math.sqrt(sse / df / sxx)
    if standard_error == 0:
        return 0.0 if slope != 0 else 1.0
    return student_t_two_sided(slope / standard_error, df)


def student_t_two_sided(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom:
    I_x(df/2, 1/2) with x = df / (df + t²), the regularised incomplete beta function."""
    if math.isinf(t):
        return 0.0
    # 1 - x from t itself: for a small t, 1.0 - x would keep only a few digits of it
    return regularized_beta(df / (df + t * t), df / 2, 0.5, t * t / (df + t * t))


def regularized_beta(x: float, a: float, b: float, complement: float | None = None) -> float:
    """I_x(a, b), by its continued fraction (Numerical Recipes 6.4), evaluated on the
    side where it converges fast (x < (a + 1) / (a + b + 2)) and mirrored otherwise.
    `complement`: 1 - x, when the caller knows it more precisely than 1.0 - x."""
    y = 1.0 - x if complement is None else complement
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y)
    )
    front = math.exp(log_front)
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(x, a, b) / a
    return 1.0 - front * _beta_fraction(y, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """The continued fraction of the incomplete beta function, by Lentz's method."""
    tiny, epsilon = 1e-300, 1e-16
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 1000):
        # the even step, then the odd step of the fraction
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < epsilon:
            break
    return result


def movement(slope: float | None) -> str | None:
    """The arrow: the sign of the slope ("hoger", "lager", "gelijk"); None without one."""
    if slope is None:
        return None
    return HIGHER if slope > 0 else LOWER if slope < 0 else LEVEL


def judgement(found: Fit, better: Direction) -> str | None:
    """The word and colour: "onvoldoende gegevens" under 3 figures, "beter"/"slechter"
    when the slope is significant (by the direction), else "geen significante
    verandering"; None for a neutral indicator, which is neither better nor worse."""
    if better is Direction.NEUTRAL:
        return None
    if found.p is None or found.slope is None:
        return INSUFFICIENT
    if not significant(found.p):
        return NOT_SIGNIFICANT
    improved = found.slope > 0 if better is Direction.HIGHER else found.slope < 0
    return BETTER if improved else WORSE


def significant(p: float | None) -> bool:
    return p is not None and p < ALPHA


def short_reading(
    movement: str | None,
    judgement: str | None,
    p: float | None,
    neutral: bool,
    words: Mapping[str, str] = SHORT_WORDS,
) -> str:
    """'▲ beter', '▼ n.s.', '▲ te weinig', 'te weinig' (one figure: no arrow); a neutral
    indicator, neither better nor worse, reads its movement when significant ('▲ hoger').
    `words`: FULL_WORDS reads '▼ geen significante verandering'."""
    if neutral:
        word = words[INSUFFICIENT] if p is None else movement or ""
        if p is not None and not significant(p):
            word = words[NOT_SIGNIFICANT]
    else:
        word = words[judgement or INSUFFICIENT]
    return f"{ARROWS[movement]} {word}" if movement else word


# The wording every output shares (terminal, workbook, HTML report): the recent change
# as printed and what the trend's and the change's words mean.


def change_text(
    change: float | None, change_unit: str | None, change_from: str | None, quantity: Quantity
) -> str:
    """'+2,9 %-punt (2016)', '+0,2% (2025)', '+10 per 1.000 inwoners (2024)': the change
    since the previous figure (comparison.recent_change) and that figure's year; counts
    and amounts in % of it, the others in the value's unit; empty without one."""
    if change is None or change_from is None:
        return ""
    if change_unit == "%":
        amount = dutch_number(abs(change), 1)
        sign = ("+" if change > 0 else "-") if amount.strip("0,") else ""
        text = f"{sign}{amount}%"
    else:  # in the unit, as the value beside it: '+2,9 %-punt', a rate's '+10'
        text = quantity.text(change, difference=True)
    return f"{text} ({change_from})"


def window_size(window: str) -> int:
    """8 for '2017–2024'."""
    first, last = window.split("–")
    return int(last) - int(first) + 1


def trend_legend_lines(windows: Iterable[str], trends: bool, changes: bool) -> list[str]:
    """What the trend's words mean (when `trends`: a record has a figure in its window
    of `windows`, '2017–2024') and what the recent change means (when `changes`)."""
    lines = []
    if trends:
        years = " of ".join(str(size) for size in sorted({window_size(w) for w in windows}))
        lines.append(
            f"trend: lijn (kleinste kwadraten) door alle cijfers van de {years} kalenderjaren "
            "tot en met het getoonde jaar; ▲/▼ = stijgend/dalend; beter/slechter: "
            f"significant (t-toets, {100 - ALPHA * 100:.0f}%); n.s. = geen significante "
            f"verandering; te weinig = onvoldoende gegevens (minder dan {MIN_POINTS} "
            "cijfers); jaren: het eerste en laatste cijfer"
        )
    if changes:
        lines.append(
            "recente verandering: sinds het vorige cijfer (jaar tussen haakjes); "
            "percentages in %-punt, per 1.000 en scores in hun eenheid, aantallen en "
            "bedragen in %"
        )
    return lines
