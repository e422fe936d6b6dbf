"""Data-quality views (notebook 00 and the index): what was read per table, the rows-set-aside
chart, why rows were set aside, ledger examples and what the data allows. Words from the
catalogue (``quality.*``; ledger reasons ``ledger.reason.<code>``)."""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from smk import texts
from smk.analyses.quality import QualityResult
from smk.io.ledger import reason_key
from smk.views import fmt, theme
from smk.views.html import capability_label, mask_pii
from smk.views.registry import section

#: Catalogue prefix of the column labels of every data-quality table.
COLUMNS = "quality.columns"


def action_text(action: str, lang: str) -> str:
    """``row_set_aside`` → "row set aside" in ``lang`` (unknown codes as they are)."""
    key = f"quality.values.{action}"
    return texts.t(key, lang) if texts.has(key, lang) else str(action)


def reason_text(reason: str, lang: str) -> str:
    """What a ledger reason code means, in ``lang`` (catalogue ``ledger.reason.<code>``; unknown
    codes as they are)."""
    key = reason_key(reason)
    return texts.t(key, fmt.check_lang(lang)) if texts.has(key, lang) else str(reason)


def reasons_table(reasons: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table, meaning, action, rows``: ledger counts explained in ``lang``."""
    return pd.DataFrame({
        "table": reasons["table"].astype("object"),
        "meaning": reasons["reason"].map(lambda r: reason_text(r, lang)).astype("object"),
        "action": reasons["action"].map(lambda a: action_text(a, lang)).astype("object"),
        "rows": reasons["rows"].astype("int64"),
    })


def examples_table(examples: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table, file, source_row, column, value, meaning, action``: ledger rows explained in ``lang``
    (PII is masked by whoever shows it: ``ctx.table``)."""
    df = examples[["table", "file", "source_row", "column", "value"]].copy()
    df["meaning"] = examples["reason"].map(lambda r: reason_text(r, lang)).astype("object")
    df["action"] = examples["action"].map(lambda a: action_text(a, lang)).astype("object")
    return df


def capability_table(capabilities: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``capability`` explained in ``lang`` and ``available`` (bool)."""
    return pd.DataFrame({"capability": capabilities["capability"].map(lambda c: capability_label(c, lang)).astype("object"),
                         "available": capabilities["available"].astype("bool")})


def ledger_export(client: Any, lang: str, show_pii: bool | None = None) -> pd.DataFrame:
    """The whole ledger as a client may read it (``data_quality_ledger.csv``, ``smk validate
    --ledger``): every column of the ledger plus ``meaning`` (the reason in ``lang``); e-mails and
    phone numbers masked unless ``show_pii`` (default: client.yml ``report.show_pii``)."""
    df = client.ledger.to_frame()
    df["meaning"] = df["reason"].map(lambda r: reason_text(r, lang)).astype("object")
    allowed = bool(client.config.report.show_pii) if show_pii is None else bool(show_pii)
    return mask_pii(df, show_pii=allowed, lang=lang)


def plot_quality(summary: pd.DataFrame, *, lang: str = "en", ax=None):
    """Horizontal bars: rows set aside per table, each labelled with its count and its share of
    the rows read (set aside ÷ rows read).

    ``summary`` needs ``table``, ``rows_in`` and ``rows_set_aside`` (smk.client.capabilities.table_summary).
    Returns the Axes.
    """
    fmt.check_lang(lang)
    aside = summary["rows_set_aside"].astype(float).to_numpy()
    rows_in = summary["rows_in"].astype(float).to_numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(theme.figsize("wide")[0], 1.2 + 0.45 * len(summary)))
    labels = summary["table"].astype(str).tolist()
    bars = ax.barh(labels, aside, color=theme.COLORS["bad"])
    ax.invert_yaxis()
    counts = [f"{fmt.number(a, lang)} ({fmt.pct(a / n if n else float('nan'), lang, 2)})" for a, n in zip(aside, rows_in)]
    ax.bar_label(bars, labels=counts, padding=4, fontsize=9)
    top = max(aside.max() if len(aside) else 0, 1)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel(texts.t(f"{COLUMNS}.rows_set_aside", lang))
    ax.set_title(texts.t("quality.read.plot_title", lang))
    theme.format_axis(ax, "x", "int", lang)
    ax.grid(axis="y", visible=False)
    return ax


# --- the sections of notebook 00 -----------------------------------------------------------------

@section(QualityResult, "read")
def read(res: QualityResult, ctx: Any) -> list:
    """What was read from each export (the 00 report names files), and the rows-set-aside chart."""
    return [ctx.table(res.tables, labels=COLUMNS), plot_quality(res.tables, lang=ctx.lang).figure]


@section(QualityResult, "reasons")
def reasons(res: QualityResult, ctx: Any) -> list:
    """Why rows were set aside: ledger findings counted by table, reason and action."""
    if res.reasons.empty:
        return [ctx.para("quality.reasons.none")]
    return [ctx.table(reasons_table(res.reasons, ctx.lang), labels=COLUMNS)]


@section(QualityResult, "examples")
def examples(res: QualityResult, ctx: Any) -> list:
    """The first ledger rows, contact details hidden unless client.yml ``report.show_pii``."""
    if res.examples.empty:
        return []
    intro = "quality.examples.intro_pii" if ctx.show_pii else "quality.examples.intro"
    return [ctx.para(intro), ctx.table(examples_table(res.examples, ctx.lang), labels=COLUMNS,
                                       max_rows=len(res.examples))]


@section(QualityResult, "capabilities")
def capabilities(res: QualityResult, ctx: Any) -> list:
    """What the data allows, and how analyses without their data say so."""
    return [ctx.table(capability_table(res.capabilities, ctx.lang), labels=COLUMNS),
            ctx.note_text("quality.allows.note")]


__all__ = ["COLUMNS", "action_text", "capability_table", "examples_table", "ledger_export", "plot_quality",
           "reason_text", "reasons_table"]
