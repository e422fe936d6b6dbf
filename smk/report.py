"""Helpers every notebook uses: the setup context, deterministic tables, "not enough data"
notes, caution boxes, PII masking and the headline figures the index shows.

A notebook starts with::

    ctx = smk.report.setup(client_dir=client_dir, period=period, lang=lang, output_dir=output_dir)

and then displays tables with ``ctx.table(df, formats={...}, labels={...})`` (HTML built here
through smk.fmt: pandas' own DataFrame HTML changes across versions, so stored nbval outputs would
churn), guards optional sections with ``if ctx.needs("web_traffic"):`` and ends with
``ctx.save_headlines("03", [...])``.
"""
from __future__ import annotations

import html
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

import smk
from smk import fmt

#: The project root (notebooks run from any working directory; relative paths start here).
PROJECT_ROOT = Path(smk.__file__).resolve().parents[1]

#: Set by ``smk run`` / ``smk refresh`` / the nbval tests in the kernel's environment:
#: the notebook runs unattended (no widgets).
BATCH_ENV = "SMK_BATCH"

def capability_labels() -> dict[str, tuple[str, str]]:
    """What each capability means, ``{name: (en, es)}``: smk.validate.CAPABILITIES (one source)."""
    from smk.validate import CAPABILITIES

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
    from smk.schema import TABLES

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
    """Deterministic HTML (and plain text) for a DataFrame, every value through smk.fmt.

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


def read_headlines(output_dir: str | Path, notebook_id: str) -> dict | None:
    """The headlines a notebook saved (``<output_dir>/<id>.headlines.json``), or None."""
    path = Path(output_dir) / f"{notebook_id}.headlines.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def is_batch() -> bool:
    """True when running unattended (smk run / refresh / nbval set ``SMK_BATCH``) or outside a kernel."""
    if os.environ.get(BATCH_ENV, "") not in ("", "0"):
        return True
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return True
    ip = get_ipython()
    return ip is None or not hasattr(ip, "kernel")


def resolve(path: str | Path, root: Path = PROJECT_ROOT) -> Path:
    """An absolute path; relative ones are taken from the project root (never the cwd)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (root / p)


# --- the notebook context --------------------------------------------------------------------

@dataclass
class Context:
    """What a notebook works with. Built by :func:`setup`."""

    client: Any
    period: pd.Period
    lang: str
    output_dir: Path
    client_dir: Path
    interactive: bool = False
    shown: list = field(default_factory=list)  # everything displayed through the context (tests read it)

    # -- basics
    @property
    def currency(self) -> str:
        return self.client.config.currency

    @property
    def show_pii(self) -> bool:
        return bool(self.client.config.report.show_pii)

    @property
    def capabilities(self) -> dict[str, bool]:
        return capabilities(self.client)

    def t(self, en: str, es: str) -> str:
        """The text in the report language: ``ax.set_title(ctx.t(en="Leads", es="Leads"))``."""
        return en if self.lang == "en" else es

    # -- formatting shortcuts (smk.fmt with this report's language and currency)
    def pct(self, x, decimals: int = 1) -> str:
        return fmt.pct(x, self.lang, decimals)

    def money(self, x, decimals: int = 0) -> str:
        return fmt.money(x, self.currency, self.lang, decimals)

    def number(self, x, decimals: int = 0) -> str:
        return fmt.number(x, self.lang, decimals)

    def date(self, d) -> str:
        return fmt.date(d, self.lang)

    def month(self, p=None) -> str:
        return fmt.month(self.period if p is None else p, self.lang)

    def format_axis(self, ax, axis: str = "y", kind: str = "number", decimals: int = 0):
        """Tick labels through smk.fmt (``kind``: pct, money, number, int)."""
        from smk import theme

        return theme.format_axis(ax, axis, kind, self.lang, self.currency, decimals)  # type: ignore[arg-type]

    # -- displays
    def _show(self, obj: Html) -> Html:
        self.shown.append(obj)
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover
            return obj
        if get_ipython() is not None:
            display(obj)
        return obj

    def needs(self, *caps: str) -> bool:
        """True when the client has every capability; otherwise displays the bilingual
        "not enough data: this needs …" note (in the report language) and returns False."""
        have = self.capabilities
        missing = [c for c in caps if not have.get(c, False)]
        if missing:
            self._show(not_enough_data(missing, self.lang))
            return False
        return True

    def table(self, df: pd.DataFrame, formats: Mapping[str, str] | None = None,
              labels: Mapping | None = None, *, max_rows: int | None = 50, index: bool = False,
              caption: str | None = None) -> Html:
        """Deterministic HTML table through smk.fmt (see :func:`format_table`); PII removed unless
        client.yml ``report.show_pii``. Returned, so the cell displays it."""
        return format_table(df, lang=self.lang, currency=self.currency, formats=formats, labels=labels,
                            max_rows=max_rows, index=index, caption=caption, show_pii=self.show_pii)

    def note(self, en: str, es: str) -> Html:
        """A short caution box in the report language (returned, so the cell displays it)."""
        return note_html(self.t(en, es), "note", TEXT["caution"][self.lang])

    def headline(self, label_en: str, label_es: str, value: Any, kind: str = "number",
                 display: str | None = None) -> dict:
        """One headline item formatted in this report's language and currency."""
        return headline(label_en, label_es, value, kind, lang=self.lang, currency=self.currency, display=display)

    def save_headlines(self, notebook_id: str, items: Iterable[Mapping]) -> None:
        """Write ``<output_dir>/<notebook_id>.headlines.json`` for the index tile.

        Each item: ``label_en``, ``label_es``, ``value`` and ``display`` (the formatted value;
        when missing, ``kind`` formats ``value``). No wall clock goes in (nbval, diffs).
        """
        if not re.fullmatch(r"\d\d", str(notebook_id)):
            raise ValueError(f"notebook_id must be the two-digit prefix of the notebook, got {notebook_id!r}")
        clean = []
        for i, item in enumerate(items):
            missing = {"label_en", "label_es", "value"} - set(item)
            if missing:
                raise ValueError(f"headline {i}: missing {', '.join(sorted(missing))}")
            if "display" in item:
                row = {k: _plain(item[k]) for k in ("label_en", "label_es", "value", "display")}
            else:
                row = self.headline(item["label_en"], item["label_es"], item["value"], item.get("kind", "number"))
            clean.append(row)
        payload = {"notebook": str(notebook_id), "period": str(self.period), "lang": self.lang, "items": clean}
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / f"{notebook_id}.headlines.json"
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def capabilities(client: Any) -> dict[str, bool]:
    """``smk.validate.capabilities(client)``; the import is local so notebooks that need no
    capability check work while smk.validate evolves."""
    from smk.validate import capabilities as _caps

    return dict(_caps(client))


