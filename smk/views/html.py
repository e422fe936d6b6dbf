"""Deterministic HTML for notebooks and reports: the ``Html`` rich output, tables formatted
through smk.views.fmt, notes, the "not enough data" box, PII masking and headline items."""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from smk.views import fmt


def capability_labels() -> dict[str, tuple[str, str]]:
    """What each capability means, ``{name: (en, es)}``: smk.client.capabilities.CAPABILITIES (one source)."""
    from smk.client.capabilities import CAPABILITIES

    return dict(CAPABILITIES)


def capability_label(name: str, lang: str = "en") -> str:
    """A capability explained in ``lang`` (the name itself when unknown)."""
    pair = capability_labels().get(name)
    return pair[0 if fmt.check_lang(lang) == "en" else 1] if pair else name


#: Client-facing words used by the helpers of this module.
TEXT: dict[str, dict[str, str]] = {
    "not_enough": {"en": "Not enough data", "es": "No hay datos suficientes"},
    "this_needs": {"en": "this analysis needs", "es": "este análisis necesita"},
    "add_export": {"en": "Add the export to client.yml and run the playbook again.",
                   "es": "Añada la exportación a client.yml y vuelva a ejecutar el playbook."},
    "yes": {"en": "yes", "es": "sí"},
    "no": {"en": "no", "es": "no"},
    "showing": {"en": "Showing the first {shown} of {total} rows.",
                "es": "Se muestran las primeras {shown} de {total} filas."},
    "caution": {"en": "Note", "es": "Nota"},
    "masked": {"en": "[hidden]", "es": "[oculto]"},
}

# --- PII -------------------------------------------------------------------------------------

#: Column names that hold personal contact data (schema ``pii=True`` columns and common CRM names).
PII_NAME_RE = re.compile(
    r"^([a-z]+_)?(e_?mail|mail|correo(_electr[oó]nico)?|phone|tel|tel[eé]fono|mobile|m[oó]vil|celular|"
    r"whatsapp|fax)(_(address|number|no|num|n[uú]mero|1|2))?$"
)  # applied to the lower-cased name with non-alphanumerics as "_": "Work Phone" → "work_phone";
# activity counters such as n_email_open or email_click are not contact data and stay
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def _schema_pii_columns() -> set[str]:
    from smk.io.schema import TABLES

    return {c.name for t in TABLES.values() for c in t.columns if c.pii}


def is_pii_column(name: object) -> bool:
    """True for a column that holds emails or phone numbers (by canonical schema or by name)."""
    text = re.sub(r"[^0-9a-záéíóúñ]+", "_", str(name).strip().lower()).strip("_")
    return text in _schema_pii_columns() or bool(PII_NAME_RE.search(text))


def mask_pii(df: pd.DataFrame, show_pii: bool = False, lang: str = "en") -> pd.DataFrame:
    """A copy of ``df`` safe to show a client.

    - columns that are PII by name (``email``, ``phone``, ``correo``, ``telefono`` …) are dropped;
    - ledger-shaped tables (``column`` + ``value``) keep their rows but the ``value`` of a PII column
      becomes ``[hidden]``;
    - any e-mail address inside remaining text cells becomes ``[hidden]``.

    Lead-level lists therefore show ids and owners only. ``show_pii=True`` (client.yml
    ``report.show_pii``) returns the frame unchanged.
    """
    if show_pii:
        return df.copy()
    hidden = TEXT["masked"][fmt.check_lang(lang)]
    out = df.drop(columns=[c for c in df.columns if is_pii_column(c)])
    if {"column", "value"} <= set(out.columns):
        pii_rows = out["column"].map(lambda c: isinstance(c, str) and is_pii_column(c))
        out["value"] = out["value"].astype("object").where(~pii_rows.astype(bool), hidden)
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            has_email = s.map(lambda v: isinstance(v, str) and bool(EMAIL_RE.search(v))).astype(bool)
            if has_email.any():
                out[col] = s.astype("object").where(
                    ~has_email, s.astype("object").map(lambda v: EMAIL_RE.sub(hidden, v) if isinstance(v, str) else v))
    return out


# --- deterministic HTML ----------------------------------------------------------------------

@dataclass(frozen=True)
class Html:
    """Rich output for notebooks: ``text/html`` plus a deterministic ``text/plain``."""

    html: str
    text: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text or re.sub(r"<[^>]+>", "", self.html).strip()

    def __str__(self) -> str:
        return self.html


FORMATS = ("pct", "money", "int", "number", "date", "ci", "month", "pp", "text", "bool", "hours")


