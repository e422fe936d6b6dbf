"""Client-facing number, money, percentage and date formatting in Spanish or English.

Spanish uses a decimal comma and a dot for thousands: ``1.234,5``; English ``1,234.5``. Every
notebook and report formats through these helpers so both languages look the same everywhere:

- one minus sign, U+2212 (``−2,0 pp``), and never a negative zero: a value that rounds to zero
  at the decimals shown is written without a sign (``0,0``, not ``−0,0``);
- intervals as ``[0,3 %; 3,6 %]`` in Spanish (the decimal comma makes a comma separator
  ambiguous) and ``[0.3 %, 3.6 %]`` in English; a difference's interval in percentage points
  (``kind="pp"``);
- a month in running text ``octubre de 2026`` / ``October 2026``; a month in a table, a tick or a
  title ``oct 2026`` / ``Oct 2026`` (``short=True``); a day ``4 dic 2026``, a day without its
  year ``31 oct``, a moment ``4 dic 2026, 14:33 UTC``;
- a p- or q-value ``0,012`` or ``< 0,001`` (never ``0,000``).
"""
from __future__ import annotations

import math

import pandas as pd

LANGS = ("es", "en")

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
}
_MONTHS_SHORT = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
}
#: A month in running text: ``{month} {year}`` in English, ``{month} de {year}`` in Spanish.
_MONTH_YEAR = {"en": "{month} {year}", "es": "{month} de {year}"}
#: Separator between the two ends of an interval: a comma where the decimal mark is a point, a
#: semicolon where it is a comma (``[0,3 %; 3,6 %]``).
_INTERVAL_SEP = {"en": ", ", "es": "; "}
_CURRENCY_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "MXN": "MX$", "COP": "COL$", "BRL": "R$",
                    "CLP": "CLP$", "ARS": "AR$", "PEN": "S/", "CAD": "CA$"}
MISSING = "–"
#: The minus sign (U+2212) of every negative number the playbook writes.
MINUS = "\u2212"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'es' or 'en', got {lang!r}")
    return lang


def isnull(x) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


_isnull = isnull  # the name smk.views.html still uses


def _digits(x: float, lang: str, decimals: int) -> str:
    """``|x|`` with thousands separators and ``decimals`` decimals in ``lang`` (no sign)."""
    text = f"{abs(x):,.{decimals}f}"
    if lang == "es":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def _rounds_to_zero(x: float, decimals: int) -> bool:
    return float(f"{abs(x):.{decimals}f}") == 0.0


def _sign(x: float, decimals: int, plus: bool) -> str:
    """The sign written before ``x`` shown with ``decimals`` decimals: none for a value that rounds
    to zero, U+2212 for a negative one, ``+`` for a positive one when ``plus``."""
    if _rounds_to_zero(x, decimals):
        return ""
    if x < 0:
        return MINUS
    return "+" if plus else ""


def number(x, lang: str = "en", decimals: int = 0) -> str:
    """``number(1234.5, 'es', 1) == '1.234,5'``; ``number(-0.04, 'es', 1) == '0,0'``;
    ``number(-2, 'en') == '−2'`` (U+2212)."""
    check_lang(lang)
    if isnull(x):
        return MISSING
    x = float(x)
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    return _sign(x, decimals, plus=False) + _digits(x, lang, decimals)


def signed_number(x, lang: str = "en", decimals: int = 0) -> str:
    """A difference with its sign: ``'+1,7'``, ``'−2,6'``, ``'0,0'`` (no sign when it rounds to zero)."""
    check_lang(lang)
    if isnull(x):
        return MISSING
    x = float(x)
    return _sign(x, decimals, plus=True) + _digits(x, lang, decimals)


def pct(x, lang: str = "en", decimals: int = 1) -> str:
    """A share (0.123) as a percentage: ``'12.3 %'`` (en) / ``'12,3 %'`` (es)."""
    if isnull(x):
        return MISSING
    return f"{number(100 * float(x), lang, decimals)} %"


def pp(x, lang: str = "en", decimals: int = 1) -> str:
    """A difference of shares in percentage points, signed: ``'+2.0 pp'``, ``'−2,0 pp'``, ``'0,0 pp'``."""
    if isnull(x):
        return MISSING
    return f"{signed_number(100 * float(x), lang, decimals)} pp"


def money(x, currency: str = "USD", lang: str = "en", decimals: int = 0) -> str:
    """``money(1600, 'USD', 'en') == '$1,600'``; in Spanish the symbol stays in front: ``'$1.600'``;
    a negative amount ``'−€1.500'``."""
    if isnull(x):
        return MISSING
    symbol = _CURRENCY_SYMBOL.get(currency.upper(), currency.upper() + " ")
    x = float(x)
    return f"{_sign(x, decimals, plus=False)}{symbol}{_digits(x, check_lang(lang), decimals)}"


