"""Deterministic HTML for notebooks and reports: the ``Html`` rich output, tables formatted
through smk.views.fmt, notes, the "not enough data" box, PII masking, headline items and the one
autoescaped Jinja environment.

Escaping happens in one place per path: fragments (tables, notes, catalogue paragraphs) escape
each value with :func:`html.escape` here; pages and anything larger are Jinja templates rendered by
:func:`render` (autoescape on). An :class:`Html` fragment passed to a template is inserted as it
is (it has ``__html__``), so nothing is escaped twice.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2
import numpy as np
import pandas as pd

from smk import texts
from smk.client.capabilities import CAPABILITIES
from smk.io.pii import EMAIL_RE, is_pii_column
from smk.views import fmt


def capability_names() -> list[str]:
    """The capabilities an analysis can need (smk.client.capabilities.CAPABILITIES), in order."""
    return list(CAPABILITIES)


def capability_label(name: str, lang: str = "en") -> str:
    """A capability explained in ``lang`` (catalogue ``report.capabilities.<name>``; the name
    itself when it is not a known capability)."""
    key = f"report.capabilities.{name}"
    return texts.t(key, fmt.check_lang(lang)) if texts.has(key, lang) else str(name)


# --- PII -------------------------------------------------------------------------------------
# Which columns hold contact data is one rule for every layer: smk.io.pii (is_pii_column, EMAIL_RE).

_SEP = r"[ \u00a0.\-]"
#: Phone numbers inside text. Each pattern needs a sign that the digits are a phone number (a
#: leading ``+``, an area code in parentheses, the 3-3-4 grouping of North American numbers, or a
#: word such as "Tel" / "móvil" right before), so amounts (1.234.567, $1,234), dates (2026-03-05),
#: times, percentages and plain ids (L-000123, 0012345678) stay as they are.
PHONE_RES: tuple[re.Pattern, ...] = (
    # +34 600 111 222, +1-202-555-0143, +44 (0)20 7946 0958, +34600111222
    re.compile(rf"(?<![\w+])\+\d{{1,3}}(?:{_SEP}?\(?\d{{1,5}}\)?){{1,6}}(?![\w])"),
    # (555) 123-4567, (01) 234 5678
    re.compile(rf"(?<![\w)])\(\d{{2,5}}\){_SEP}?\d{{2,4}}(?:{_SEP}?\d{{2,4}}){{1,3}}(?![\w])"),
    # 555-123-4567, 555.123.4567, 555 123 4567
    re.compile(r"(?<![\w.\-])\d{3}([ \u00a0.\-])\d{3}\1\d{4}(?![\w]|[.\-]\d)"),
    # Tel: 600 123 456, móvil 600123456, WhatsApp 600-12-34-56 (the word stays, the number goes)
    re.compile(rf"(?i)(?<!\w)(?:tel[eé]fono|tel|phone|mobile|m[oó]vil|cel(?:ular)?|whats ?app|fax)\.?:?\s*"
               rf"(\+?\d(?:{_SEP}?\d){{5,14}})(?![\w])"),
)
_THOUSANDS = re.compile(r"^\+\d{1,3}(?:[.,]\d{3})+$")  # a signed amount such as +12.345.678, not a phone


def _phone_digits_ok(text: str) -> bool:
    return 6 <= sum(c.isdigit() for c in text) <= 15 and not _THOUSANDS.match(text)


def mask_text(text: str, hidden: str) -> str:
    """``text`` with every e-mail address and phone number replaced by ``hidden``."""
    out = EMAIL_RE.sub(hidden, text)
    intl, paren, nanp, worded = PHONE_RES
    out = intl.sub(lambda m: hidden if _phone_digits_ok(m.group(0)) and sum(c.isdigit() for c in m.group(0)) >= 8
                   else m.group(0), out)
    out = paren.sub(lambda m: hidden if _phone_digits_ok(m.group(0)) else m.group(0), out)
    out = nanp.sub(hidden, out)
    out = worded.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + hidden if _phone_digits_ok(m.group(1))
                     else m.group(0), out)
    return out


def has_pii_text(text: object) -> bool:
    """True when ``text`` is a string holding an e-mail address or a phone number."""
    return isinstance(text, str) and mask_text(text, "\x00") != text


def masked_word(lang: str) -> str:
    """What a hidden value reads as (catalogue ``common.masked``: "[hidden]")."""
    return texts.t("common.masked", fmt.check_lang(lang))


def mask_pii(df: pd.DataFrame, show_pii: bool = False, lang: str = "en") -> pd.DataFrame:
    """A copy of ``df`` safe to show a client.

    - columns that are PII by name (``email``, ``phone``, ``correo``, ``telefono`` …) are dropped;
    - ledger-shaped tables (``column`` + ``value``) keep their rows but the ``value`` of a PII column
      becomes ``[hidden]``;
    - any e-mail address or phone number inside the remaining text cells becomes ``[hidden]``
      (see :data:`PHONE_RES` for what counts as a phone number).

    Lead-level lists therefore show ids and owners only. ``show_pii=True`` (client.yml
    ``report.show_pii``) returns the frame unchanged.
    """
    if show_pii:
        return df.copy()
    hidden = masked_word(lang)
    out = df.drop(columns=[c for c in df.columns if is_pii_column(c)])
    if {"column", "value"} <= set(out.columns):
        pii_rows = out["column"].map(lambda c: isinstance(c, str) and is_pii_column(c))
        out["value"] = out["value"].astype("object").where(~pii_rows.astype(bool), hidden)
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            strings = {v for v in pd.unique(s.astype("object")) if isinstance(v, str)}
            changed = {v: m for v in strings if (m := mask_text(v, hidden)) != v}
            if changed:
                obj = s.astype("object")
                out[col] = obj.where(~obj.isin(list(changed)), obj.map(lambda v: changed.get(v, v) if isinstance(v, str) else v))
    return out


# --- deterministic HTML ----------------------------------------------------------------------

@dataclass(frozen=True)
class Html:
    """Rich output for notebooks: ``text/html`` plus a deterministic ``text/plain``. Jinja inserts
    it unescaped (``__html__``): it is already escaped HTML."""

    html: str
    text: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __html__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text or re.sub(r"<[^>]+>", "", self.html).strip()

    def __str__(self) -> str:
        return self.html


FORMATS = ("pct", "money", "int", "number", "date", "ci", "month", "pp", "text", "bool", "hours")


def parse_format(spec: str) -> tuple[str, int | None]:
    """``"pct:0"`` → ``("pct", 0)``; the kinds are :data:`FORMATS`."""
    kind, _, dec = str(spec).partition(":")
    if kind not in FORMATS:
        raise ValueError(f"unknown format {spec!r}; use one of {', '.join(FORMATS)} (optionally ':<decimals>')")
    return kind, (int(dec) if dec else None)


def format_value(v: Any, kind: str, decimals: int | None, lang: str, currency: str) -> str:
    """One value as plain text (never HTML: whoever puts it into HTML escapes it)."""
    if kind == "ci":
        if isinstance(v, (tuple, list)) and len(v) == 2:
            return fmt.ci(v[0], v[1], lang, "pct", 1 if decimals is None else decimals)
        return fmt.MISSING if fmt._isnull(v) else str(v)
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
        return fmt.month(v, lang, short=True)  # tables: "ene 2026"; running text spells the month out
    if kind == "hours":
        return fmt.duration_hours(v, lang)
    if kind == "bool":
        return texts.t("common.yes" if bool(v) else "common.no", lang)
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


def _pick_labels(labels: Mapping | str | None, lang: str) -> dict:
    """``labels`` is a catalogue prefix (``"sla.columns"``), ``{col: 'Label'}``,
    ``{col: {'en': .., 'es': ..}}`` or a module ``LABELS`` dict ``{'en': {col: ..}, 'es': {col: ..}}``."""
    if not labels:
        return {}
    if isinstance(labels, str):  # a catalogue prefix: "sla.columns" -> {col: t("sla.columns.<col>")}
        return texts.labels(labels, lang)
    if set(labels) <= {"en", "es"} and all(isinstance(v, Mapping) for v in labels.values()):
        return dict(labels.get(lang, {}))
    out = {}
    for col, lab in labels.items():
        out[col] = lab.get(lang, next(iter(lab.values()))) if isinstance(lab, Mapping) else lab
    return out


def format_table(df: pd.DataFrame, *, lang: str = "en", currency: str = "USD",
                 formats: Mapping[str, str] | None = None, labels: Mapping | str | None = None,
                 max_rows: int | None = 50, index: bool = False, caption: str | None = None,
                 show_pii: bool = False) -> Html:
    """Deterministic HTML (and plain text) for a DataFrame, every value through smk.views.fmt.

    ``formats`` maps a column to ``pct`` | ``money`` | ``int`` | ``number`` | ``date`` | ``ci`` |
    ``month`` | ``pp`` | ``hours`` | ``bool`` | ``text``, optionally with decimals (``"pct:0"``).
    A ``ci`` column is either (low, high) pairs or is built from ``<col>_low``/``<col>_high`` (or
    ``ci_low``/``ci_high``), which are then not shown. Unformatted columns follow their dtype.
    PII columns are removed (see :func:`mask_pii`) unless ``show_pii``. Every value and label is
    escaped exactly once, here.
    """
    fmt.check_lang(lang)
    formats = dict(formats or {})
    data = df.reset_index() if index else df
    total = len(data)
    shown = data if max_rows is None or total <= max_rows else data.head(max_rows)
    shown = mask_pii(shown, show_pii=show_pii, lang=lang)
    for col, spec in list(formats.items()):
        kind, dec = parse_format(spec)
        if kind == "ci" and col not in shown.columns:
            lo, hi = (f"{col}_low", f"{col}_high") if f"{col}_low" in shown.columns else ("ci_low", "ci_high")
            if lo not in shown.columns or hi not in shown.columns:
                raise KeyError(f"ci column {col!r}: need {col!r} as (low, high) pairs or {lo!r}/{hi!r}")
            pos = list(shown.columns).index(lo)
            pairs = list(zip(shown[lo].tolist(), shown[hi].tolist()))
            shown = shown.drop(columns=[lo, hi])
            shown.insert(pos, col, pd.Series(pairs, index=shown.index, dtype="object"))
    names = _pick_labels(labels, lang)
    head_cells, body_rows, text_rows = [], [], []
    kinds = {}
    for col in shown.columns:
        if col in formats:
            kinds[col] = parse_format(formats[col])
        else:
            kinds[col] = (_default_kind(shown[col]), None)
    for col in shown.columns:
        label = str(names.get(col, col))
        num = kinds[col][0] not in ("text", "date", "month", "bool")
        head_cells.append(f'<th class="{"num" if num else "txt"}">{html.escape(label)}</th>')
    text_rows.append(" | ".join(str(names.get(c, c)) for c in shown.columns))
    for row in shown.itertuples(index=False, name=None):
        cells, plain = [], []
        for col, v in zip(shown.columns, row):
            kind, dec = kinds[col]
            s = format_value(v, kind, dec, lang, currency)
            num = kind not in ("text", "date", "month", "bool")
            cells.append(f'<td class="{"num" if num else "txt"}">{html.escape(s)}</td>')
            plain.append(s)
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
        text_rows.append(" | ".join(plain))
    parts = ['<div class="smk-table-wrap"><table class="smk-table">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(head_cells) + "</tr></thead>")
    parts.append("<tbody>" + "".join(body_rows) + "</tbody></table>")
    if len(shown) < total:
        msg = texts.t("common.showing", lang, shown=fmt.number(len(shown), lang), total=fmt.number(total, lang))
        parts.append(f'<p class="smk-more">{html.escape(msg)}</p>')
        text_rows.append(msg)
    parts.append("</div>")
    return Html("".join(parts), "\n".join(text_rows))


def note_html(text: str, kind: str = "note", title: str | None = None) -> Html:
    """A short boxed message: ``kind`` is ``note`` (caution) or ``missing`` (not enough data)."""
    head = f"<strong>{html.escape(title)}:</strong> " if title else ""
    return Html(f'<div class="smk-note smk-{html.escape(kind)}"><p>{head}{html.escape(text)}</p></div>',
                f"{title + ': ' if title else ''}{text}")


def needs_text(missing: Iterable[str], lang: str = "en") -> str:
    """"this analysis needs <what>. Add the export to client.yml and run the playbook again." in ``lang``."""
    needs = texts.t("common.list_sep", lang).join(capability_label(m, lang) for m in missing)
    return f"{texts.t('common.this_needs', lang, needs=needs)} {texts.t('common.add_export', lang)}"


def not_enough_data(missing: Iterable[str], lang: str = "en") -> Html:
    """The "not enough data: this needs …" note for missing capabilities, in ``lang``."""
    fmt.check_lang(lang)
    return note_html(needs_text(missing, lang), "missing", texts.t("common.not_enough", lang))


def headline(label: str, value: Any, kind: str = "number", *, lang: str = "en", currency: str = "USD",
             display: str | None = None, key: str | None = None) -> dict:
    """One headline figure for the index tile: ``label`` (text in ``lang``), ``value`` (JSON-safe)
    and ``display`` (``value`` formatted as ``kind`` unless given); ``key`` is the label's catalogue key."""
    k, dec = parse_format(kind)
    v = plain(value)
    return {"key": key, "label": label, "value": v,
            "display": display if display is not None else format_value(v, k, dec, lang, currency)}


def plain(v: Any) -> Any:
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


# --- templates and catalogue texts as HTML -----------------------------------------------------

#: Where templates live: views' fragments, then the report's pages.
TEMPLATE_DIRS = (Path(__file__).resolve().parent / "templates",
                 Path(__file__).resolve().parents[1] / "report" / "templates")
_JINJA: jinja2.Environment | None = None


def jinja() -> jinja2.Environment:
    """The one Jinja environment for HTML: autoescaped, strict about undefined values, templates in
    smk/views/templates and smk/report/templates. Every value from the data goes through it (or
    through the fragment builders above, which escape with :func:`html.escape`)."""
    global _JINJA
    if _JINJA is None:
        _JINJA = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in TEMPLATE_DIRS]),
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