def _parse_format(spec: str) -> tuple[str, int | None]:
    kind, _, dec = str(spec).partition(":")
    if kind not in FORMATS:
        raise ValueError(f"unknown format {spec!r}; use one of {', '.join(FORMATS)} (optionally ':<decimals>')")
    return kind, (int(dec) if dec else None)


def _format_value(v: Any, kind: str, decimals: int | None, lang: str, currency: str) -> str:
    if kind == "ci":
        if isinstance(v, (tuple, list)) and len(v) == 2:
            return fmt.ci(v[0], v[1], lang, "pct", 1 if decimals is None else decimals)
        return fmt.MISSING if fmt._isnull(v) else html.escape(str(v))
    if fmt._isnull(v):
        return fmt.MISSING
    if kind == "pct":
        return fmt.pct(v, lang, 1 if decimals is None else decimals)
    if kind == "pp":
        return fmt.pp(v, lang, 1 if decimals is None else decimals)
    if kind == "money":
        return fmt.money(v, currency, lang, 0 if decimals is None else decimals)
    if kind == "int":
        return fmt.number(v, lang, 0)
    if kind == "number":
        return fmt.number(v, lang, 2 if decimals is None else decimals)
    if kind == "date":
        return fmt.date(v, lang)
    if kind == "month":
        return fmt.month(v, lang)
    if kind == "hours":
        return fmt.duration_hours(v, lang)
    if kind == "bool":
        return TEXT["yes" if bool(v) else "no"][lang]
    return str(v)


