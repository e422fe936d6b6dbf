"""One look for every notebook and report: a seaborn theme, a palette, figure sizes and axis
number formats that follow the report language and the client's currency (through smk.views.fmt).

Plot functions use ``PALETTE`` / ``COLORS`` and take ``ax=None``; notebooks call
``smk.report.setup(...)``, which calls :func:`apply` once.
"""
from __future__ import annotations

import math
from typing import Literal

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.ticker import AutoLocator, Formatter, LogFormatterSciNotation, MaxNLocator, ScalarFormatter

from smk.views import fmt

#: Categorical palette (Okabe–Ito, colour-blind safe), in the order series are drawn.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # pink
    "#56B4E9",  # sky
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#666666",  # grey
)

#: Colours with a meaning, used the same way in every notebook.
COLORS: dict[str, str] = {
    "marketing": "#E69F00",
    "sales": "#0072B2",
    "management": "#009E73",
    "good": "#009E73",
    "bad": "#D55E00",
    "neutral": "#999999",
    "goal": "#333333",
    "highlight": "#0072B2",
}

#: Figure sizes in inches (width, height); the HTML report is about 8 in wide at 100 dpi.
FIGSIZE: dict[str, tuple[float, float]] = {
    "wide": (9.0, 4.0),
    "normal": (7.5, 4.5),
    "square": (5.5, 5.0),
    "tall": (7.5, 7.0),
}
DPI = 100

#: matplotlib settings the theme applies on top of seaborn's "whitegrid" style.
RC: dict[str, object] = {
    "figure.figsize": FIGSIZE["normal"],
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.autolayout": True,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.family": "DejaVu Sans",  # ships with matplotlib: identical on every machine, no web font
    "svg.hashsalt": "smk",  # deterministic ids if a notebook saves SVG
    "image.cmap": "viridis",
}


def apply() -> None:
    """Apply the playbook theme to matplotlib/seaborn (idempotent)."""
    import seaborn as sns  # local: importing seaborn is slow and only needed when plotting

    sns.set_theme(context="notebook", style="whitegrid", palette=list(PALETTE), rc=dict(RC))