def ci(low, high, lang: str = "en", kind: str = "pct", decimals: int = 1, currency: str = "USD") -> str:
    """An interval: ``'[1.2 %, 3.4 %]'`` (en), ``'[1,2 %; 3,4 %]'`` (es). ``kind``: ``pct`` (shares),
    ``pp`` (a difference of shares, in signed percentage points), ``number``, ``signed`` (a signed
    difference), ``money``."""
    f = {"pct": lambda v: pct(v, lang, decimals),
         "pp": lambda v: pp(v, lang, decimals),
         "number": lambda v: number(v, lang, decimals),
         "signed": lambda v: signed_number(v, lang, decimals),
         "money": lambda v: money(v, currency, lang, decimals)}[kind]
    return f"[{f(low)}{_INTERVAL_SEP[check_lang(lang)]}{f(high)}]"


def signed_change(x, lang: str = "en", decimals: int = 1) -> str:
    """A relative change (0.125) as ``'+12.5 %'``; ``'0,0 %'`` when it rounds to zero."""
    if isnull(x) or (isinstance(x, float) and math.isinf(x)):
        return MISSING
    return f"{signed_number(100 * float(x), lang, decimals)} %"


def pvalue(p, lang: str = "en", decimals: int = 3) -> str:
    """A p- or q-value: ``'0.012'``, and ``'< 0.001'`` below the smallest value the decimals show
    (never ``'0.000'``)."""
    if isnull(p):
        return MISSING
    p = float(p)
    floor = 10.0 ** -decimals
    if p < floor:
        return f"< {number(floor, lang, decimals)}"
    return number(p, lang, decimals)


def month(period, lang: str = "en", short: bool = False) -> str:
    """A calendar month. In running text ``month('2026-10', 'es') == 'octubre de 2026'``
    (``'October 2026'``); in tables, ticks and titles ``short=True``: ``'oct 2026'`` / ``'Oct 2026'``."""
    check_lang(lang)
    if isnull(period):
        return MISSING
    p = pd.Period(period, freq="M")
    if short:
        return f"{_MONTHS_SHORT[lang][p.month - 1]} {p.year}"
    return _MONTH_YEAR[lang].format(month=_MONTHS[lang][p.month - 1], year=p.year)


def month_name(period, lang: str = "en") -> str:
    """The month alone, as in running text: ``'octubre'`` / ``'October'``."""
    check_lang(lang)
    return _MONTHS[lang][pd.Period(period, freq="M").month - 1]


def date(d, lang: str = "en") -> str:
    """``date('2026-03-05', 'es') == '5 mar 2026'``; ``'en'`` gives ``'5 Mar 2026'``."""
    if isnull(d):
        return MISSING
    ts = pd.Timestamp(d)
    return f"{ts.day} {_MONTHS_SHORT[check_lang(lang)][ts.month - 1]} {ts.year}"


def day_month(d, lang: str = "en") -> str:
    """A day without its year (chart ticks inside one month, "Al 31 oct"): ``'31 oct'`` / ``'31 Oct'``."""
    if isnull(d):
        return MISSING
    ts = pd.Timestamp(d)
    return f"{ts.day} {_MONTHS_SHORT[check_lang(lang)][ts.month - 1]}"


def timestamp(t, lang: str = "en", tz: str | None = None) -> str:
    """A moment: ``'4 dic 2026, 14:33 UTC'`` / ``'4 Dec 2026, 14:33 UTC'``; ``tz`` converts an aware
    time first; the zone's abbreviation is written when the time has one."""
    if isnull(t):
        return MISSING
    ts = pd.Timestamp(t)
    if tz is not None:
        ts = ts.tz_localize("UTC").tz_convert(tz) if ts.tzinfo is None else ts.tz_convert(tz)
    zone = ts.tzname() if ts.tzinfo is not None else None
    return f"{date(ts, lang)}, {ts:%H:%M}" + (f" {zone}" if zone else "")


def duration_hours(h, lang: str = "en") -> str:
    """Hours as a readable duration: ``'45 min'``, ``'3.5 h'``, ``'2.1 days'`` / ``'2,1 días'``."""
    if isnull(h):
        return MISSING
    h = float(h)
    if h < 1:
        return f"{number(h * 60, lang, 0)} min"
    if h < 48:
        return f"{number(h, lang, 1)} h"
    return f"{number(h / 24, lang, 1)} {'días' if lang == 'es' else 'days'}"


__all__ = ["LANGS", "MINUS", "MISSING", "check_lang", "ci", "date", "day_month", "duration_hours", "isnull", "money",
           "month", "month_name", "number", "pct", "pp", "pvalue", "signed_change", "signed_number", "timestamp"]
