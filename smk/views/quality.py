"""Data-quality views (notebook 00 and the index): ledger counts and rows, capabilities, the
rows-set-aside chart and the headline figures."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from smk.views import fmt
from smk.views.html import capability_label, capability_labels, mask_pii


#: Labels of data-quality tables (smk.client.capabilities.table_summary, ledger counts, capabilities).
QUALITY_LABELS: dict[str, dict[str, str]] = {
    "en": {"table": "Table", "file": "File", "rows_in": "Rows read", "rows_kept": "Rows kept",
           "rows_set_aside": "Rows set aside", "set_aside": "Rows set aside", "values_cleared": "Values cleared",
           "first": "First date", "last": "Last date", "first_date": "First date", "last_date": "Last date",
           "reason": "Reason", "meaning": "What it means", "action": "Action", "rows": "Rows",
           "source_row": "Row in the file", "column": "Column", "value": "Value", "detail": "Detail",
           "capability": "Needed for", "available": "Available"},
    "es": {"table": "Tabla", "file": "Archivo", "rows_in": "Filas leídas", "rows_kept": "Filas conservadas",
           "rows_set_aside": "Filas apartadas", "set_aside": "Filas apartadas", "values_cleared": "Valores vaciados",
           "first": "Primera fecha", "last": "Última fecha", "first_date": "Primera fecha", "last_date": "Última fecha",
           "reason": "Motivo", "meaning": "Qué significa", "action": "Acción", "rows": "Filas",
           "source_row": "Fila en el archivo", "column": "Columna", "value": "Valor", "detail": "Detalle",
           "capability": "Necesario para", "available": "Disponible"},
}

ACTION_LABELS: dict[str, dict[str, str]] = {
    "row_set_aside": {"en": "row set aside", "es": "fila apartada"},
    "value_cleared": {"en": "value cleared", "es": "valor vaciado"},
}


def ledger_counts(client: Any, lang: str = "en") -> pd.DataFrame:
    """Ledger findings counted by table, reason and action, explained in ``lang``.

    Columns ``table, meaning, action, rows`` sorted by table, then rows (descending), then reason.
    """
    fmt.check_lang(lang)
    out = client.ledger.counts(lang)
    if out.empty:
        return pd.DataFrame({"table": pd.Series(dtype="str"), "meaning": pd.Series(dtype="str"),
                             "action": pd.Series(dtype="str"), "rows": pd.Series(dtype="int64")})
    out = out.sort_values(["table", "rows", "reason"], ascending=[True, False, True], kind="stable")
    out["action"] = out["action"].map(lambda a: ACTION_LABELS.get(a, {}).get(lang, a))
    return out[["table", "meaning", "action", "rows"]].reset_index(drop=True)


def ledger_rows(client: Any, lang: str = "en", n: int | None = 20) -> pd.DataFrame:
    """The first ``n`` ledger rows (by table and source row), reason explained, PII masked unless
    client.yml ``report.show_pii``: ``table, file, source_row, column, value, meaning, action``."""
    from smk.io.ledger import REASONS

    df = client.ledger.to_frame()
    idx = 0 if lang == "en" else 1
    df["meaning"] = df["reason"].map(lambda r: REASONS.get(r, (r, r))[idx])
    df["action"] = df["action"].map(lambda a: ACTION_LABELS.get(a, {}).get(lang, a))
    df = df[["table", "file", "source_row", "column", "value", "meaning", "action"]]
    df = df.assign(file=df["file"].map(lambda f: Path(str(f)).name if isinstance(f, str) else f))
    df = mask_pii(df, show_pii=bool(client.config.report.show_pii), lang=lang)
    return (df if n is None else df.head(n)).reset_index(drop=True)


def capability_table(caps: Mapping[str, bool], lang: str = "en") -> pd.DataFrame:
    """What the data allows: ``capability`` (explained in ``lang``) and ``available`` (bool), in the
    order of smk.client.capabilities.CAPABILITIES; unknown capabilities follow, sorted by name."""
    fmt.check_lang(lang)
    known = capability_labels()
    names = [c for c in known if c in caps] + sorted(c for c in caps if c not in known)
    return pd.DataFrame({
        "capability": [capability_label(c, lang) for c in names],
        "available": pd.Series([bool(caps[c]) for c in names], dtype="bool"),
    })


def plot_quality(summary: pd.DataFrame, *, lang: str = "en", ax=None):
    """Horizontal bars: rows set aside per table, each labelled with its count and its share of
    the rows read (set aside ÷ rows read).

    ``summary`` needs ``table``, ``rows_in`` and ``rows_set_aside`` (smk.client.capabilities.table_summary).
    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    aside = summary["rows_set_aside"].astype(float).to_numpy()
    rows_in = summary["rows_in"].astype(float).to_numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(theme.figsize("wide")[0], 1.2 + 0.45 * len(summary)))
    labels = summary["table"].astype(str).tolist()
    words = QUALITY_LABELS[lang]
    bars = ax.barh(labels, aside, color=theme.COLORS["bad"])
    ax.invert_yaxis()
    texts = [f"{fmt.number(a, lang)} ({fmt.pct(a / n if n else float('nan'), lang, 2)})" for a, n in zip(aside, rows_in)]
    ax.bar_label(bars, labels=texts, padding=4, fontsize=9)
    top = max(aside.max() if len(aside) else 0, 1)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel(words["rows_set_aside"])
    ax.set_title({"en": "Rows set aside per table (share of rows read)",
                  "es": "Filas apartadas por tabla (proporción de las filas leídas)"}[lang])
    theme.format_axis(ax, "x", "int", lang)
    ax.grid(axis="y", visible=False)
    return ax


def quality_headlines(ctx: Context) -> list[dict]:
    """Headline figures of notebook 00: leads read, rows set aside (all tables), share of rows set
    aside (set aside ÷ rows read, all tables), analyses the data allows (capabilities available)."""
    client = ctx.client
    rows_in = {k: int(v) for k, v in (client.rows_in or {}).items()}
    total_in = sum(rows_in.values())
    ledger = client.ledger.to_frame()
    aside = int((ledger["action"] == "row_set_aside").sum())
    caps = ctx.capabilities
    n_caps = sum(bool(v) for v in caps.values())
    return [
        ctx.headline("Leads read", "Leads leídos", rows_in.get("leads", len(client.leads)), "int"),
        ctx.headline("Rows set aside", "Filas apartadas", aside, "int"),
        ctx.headline("Share of rows set aside", "Proporción de filas apartadas",
                     aside / total_in if total_in else None, "pct:2"),
        ctx.headline("Data requirements met", "Requisitos de datos cubiertos", n_caps, "int",
                     display=f"{n_caps} / {len(caps)}"),
    ]