def _default_kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "int"
    if pd.api.types.is_float_dtype(s.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    if isinstance(s.dtype, pd.PeriodDtype):
        return "month"
    values = s.dropna()
    if s.dtype == object and len(values) and all(isinstance(v, pd.Timestamp) for v in values):
        return "date"  # mixed timezones (tz-aware datetimes beside naive months) end up as object
    return "text"


def _pick_labels(labels: Mapping | None, lang: str) -> dict:
    """``labels`` is ``{col: 'Label'}``, ``{col: {'en': .., 'es': ..}}`` or a module ``LABELS``
    dict ``{'en': {col: ..}, 'es': {col: ..}}``."""
    if not labels:
        return {}
    if isinstance(labels, str):  # a catalogue prefix: "sla.columns" -> {col: t("sla.columns.<col>")}
        from smk import texts

        return texts.labels(labels, lang)
    if set(labels) <= {"en", "es"} and all(isinstance(v, Mapping) for v in labels.values()):
        return dict(labels.get(lang, {}))
    out = {}
    for col, lab in labels.items():
        out[col] = lab.get(lang, next(iter(lab.values()))) if isinstance(lab, Mapping) else lab
    return out


def format_table(df: pd.DataFrame, *, lang: str = "en", currency: str = "USD",
                 formats: Mapping[str, str] | None = None, labels: Mapping | None = None,
                 max_rows: int | None = 50, index: bool = False, caption: str | None = None,
                 show_pii: bool = False) -> Html:
    """Deterministic HTML (and plain text) for a DataFrame, every value through smk.views.fmt.

    ``formats`` maps a column to ``pct`` | ``money`` | ``int`` | ``number`` | ``date`` | ``ci`` |
    ``month`` | ``pp`` | ``hours`` | ``bool`` | ``text``, optionally with decimals (``"pct:0"``).
    A ``ci`` column is either (low, high) pairs or is built from ``<col>_low``/``<col>_high`` (or
    ``ci_low``/``ci_high``), which are then not shown. Unformatted columns follow their dtype.
    PII columns are removed (see :func:`mask_pii`) unless ``show_pii``.
    """
    fmt.check_lang(lang)
    formats = dict(formats or {})
    data = df.reset_index() if index else df.copy()
    data = mask_pii(data, show_pii=show_pii, lang=lang)
    for col, spec in list(formats.items()):
        kind, dec = _parse_format(spec)
        if kind == "ci" and col not in data.columns:
            lo, hi = (f"{col}_low", f"{col}_high") if f"{col}_low" in data.columns else ("ci_low", "ci_high")
            if lo not in data.columns or hi not in data.columns:
                raise KeyError(f"ci column {col!r}: need {col!r} as (low, high) pairs or {lo!r}/{hi!r}")
            pos = list(data.columns).index(lo)
            pairs = list(zip(data[lo].tolist(), data[hi].tolist()))
            data = data.drop(columns=[lo, hi])
            data.insert(pos, col, pd.Series(pairs, index=data.index, dtype="object"))
    total = len(data)
    shown = data if max_rows is None or total <= max_rows else data.head(max_rows)
    names = _pick_labels(labels, lang)
    head_cells, body_rows, text_rows = [], [], []
    kinds = {}
    for col in shown.columns:
        if col in formats:
            kinds[col] = _parse_format(formats[col])
        else:
            kinds[col] = (_default_kind(shown[col]), None)
    for col in shown.columns:
        label = str(names.get(col, col))
        num = kinds[col][0] not in ("text", "date", "month", "bool")
        head_cells.append(f'<th class="{"num" if num else "txt"}">{html.escape(label)}</th>')
    text_rows.append(" | ".join(str(names.get(c, c)) for c in shown.columns))
    for row in shown.itertuples(index=False, name=None):
        cells, texts = [], []
        for col, v in zip(shown.columns, row):
            kind, dec = kinds[col]
            s = _format_value(v, kind, dec, lang, currency)
            num = kind not in ("text", "date", "month", "bool")
            cells.append(f'<td class="{"num" if num else "txt"}">{html.escape(s)}</td>')
            texts.append(s)
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
        text_rows.append(" | ".join(texts))
    parts = ['<div class="smk-table-wrap"><table class="smk-table">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(head_cells) + "</tr></thead>")
    parts.append("<tbody>" + "".join(body_rows) + "</tbody></table>")
    if len(shown) < total:
        msg = TEXT["showing"][lang].format(shown=fmt.number(len(shown), lang), total=fmt.number(total, lang))
        parts.append(f'<p class="smk-more">{html.escape(msg)}</p>')
        text_rows.append(msg)
    parts.append("</div>")
    return Html("".join(parts), "\n".join(text_rows))


def note_html(text: str, kind: str = "note", title: str | None = None) -> Html:
    """A short boxed message: ``kind`` is ``note`` (caution) or ``missing`` (not enough data)."""
    head = f"<strong>{html.escape(title)}:</strong> " if title else ""
    return Html(f'<div class="smk-note smk-{html.escape(kind)}"><p>{head}{html.escape(text)}</p></div>',
                f"{title + ': ' if title else ''}{text}")


def not_enough_data(missing: Iterable[str], lang: str = "en") -> Html:
    """The "not enough data: this needs …" note for missing capabilities, in ``lang``."""
    fmt.check_lang(lang)
    needs = [capability_label(m, lang) for m in missing]
    text = f"{TEXT['this_needs'][lang]} {'; '.join(needs)}. {TEXT['add_export'][lang]}"
    return note_html(text, "missing", TEXT["not_enough"][lang])


def headline(label_en: str, label_es: str, value: Any, kind: str = "number", *, lang: str = "en",
             currency: str = "USD", display: str | None = None) -> dict:
    """One headline figure for the index tile; ``display`` defaults to ``value`` formatted as ``kind``."""
    k, dec = _parse_format(kind)
    v = _plain(value)
    return {"label_en": label_en, "label_es": label_es, "value": v,
            "display": display if display is not None else _format_value(v, k, dec, lang, currency)}


def _plain(v: Any) -> Any:
    """JSON-safe scalar: numpy → Python, NaN → None, timestamps → ISO date."""
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, (pd.Timestamp, pd.Period)):
        return str(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v




# --- texts from the catalogue as HTML ----------------------------------------------------------

_JINJA = None


def jinja():
    """The one Jinja environment for HTML: autoescaped, templates in smk/views/templates and
    smk/report/templates. Every value from the data goes through it (or through :func:`escape`)."""
    global _JINJA
    if _JINJA is None:
        from pathlib import Path

        import jinja2

        base = Path(__file__).resolve().parents[1]
        _JINJA = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(base / "views" / "templates"), str(base / "report" / "templates")]),
            autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
            trim_blocks=True, lstrip_blocks=True)
    return _JINJA


def render(template: str, /, **values: Any) -> str:
    """A template file of smk/views/templates or smk/report/templates, autoescaped."""
    return jinja().get_template(template).render(**values)


def render_string(source: str, /, **values: Any) -> str:
    """An inline template, autoescaped (for small fragments)."""
    return jinja().from_string(source).render(**values)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def text_html(text: str, tag: str = "p", css: str | None = None) -> Html:
    """Plain catalogue text as HTML: escaped, ``**bold**`` kept as <strong>, blank lines as
    paragraphs (for ``tag="p"``)."""
    cls = f' class="{html.escape(css)}"' if css else ""
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()] if tag == "p" else [text]
    strong = r"<strong>\1</strong>"
    body = "".join(f"<{tag}{cls}>{_BOLD.sub(strong, html.escape(p))}</{tag}>" for p in paras)
    return Html(body, _BOLD.sub(r"\1", text))
