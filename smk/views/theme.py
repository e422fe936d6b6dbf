"""One look for every notebook and report: a seaborn theme, a palette, figure sizes and axis
number formats that follow the report language and the client's currency (through smk.views.fmt).

Plot functions use ``PALETTE`` / ``COLORS`` and take ``ax=None``; notebooks call
``smk.report.setup(...)``, which calls :func:`apply` once.
"""
from __future__ import annotations

from typing import Literal

from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

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


def formatter(kind: Literal["pct", "money", "number", "int"], lang: str = "en",
              currency: str = "USD", decimals: int = 0) -> FuncFormatter:
    """A tick formatter through smk.views.fmt: ``pct`` takes shares (0.25 → '25 %'), ``money`` amounts."""
    fmt.check_lang(lang)
    funcs = {
        "pct": lambda v, _pos: fmt.pct(v, lang, decimals),
        "money": lambda v, _pos: fmt.money(v, currency, lang, decimals),
        "number": lambda v, _pos: fmt.number(v, lang, decimals),
        "int": lambda v, _pos: fmt.number(v, lang, 0),
    }
    if kind not in funcs:
        raise ValueError(f"kind must be one of {sorted(funcs)}, got {kind!r}")
    return FuncFormatter(funcs[kind])


def format_axis(ax: Axes, axis: Literal["x", "y"] = "y", kind: str = "number", lang: str = "en",
                currency: str = "USD", decimals: int = 0) -> Axes:
    """Format the tick labels of one axis in the report language; returns ``ax``."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(formatter(kind, lang, currency, decimals))  # type: ignore[arg-type]
    return ax


def figsize(kind: str = "normal") -> tuple[float, float]:
    """Named figure size (``wide``, ``normal``, ``square``, ``tall``)."""
    if kind not in FIGSIZE:
        raise ValueError(f"figure size must be one of {sorted(FIGSIZE)}, got {kind!r}")
    return FIGSIZE[kind]


__all__ = ["COLORS", "DPI", "FIGSIZE", "PALETTE", "RC", "apply", "figsize", "format_axis", "formatter", "palette"]