def client_slug(client_dir: str | Path) -> str:
    """The client's folder name, used in ``reports/<client>/<period>/``."""
    return resolve(client_dir).resolve().name


def default_output_dir(client_dir: str | Path, period: str) -> Path:
    return PROJECT_ROOT / "reports" / client_slug(client_dir) / str(period)


def setup(client_dir: str | Path = "data/demo", period: str = "", lang: str = "", output_dir: str | Path = "",
          *, client: Any = None, apply_theme: bool = True) -> Context:
    """Load the client, apply the theme, resolve paths and create the output folder.

    ``period`` empty → client.yml ``period`` or the last complete month of the data;
    ``lang`` empty → client.yml ``lang``; ``output_dir`` empty → ``reports/<client>/<period>/``.
    Relative paths are taken from the project root. ``client`` skips loading (tests).
    """
    cdir = resolve(client_dir)
    if client is None:
        from smk.loader import SNAPSHOT_ENV, load_snapshot

        snap = os.environ.get(SNAPSHOT_ENV)  # set by `smk run`: the client it already loaded
        client = load_snapshot(snap, cdir) if snap else None
        if client is None:
            client = smk.load_client(cdir)
    lang = lang or client.config.lang
    fmt.check_lang(lang)
    period_str = str(period) if period else client.default_period()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period_str):
        raise smk.ConfigError(f"period must be YYYY-MM, got {period_str!r}")
    out = resolve(output_dir) if str(output_dir) else default_output_dir(cdir, period_str)
    out.mkdir(parents=True, exist_ok=True)
    if apply_theme:
        from smk import theme

        theme.apply()
    return Context(client=client, period=pd.Period(period_str, freq="M"), lang=lang, output_dir=out,
                   client_dir=cdir, interactive=not is_batch())


__all__ = [
    "BATCH_ENV", "Context", "Html", "PROJECT_ROOT", "TEXT", "capabilities", "capability_label", "capability_table", "format_table",
    "headline", "is_batch", "is_pii_column", "mask_pii", "not_enough_data", "note_html", "read_headlines",
    "resolve", "setup",
]


# --- data quality (notebook 00 and the index) ------------------------------------------------

#: Labels of data-quality tables (smk.validate.table_summary, ledger counts, capabilities).
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
    from smk.ledger import REASONS

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
    order of smk.validate.CAPABILITIES; unknown capabilities follow, sorted by name."""
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

    ``summary`` needs ``table``, ``rows_in`` and ``rows_set_aside`` (smk.validate.table_summary).
    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    from smk import theme

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
