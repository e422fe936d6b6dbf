"""Client-facing number, money, percentage and date formatting in Spanish or English.

Spanish uses a decimal comma and a dot (or thin space) for thousands: ``1.234,5``; English ``1,234.5``.
Every notebook and report formats through these helpers so both languages look consistent.
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
_CURRENCY_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "MXN": "MX$", "COP": "COL$", "BRL": "R$",
                    "CLP": "CLP$", "ARS": "AR$", "PEN": "S/", "CAD": "CA$"}
MISSING = "–"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be 'es' or 'en', got {lang!r}")
    return lang


def _isnull(x) -> bool:
    try:
        return x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x)
    except (TypeError, ValueError):
        return False


def number(x, lang: str = "en", decimals: int = 0) -> str:
    """``number(1234.5, 'es', 1) == '1.234,5'``; ``number(1234.5, 'en', 1) == '1,234.5'``."""
    check_lang(lang)
    if _isnull(x):
        return MISSING
    text = f"{float(x):,.{decimals}f}"
    if lang == "es":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def pct(x, lang: str = "en", decimals: int = 1) -> str:
    """A share (0.123) as a percentage: ``'12.3 %'`` (en) / ``'12,3 %'`` (es)."""
    if _isnull(x):
        return MISSING
    return f"{number(100 * float(x), lang, decimals)} %"


def pp(x, lang: str = "en", decimals: int = 1) -> str:
    """A difference of shares in percentage points, signed: ``'+2.0 pp'``."""
    if _isnull(x):
        return MISSING
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    return f"{sign}{number(abs(100 * float(x)), lang, decimals)} pp"


def money(x, currency: str = "USD", lang: str = "en", decimals: int = 0) -> str:
    """``money(1600, 'USD', 'en') == '$1,600'``; in Spanish ``'1.600 $'`` style is avoided: ``'$1.600'``."""
    if _isnull(x):
        return MISSING
    symbol = _CURRENCY_SYMBOL.get(currency.upper(), currency.upper() + " ")
    sign = "−" if float(x) < 0 else ""
    return f"{sign}{symbol}{number(abs(float(x)), lang, decimals)}"


def ci(low, high, lang: str = "en", kind: str = "pct", decimals: int = 1, currency: str = "USD") -> str:
    """An interval as ``'[1.2 %, 3.4 %]'``."""
    f = {"pct": lambda v: pct(v, lang, decimals),
         "number": lambda v: number(v, lang, decimals),
         "money": lambda v: money(v, currency, lang, decimals)}[kind]
    return f"[{f(low)}, {f(high)}]"


def signed_change(x, lang: str = "en", decimals: int = 1) -> str:
    """A relative change (0.125) as ``'+12.5 %'``."""
    if _isnull(x) or (isinstance(x, float) and math.isinf(x)):
        return MISSING
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    return f"{sign}{number(abs(100 * float(x)), lang, decimals)} %"


def month(period, lang: str = "en", short: bool = False) -> str:
    """``month('2026-03', 'es') == 'marzo 2026'``."""
    check_lang(lang)
    p = pd.Period(period, freq="M")
    names = (_MONTHS_SHORT if short else _MONTHS)[lang]
    return f"{names[p.month - 1]} {p.year}"


def date(d, lang: str = "en") -> str:
    """``date('2026-03-05', 'es') == '5 mar 2026'``; ``'en'`` gives ``'5 Mar 2026'``."""
    if _isnull(d):
        return MISSING
    ts = pd.Timestamp(d)
    return f"{ts.day} {_MONTHS_SHORT[check_lang(lang)][ts.month - 1]} {ts.year}"


def duration_hours(h, lang: str = "en") -> str:
    """Hours as a readable duration: ``'45 min'``, ``'3.5 h'``, ``'2.1 days'`` / ``'2,1 días'``."""
    if _isnull(h):
        return MISSING
    h = float(h)
    if h < 1:
        return f"{number(h * 60, lang, 0)} min"
    if h < 48:
        return f"{number(h, lang, 1)} h"
    return f"{number(h / 24, lang, 1)} {'días' if lang == 'es' else 'days'}"