def palette(n: int) -> list[str]:
    """``n`` colours from :data:`PALETTE`, repeating if ``n`` exceeds its length."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return [PALETTE[i % len(PALETTE)] for i in range(n)]


def tick_decimals(values, scale: float = 1.0, minimum: int = 0, maximum: int = 4) -> int:
    """The fewest decimals (at least ``minimum``) that write every tick of ``values`` (times
    ``scale``: 100 for shares shown as percentages) exactly, so that no two ticks read the same and
    none is rounded wrong: ticks 2.5, 7.5, 12.5 need one decimal (not "2, 8, 13"), 0, 0.5, 1 … 2.5
    need one (not "0 0 1 2 2 2"), 0, 500, 1000 need none."""
    vals = [float(v) * scale for v in values if v is not None and math.isfinite(float(v))]
    if not vals:
        return minimum
    spread = max(abs(v) for v in vals) or 1.0
    for d in range(minimum, maximum + 1):
        tol = 1e-6 * max(10.0 ** -d, spread * 1e-9)
        if all(abs(round(v, d) - v) <= tol + 1e-9 * abs(v) for v in vals):
            return d
    return maximum


class TickFormatter(Formatter):
    """Tick labels written like the tables (smk.views.fmt, in the report language), with the
    decimals chosen from the ticks on the axis (:func:`tick_decimals`; ``decimals`` is the least
    number of decimals). ``kind``: ``pct`` (shares: 0.25 → "25 %"), ``money``, ``number``, ``int``."""

    SCALE = {"pct": 100.0, "money": 1.0, "number": 1.0, "int": 1.0}

    def __init__(self, kind: str = "number", lang: str = "en", currency: str = "USD", decimals: int | None = None):
        if kind not in self.SCALE:
            raise ValueError(f"kind must be one of {sorted(self.SCALE)}, got {kind!r}")
        self.kind, self.lang, self.currency = kind, fmt.check_lang(lang), currency
        self.minimum = 0 if decimals is None else int(decimals)
        self.ticks: list[float] = []

    def set_locs(self, locs) -> None:
        self.ticks = list(locs)

    def decimals(self) -> int:
        if self.kind == "int":
            return 0
        return tick_decimals(self.ticks, self.SCALE[self.kind], self.minimum)

    def format(self, x: float, decimals: int) -> str:
        if self.kind == "pct":
            return fmt.pct(x, self.lang, decimals)
        if self.kind == "money":
            return fmt.money(x, self.currency, self.lang, decimals)
        return fmt.number(x, self.lang, decimals)

    def __call__(self, x, pos=None) -> str:
        return self.format(x, self.decimals())

    def format_ticks(self, values) -> list[str]:
        self.set_locs(values)
        d = self.decimals()
        return [self.format(v, d) for v in values]


class DateTickFormatter(Formatter):
    """Date ticks in the report language: months as ``oct 2026``, days as ``31 oct`` (``31 oct 2026``
    when the ticks cross a year), hours as ``14:00``."""

    def __init__(self, lang: str = "en"):
        self.lang = fmt.check_lang(lang)
        self.ticks: list[float] = []

    def set_locs(self, locs) -> None:
        self.ticks = list(locs)

    def _label(self, x: float, days: list) -> str:
        d = mdates.num2date(x).replace(tzinfo=None)
        if len(days) > 1 and min(b - a for a, b in zip(days, days[1:])) < 1 - 1e-9:
            return f"{d:%H:%M}"
        if days and all(mdates.num2date(v).day == 1 for v in days) and len(days) > 1 and days[-1] - days[0] >= 28:
            return fmt.month(d, self.lang, short=True)
        years = {mdates.num2date(v).year for v in days}
        return fmt.day_month(d, self.lang) if len(years) <= 1 else fmt.date(d, self.lang)

    def __call__(self, x, pos=None) -> str:
        return self._label(x, sorted(self.ticks))

    def format_ticks(self, values) -> list[str]:
        self.set_locs(values)
        days = sorted(values)
        return [self._label(v, days) for v in values]


def formatter(kind: Literal["pct", "money", "number", "int"], lang: str = "en",
              currency: str = "USD", decimals: int | None = None) -> TickFormatter:
    """A tick formatter through smk.views.fmt: ``pct`` takes shares (0.25 → '25 %'), ``money`` amounts;
    decimals from the tick spacing (at least ``decimals``)."""
    return TickFormatter(kind, lang, currency, decimals)


def format_axis(ax: Axes, axis: Literal["x", "y"] = "y", kind: str = "number", lang: str = "en",
                currency: str = "USD", decimals: int | None = None) -> Axes:
    """Format the tick labels of one axis in the report language; returns ``ax``. An ``int`` axis
    left to matplotlib's default locator gets whole-number ticks only."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(formatter(kind, lang, currency, decimals))  # type: ignore[arg-type]
    if kind == "int" and type(target.get_major_locator()) is AutoLocator:
        target.set_major_locator(MaxNLocator(integer=True))
    return ax


def localize(figure, lang: str = "en") -> None:
    """Every numeric axis of ``figure`` (a Figure or an Axes) that still has matplotlib's own tick
    labels gets the report's: numbers as in the tables (``2.250``, not ``2250``) and dates in the
    report language. Axes formatted on purpose (:func:`format_axis`), categorical axes and axes
    with fixed labels are left alone. Call it when the figure is complete."""
    fmt.check_lang(lang)
    fig = figure.figure if hasattr(figure, "get_figure") and not hasattr(figure, "savefig") else figure
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            current = axis.get_major_formatter()
            if isinstance(current, (mdates.AutoDateFormatter, mdates.ConciseDateFormatter)):
                axis.set_major_formatter(DateTickFormatter(lang))
            elif type(current) in (ScalarFormatter, LogFormatterSciNotation):
                axis.set_major_formatter(TickFormatter("number", lang))


def figure_title(figure) -> str:
    """The title a reader sees on a chart (the figure's suptitle, else its first Axes' title wherever
    the theme put it), in the report's language: the chart's alt text. ``""`` when it has none."""
    fig = figure.figure if hasattr(figure, "get_figure") and not hasattr(figure, "savefig") else figure
    if fig.get_suptitle():
        return fig.get_suptitle()
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            if ax.get_title(loc):
                return ax.get_title(loc)
    return ""


def figsize(kind: str = "normal") -> tuple[float, float]:
    """Named figure size (``wide``, ``normal``, ``square``, ``tall``)."""
    if kind not in FIGSIZE:
        raise ValueError(f"figure size must be one of {sorted(FIGSIZE)}, got {kind!r}")
    return FIGSIZE[kind]


__all__ = ["COLORS", "DPI", "FIGSIZE", "PALETTE", "RC", "DateTickFormatter", "TickFormatter", "apply", "figsize",
           "figure_title", "format_axis", "formatter", "localize", "palette", "tick_decimals"]

