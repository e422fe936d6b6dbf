"""Parse messy export values into canonical kinds, column by column.

Every parser takes a column of raw values (strings, or native values from XLSX/Parquet) and returns
``(parsed, bad)``: the parsed column and a boolean mask of values that were present but could not be
read. The caller decides what a bad value means (row set aside or value cleared) and records it.

Numbers: ``1234.5``, ``1,234.56``, ``1.234,56``, ``$1.234,56``, ``USD 1,234.56``, ``€ 12 345,00``,
``(1,234.00)`` (negative), ``-12``. The decimal separator is inferred from the whole column; a column
whose values all look like ``1,234`` or ``1.234`` (one separator, three digits after it) is
ambiguous and is an error asking for ``decimal:`` in client.yml.

Dates: ISO 8601 (with or without time / offset), ``dd/mm/yyyy``, ``mm/dd/yyyy``, ``dd-mm-yyyy``,
``dd.mm.yyyy``, ``yyyy/mm/dd``, two-digit years, with or without ``HH:MM[:SS]`` (and AM/PM),
Excel serial numbers, and native datetimes. Day/month order is inferred from the whole column:
a first field over 12 settles day-first, a second field over 12 settles month-first; a column that
is still ambiguous is an error asking for ``date_format`` (never a silent guess).
"""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from smk.errors import DataError
from smk.io.arrays import NAT_NS, SLICE_ROWS

_TRUE = {"true", "yes", "y", "si", "sí", "s", "1", "x", "verdadero", "won", "t"}
_FALSE = {"false", "no", "n", "0", "falso", "f"}


# ---------------------------------------------------------------------------------------------
# strings and placeholders
# ---------------------------------------------------------------------------------------------
def _is_native_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _type_mask(obj: pd.Series, test) -> pd.Series:
    """Boolean mask of cells holding native (non-string) values, e.g. numbers or dates from XLSX."""
    if pd.api.types.is_string_dtype(obj.dtype) and obj.dtype != object:
        return pd.Series(False, index=obj.index)
    nonnull = obj.notna()
    mask = pd.Series(False, index=obj.index)
    if nonnull.any():
        vals = obj[nonnull]
        if not any(not isinstance(v, str) for v in vals.head(1000)) and all(isinstance(v, str) for v in vals):
            return mask
        mask[nonnull] = [bool(test(v)) for v in vals]
    return mask


TEXT = pd.StringDtype(storage="pyarrow", na_value=np.nan)  # pandas' default ``str`` dtype


def arrow_text(values, index=None) -> pd.Series:
    """A pandas ``str`` Series over pyarrow strings (Array or ChunkedArray), without converting values."""
    import pyarrow as pa

    if isinstance(values, pa.Array):
        values = pa.chunked_array([values], type=values.type)
    return pd.Series(pd.arrays.ArrowStringArray(values, dtype=TEXT), index=index)


def take_rows(arr, rows: np.ndarray):
    """``arr.take(rows)`` for a pyarrow ChunkedArray and ascending positions, chunk by chunk (a take
    over the whole ChunkedArray may first join its chunks: the whole column copied for a few rows)."""
    import pyarrow as pa

    if not isinstance(arr, pa.ChunkedArray) or arr.num_chunks <= 1:
        return arr.take(rows)
    rows = np.asarray(rows, dtype=np.int64)
    bounds = np.cumsum([0] + [len(c) for c in arr.chunks])
    cut = np.searchsorted(rows, bounds)
    parts = [chunk.take(rows[a:b] - start) for chunk, start, a, b in zip(arr.chunks, bounds[:-1], cut[:-1], cut[1:]) if b > a]
    return pa.chunked_array(parts, type=arr.type)


def as_text(raw: pd.Series) -> pd.Series:
    """Any column as pandas' string dtype (object/native cells converted with str())."""
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        return raw
    obj = raw.astype("object")
    return pd.Series(obj.where(raw.notna(), None), index=raw.index, dtype="str")


def _case_variants(word: str) -> set[str]:
    """Every upper/lower-case spelling of a short word (so no per-row lower-casing is needed)."""
    if sum(c.isalpha() for c in word) > 6:
        return {word, word.lower(), word.upper(), word.title(), word.capitalize()}
    out = {""}
    for ch in word:
        out = {o + v for o in out for v in {ch.lower(), ch.upper()}}
    return out


def clean_strings(raw: pd.Series, placeholders) -> pd.Series:
    """Trim whitespace (incl. non-breaking spaces); placeholders (case-insensitive) become missing."""
    s = as_text(raw).str.strip()
    variants = set().union(*(_case_variants(p.strip()) for p in placeholders)) if placeholders else set()
    return s.mask(s.isin(sorted(variants)))


# ---------------------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------------------
_SP = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_CURRENCY_CODES = (
    "USD EUR GBP BRL MXN ARS CLP COP PEN UYU PYG BOB VES VEF CRC GTQ HNL NIO PAB DOP CUP CAD AUD NZD JPY CNY "
    "RMB INR CHF SEK NOK DKK ISK PLN CZK HUF RON BGN ZAR TRY RUB UAH KRW SGD HKD TWD ILS AED SAR QAR EGP NGN "
    "KES MAD PHP IDR MYR THB VND PKR BDT").split()
#: a currency written before or after the amount: a symbol, or an ISO 4217 code
_CURRENCY = (r"(?:US\$|U\$S|R\$|RD\$|C\$|A\$|NZ\$|S/\.?|Bs\.?|[$€£¥₹₩₽₺₡₲₱₦₴₪₫฿]|(?i:" + "|".join(_CURRENCY_CODES) + "))")
_S = f"[{_SP}]*"
#: an amount as exports write it: sign, parentheses (negative) and currency around digits and separators
NUMBER_RE = re.compile(
    rf"^{_S}(?P<s1>[-+])?{_S}(?P<p1>\()?{_S}(?:{_CURRENCY}{_S})?(?P<s2>[-+])?{_S}(?P<p2>\()?{_S}"
    rf"(?P<num>\d(?:[\d.,'{_SP}]*\d)?|[.,]\d+)(?P<exp>[eE][-+]?\d+)?"
    rf"{_S}(?P<q1>\))?{_S}(?:{_CURRENCY})?{_S}(?P<q2>\))?{_S}(?P<s3>-)?{_S}$")
_GROUPED_BY_SPACE = re.compile(rf"^\d{{1,3}}(?P<g>[{_SP}'])\d{{3}}(?:(?P=g)\d{{3}})*(?:[.,]\d+)?$")
#: readable with '.' as the decimal mark (',' groups thousands, also the Indian 1,23,456 grouping)
_DOT_DECIMAL = re.compile(r"^(?:\d+|\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3})(?:\.\d+)?$|^\.\d+$")
#: readable with ',' as the decimal mark ('.' groups thousands)
_COMMA_DECIMAL = re.compile(r"^(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d+)?$|^,\d+$")
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+$")  # integers need no separator inference


def number_shapes(values: pd.Series) -> pd.DataFrame:
    """How each text value is written as a number: ``core`` (digits and separators, spaces of a
    grouping removed), ``negative``, ``exp`` (exponent text or missing), and whether it reads with
    '.' (``dot``) and/or ',' (``comma``) as the decimal mark; ``ok`` is False for anything that is not
    a number (``12abc34``, ``0x10``, ``12/05``, ``Tel 600123``, ``1.2.3``, two signs, unbalanced
    parentheses)."""
    s = pd.Series(values.astype("object").where(values.notna(), None), index=values.index, dtype="str")
    s = s.str.replace("\u2212", "-", regex=False)  # unicode minus
    m = s.str.extract(NUMBER_RE)
    found = m["num"].notna()
    signs = sum(m[c].notna().astype(int) for c in ("s1", "s2", "s3"))
    opened = m["p1"].notna().astype(int) + m["p2"].notna().astype(int)
    closed = m["q1"].notna().astype(int) + m["q2"].notna().astype(int)
    ok = found & (signs <= 1) & (opened == closed) & (opened <= 1) & ~((opened == 1) & (signs == 1))
    core = m["num"].str.strip(_SP)
    spaced = core.str.contains(f"[{_SP}']", regex=True).fillna(False).astype(bool)
    if spaced.any():
        grouped = core[spaced].str.match(_GROUPED_BY_SPACE).fillna(False).astype(bool)
        ok &= ~spaced | grouped.reindex(core.index, fill_value=True)
        core = core.where(~spaced, core.str.replace(f"[{_SP}']", "", regex=True))
    exp = m["exp"]
    has_exp = exp.notna()
    dot = core.str.match(_DOT_DECIMAL).fillna(False).astype(bool)
    comma = core.str.match(_COMMA_DECIMAL).fillna(False).astype(bool)
    if has_exp.any():  # 1.5E+05: the one separator before an exponent is the decimal mark
        sci = core.str.match(_SCIENTIFIC).fillna(False).astype(bool)
        has_dot = core.str.contains(".", regex=False).fillna(False).astype(bool)
        dot = dot.where(~has_exp, sci & ~core.str.contains(",", regex=False).fillna(False).astype(bool))
        comma = comma.where(~has_exp, sci & ~has_dot)
    ok &= dot | comma
    negative = (m["s1"] == "-") | (m["s2"] == "-") | (m["s3"] == "-") | (opened == 1)
    return pd.DataFrame({"core": core, "negative": negative.fillna(False).astype(bool), "exp": exp,
                         "dot": dot & ok, "comma": comma & ok, "ok": ok.fillna(False).astype(bool)}, index=values.index)


def _decimal_from(shapes: pd.DataFrame) -> str | None:
    """'.', ',', '?.' / '?,' when every value with a separator could be either (``1,234``), or None
    when the values disagree (some read only with '.', others only with ',')."""
    sep = shapes["ok"] & shapes["core"].str.contains(r"[.,]", regex=True).fillna(False).astype(bool)
    only_dot = sep & shapes["dot"] & ~shapes["comma"]
    only_comma = sep & shapes["comma"] & ~shapes["dot"]
    if only_dot.any() and only_comma.any():
        return None
    if only_dot.any():
        return "."
    if only_comma.any():
        return ","
    either = shapes["core"][sep]
    if len(either):
        return "?" + ("," if either.str.contains(",", regex=False).any() else ".")
    return "."


def infer_decimal(values: pd.Series) -> str | None:
    """Decimal separator of a column of numbers written as text, from the evidence in the whole column.

    Returns '.', ',', or '?,' / '?.' when every value with a separator looks like ``1,234`` (thousands
    or decimals: ambiguous), or None when the evidence conflicts. Values that are not numbers
    (``1.2.3``) are no evidence: they are unreadable."""
    return _decimal_from(number_shapes(values.dropna()))


def parse_numbers(raw: pd.Series, decimal: str | None = None, *, file: str = "", column: str = "",
                  fallback_decimal=None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of numbers written any common way. Returns (float Series, bad mask).

    A value is read only when all of it is a number (sign, parentheses, a currency symbol or code,
    digits and separators): ``12abc34``, ``0x10``, ``12/05``, ``Tel 600123`` and ``1e309`` (no finite
    number) are bad, never another number. A value with both separators is read on its own (the last
    one is the decimal mark); values with one separator follow the column's evidence, then
    ``fallback_decimal`` (the evidence of the other number columns of the same file; a str, or a
    function returning one, called only when needed), or ``decimal`` from client.yml."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        out = raw.astype("float64")
        finite = np.isfinite(out.to_numpy())
        return out.where(finite), pd.Series(raw.notna().to_numpy() & ~finite, index=raw.index)
    present = raw.notna()
    obj = raw.astype("object").where(present, None)
    native = _type_mask(obj, _is_native_number)
    out = pd.Series(np.nan, index=raw.index, dtype="float64")
    text = present & ~native
    if text.any():
        out[text] = _parse_number_text(obj[text], decimal, file=file, column=column, fallback_decimal=fallback_decimal)
    if native.any():
        out[native] = pd.to_numeric(raw[native].astype("object"), errors="coerce").astype("float64")
    out = out.where(np.isfinite(out))  # 1e309 is no number: inf is not a value an analysis can use
    return out, present & out.isna()


def _parse_number_text(values: pd.Series, decimal, *, file, column, fallback_decimal) -> pd.Series:
    shapes = number_shapes(values)
    ok = shapes["ok"]
    both = ok & shapes["core"].str.contains(",", regex=False).fillna(False).astype(bool) & \
        shapes["core"].str.contains(".", regex=False).fillna(False).astype(bool)
    plain = ok & shapes["core"].str.match(_PLAIN).fillna(False).astype(bool) & shapes["exp"].isna()
    dec = decimal
    single = ok & ~both & ~plain
    if dec is None and single.any():
        dec = _decimal_from(shapes[ok & ~plain])
        if dec is not None and dec.startswith("?") and fallback_decimal:
            fallback = fallback_decimal() if callable(fallback_decimal) else fallback_decimal
            if fallback:
                dec = fallback  # the other number columns of the same file settle it
        if dec is None or dec.startswith("?"):
            if dec is None:
                example = values[single & ~shapes["dot"]].iloc[0]
                raise DataError("numbers use both '.' and ',' as the decimal mark in one column.", file=file,
                                column=column, value=example, hint="Set `decimal:` for this table in client.yml.")
            example = values[single].iloc[0]
            raise DataError(
                f"numbers like {example!r} could mean thousands or decimals ('{dec[1]}' is ambiguous in every value).",
                file=file, column=column, value=example,
                hint="Set `decimal: \".\"` or `decimal: \",\"` for this table in client.yml.")
    dec = dec or "."
    # each value's decimal mark: its own when it has both separators, else the column's
    own = np.where(shapes["core"].str.rfind(",") > shapes["core"].str.rfind("."), ",", ".")
    mark = pd.Series(np.where(both, own, dec), index=values.index)
    readable = ok & ((mark == ".") & shapes["dot"] | (mark == ",") & shapes["comma"] | plain)
    core = shapes["core"].where(readable)
    dot_mark = mark == "."
    norm = core.where(~dot_mark, core.str.replace(",", "", regex=False))
    norm = norm.where(dot_mark, core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    norm = norm + shapes["exp"].fillna("")
    out = pd.to_numeric(norm, errors="coerce").astype("float64")
    return out.where(~shapes["negative"], -out.abs())


def parse_ints(raw: pd.Series, **kw) -> tuple[pd.Series, pd.Series]:
    """Integers (counters, visits, Likert answers): numbers that must be whole."""
    out, bad = parse_numbers(raw, **kw)
    frac = out.notna() & (out != np.round(out))
    bad = bad | frac
    return out.where(~frac).round().astype("Int64"), bad


def parse_bools(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """yes/no, true/false, 1/0, sí/no, x → boolean (nullable)."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean"), pd.Series(False, index=raw.index)
    s = pd.Series(raw.astype("object").where(raw.notna(), None), dtype="str").str.strip().str.lower()
    s = s.str.replace(r"\.0$", "", regex=True)
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[s.isin(_TRUE).fillna(False).astype(bool)] = True
    out[s.isin(_FALSE).fillna(False).astype(bool)] = False
    bad = raw.notna() & out.isna()
    return out, bad


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------
#: an ISO 8601 date, with or without time and offset
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
#: a day-first or month-first date (``a``/``b`` are day and month in some order), optional time and AM/PM
DMY_DATE = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<ap>[AaPp]\.?[Mm]\.?)?)?$")
_YMD = re.compile(r"^(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


#: the instants a nanosecond timestamp holds (years 1678 to 2261)
NS_MIN, NS_MAX = pd.Timestamp.min, pd.Timestamp.max


def within_ns(ts: pd.Series) -> pd.Series:
    """Parsed timestamps of any resolution as nanoseconds. pandas parses years 1500 or 9999 in micro-
    or milliseconds, which the analyses (nanoseconds) cannot hold: such values become NaT, so they are
    reported as unreadable dates (never wrapped around to another date)."""
    if len(ts) == 0 or ts.dt.unit == "ns":
        return ts.dt.as_unit("ns") if len(ts) == 0 else ts
    tz = ts.dt.tz
    lo, hi = (NS_MIN, NS_MAX) if tz is None else (NS_MIN.tz_localize("UTC"), NS_MAX.tz_localize("UTC"))
    inside = ts.isna() | ((ts >= lo) & (ts <= hi))
    return ts.where(inside).dt.as_unit("ns")


def _localize(ts: pd.Series, tz: str | ZoneInfo | None) -> pd.Series:
    """Naive wall-clock times → tz-aware in ``tz`` (DST: ambiguous hours take the first occurrence,
    nonexistent ones shift forward); tz-aware values are converted."""
    if tz is None:
        return ts
    if getattr(ts.dt, "tz", None) is not None:
        return ts.dt.tz_convert(tz)
    return ts.dt.tz_localize(tz, ambiguous=np.ones(len(ts), dtype=bool), nonexistent="shift_forward")


def parse_dates(raw: pd.Series, fmt: str | None = None, *, tz: str | ZoneInfo | None = None,
                source_tz: str | ZoneInfo | None = None, file: str = "", column: str = "",
                source_rows: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a date/time column. Returns (datetime Series, bad mask).

    ``tz``: the client's timezone; the result is tz-aware in it (None: naive result).
    ``source_tz``: timezone of naive values in the file (default ``tz``); values with an explicit
    offset are converted from it. ``fmt``: a strptime format that overrides inference.
    """
    present = raw.notna()
    target = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    src_tz = source_tz or tz
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        ts = within_ns(raw)
        if getattr(ts.dt, "tz", None) is None and src_tz is not None:
            ts = _localize(ts, src_tz)
        return (_finish(ts, tz), present & ts.isna())
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        obj = raw
        is_native_dt = is_native_num = pd.Series(False, index=raw.index)
        s = raw.str.strip()
    else:
        obj = raw.astype("object")
        is_native_dt = _type_mask(obj, lambda x: isinstance(x, (pd.Timestamp, np.datetime64)) or (hasattr(x, "year") and hasattr(x, "month")))
        is_native_num = _type_mask(obj, _is_native_number)
        s = pd.Series(obj.where(present & ~is_native_dt & ~is_native_num, None), dtype="str").str.strip()
    parsed = target.copy()
    aware_parts: list[pd.Series] = []

    if is_native_dt.any():
        parsed[is_native_dt] = within_ns(pd.to_datetime(obj[is_native_dt].map(
            lambda x: pd.Timestamp(x).tz_localize(None) if getattr(x, "tzinfo", None) else pd.Timestamp(x))))
    if is_native_num.any():
        parsed[is_native_num] = _from_serial(pd.to_numeric(obj[is_native_num]))

    if not fmt:
        fast = _iso_fast_path(s)
        if fast is not None:
            parsed_fast, done = fast
            if getattr(parsed_fast.dt, "tz", None) is not None:
                aware_parts.append(parsed_fast[done])
            else:
                parsed[done] = parsed_fast[done]
            s = s.where(~done)
    todo = s.notna()
    if fmt and todo.sum() >= FAST_PATH_MIN_ROWS and "%z" not in fmt.lower():
        fast = _arrow_strptime(s, fmt)
        if fast is not None:
            parsed[todo] = fast[todo]
            todo = todo & parsed.isna()  # the rest (if any) through pandas below
    _parse_rest(s, todo, fmt, parsed, aware_parts, file=file, column=column, source_rows=source_rows)
    return _assemble_result(parsed, aware_parts, present, tz, src_tz)


def _parse_rest(s: pd.Series, todo: pd.Series, fmt: str | None, parsed: pd.Series, aware_parts: list[pd.Series], *,
                file: str, column: str, source_rows) -> None:
    """Values not read by a fast path: ``fmt`` with pandas' checked parser, else inferred layout by layout
    (ISO, day/month order from the whole set, year first, Excel serials, textual months). Fills
    ``parsed`` (naive) in place and appends values with an explicit offset to ``aware_parts``."""
    if fmt and todo.any():
        p = within_ns(pd.to_datetime(s[todo], format=fmt, errors="coerce"))
        if getattr(p.dt, "tz", None) is not None:
            aware_parts.append(p[p.notna()])
            p = p.dt.tz_localize(None)
        parsed[todo] = p
    elif todo.any():
        sv = s[todo]
        iso = sv.str.match(ISO_DATE).fillna(False).astype(bool)
        if iso.any():
            iso_vals = sv[iso]
            has_offset = iso_vals.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
            if has_offset.any():
                p = within_ns(pd.to_datetime(iso_vals[has_offset], format="ISO8601", errors="coerce", utc=True))
                aware_parts.append(p[p.notna()])
            if (~has_offset).any():
                parsed[iso_vals[~has_offset].index] = within_ns(pd.to_datetime(iso_vals[~has_offset], format="ISO8601",
                                                                               errors="coerce"))
        rest = sv[~iso]
        if len(rest):
            dmy = rest.str.extract(DMY_DATE)
            is_dmy = dmy["a"].notna()
            if is_dmy.any():
                parsed[dmy[is_dmy].index] = _parse_dmy(dmy[is_dmy], rest[is_dmy], file=file, column=column, source_rows=source_rows)
            rest2 = rest[~is_dmy]
            if len(rest2):
                ymd = rest2.str.extract(_YMD)
                is_ymd = ymd["y"].notna()
                if is_ymd.any():
                    g = ymd[is_ymd]
                    parsed[g.index] = _assemble(g["y"], g["m"], g["d"], g["H"], g["M"], g["S"])
                rest3 = rest2[~is_ymd]
                serial = rest3.str.match(_SERIAL).fillna(False).astype(bool)
                if serial.any():
                    parsed[rest3[serial].index] = _from_serial(pd.to_numeric(rest3[serial]))
                rest4 = rest3[~serial]
                # textual months ("5 Mar 2026", "March 5, 2026"): unambiguous, let pandas read them
                texty = rest4[rest4.str.contains(r"[A-Za-z]{3,}", regex=True)]
                if len(texty):
                    parsed[texty.index] = within_ns(pd.to_datetime(texty, format="mixed", errors="coerce", dayfirst=False))


def _assemble_result(parsed: pd.Series, aware_parts: list[pd.Series], present: pd.Series, tz, src_tz,
                     localized: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Naive wall times (``parsed``, or already ``localized``) + values with offsets → the result in ``tz``."""
    if localized is not None:
        result = localized
    else:
        result = _localize(parsed, src_tz) if src_tz is not None else parsed
    for part in aware_parts:
        conv = part.dt.tz_convert(tz) if tz is not None else part.dt.tz_convert(None)
        result = result.astype(conv.dtype) if tz is not None else result
        result[conv.index] = conv
    result = _finish(result, tz)
    bad = present & result.isna()
    return result, bad


_ISO_FORMATS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"), "%Y-%m-%dT%H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"), "%Y-%m-%d %H:%M"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"), "%Y-%m-%dT%H:%M"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
)
FAST_PATH_MIN_ROWS = 10_000


def _arrow_strings(s: pd.Series):
    """The pyarrow ChunkedArray behind a pandas string column, or None."""
    arr = getattr(s.array, "_pa_array", None)
    return arr if arr is not None and str(arr.type) in ("string", "large_string") else None


def _fixed_width(fmt: str) -> tuple[int, int] | None:
    """(offset of the day, total width) when every directive of ``fmt`` has a fixed width."""
    widths = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2, "y": 2}
    pos, i, day = 0, 0, None
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i + 1: i + 2]
            if code not in widths:
                return None
            if code == "d":
                day = pos
            pos += widths[code]
            i += 2
        else:
            pos += 1
            i += 1
    return (day, pos) if day is not None else None


def _arrow_strptime(s: pd.Series, fmt: str) -> pd.Series | None:
    """Parse with pyarrow's C++ strptime (fast on millions of rows); unparseable values become NaT."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_strings(s)
    if arr is None:
        return None
    try:
        parsed = pc.strptime(arr, format=fmt, unit="s", error_is_null=True)
        # strptime here rolls impossible days over (30 Feb -> 2 Mar): keep only values whose day of month
        # is the one written (fixed-width formats) or that print back exactly as written; the others
        # (and unpadded ones like 5/1/2026) go through pandas, which checks.
        fixed = _fixed_width(fmt)
        if fixed is not None:
            day_at, width = fixed
            right_width = pc.equal(pc.utf8_length(arr), width)
            day_text = pc.if_else(right_width, pc.utf8_slice_codeunits(arr, day_at, day_at + 2), "00")
            same = pc.and_(right_width, pc.equal(pc.cast(day_text, pa.int64()), pc.day(parsed)))
        else:
            same = pc.equal(pc.strftime(parsed, format=fmt), arr)
        parsed = pc.if_else(same.fill_null(False), parsed, None)
        # numpy's cast to nanoseconds wraps years outside 1678-2261 around silently (9999-12-31 would
        # become 1816-03-29): those values are not read here
        inside = pc.and_(pc.greater_equal(parsed, pa.scalar(NS_MIN, type=parsed.type)),
                         pc.less_equal(parsed, pa.scalar(NS_MAX, type=parsed.type)))
        parsed = pc.if_else(inside.fill_null(False), parsed, None)
    except Exception:  # noqa: BLE001 - a directive pyarrow does not know: use pandas instead
        return None
    values = parsed.to_numpy().astype("datetime64[ns]") if len(parsed) else np.array([], dtype="datetime64[ns]")
    return pd.Series(values, index=s.index)



# ---------------------------------------------------------------------------------------------
# dates at client scale: fixed-width layouts read from the Arrow buffers, DST rules as pandas
# ---------------------------------------------------------------------------------------------
_NAT = NAT_NS
_FIELD_WIDTH = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}


def _fixed_template(fmt: str) -> tuple[int, list[tuple[str, int, int]], list[tuple[int, int]]] | None:
    """(width, fields, literals) of a format made only of %Y %m %d %H %M %S and ASCII separators, each
    field at a fixed position; None for any other format (those go through the general parsers)."""
    fields: list[tuple[str, int, int]] = []
    literals: list[tuple[int, int]] = []
    pos = i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            code = fmt[i + 1: i + 2]
            if code not in _FIELD_WIDTH or any(f[0] == code for f in fields):
                return None
            fields.append((code, pos, _FIELD_WIDTH[code]))
            pos += _FIELD_WIDTH[code]
            i += 2
        else:
            if not ch.isascii() or ch.isdigit():
                return None
            literals.append((pos, ord(ch)))
            pos += 1
            i += 1
    codes = {f[0] for f in fields}
    if not {"Y", "m", "d"} <= codes or not fmt or fmt[0].isspace() or fmt[-1].isspace():
        return None
    return pos, fields, literals


def _tables():
    """Lookup tables of the fixed-width parser (built once): two ASCII digits read as a little-endian
    uint16 → their value (255 when not two digits); days since epoch of the first of each month of
    1678–2261 and that month's length."""
    global _TABLES
    if _TABLES is None:
        pairs = np.full(1 << 16, 255, dtype=np.uint8)
        for a in range(10):
            for b in range(10):
                pairs[(48 + a) | ((48 + b) << 8)] = a * 10 + b
        months = np.arange((_YEAR_MAX - _YEAR_MIN + 1) * 12)
        first = (np.datetime64(f"{_YEAR_MIN}-01", "M") + months).astype("M8[D]").astype(np.int64)
        length = np.diff(np.append(first, first[-1] + 31)).astype(np.int64)
        _TABLES = (pairs, first, length)
    return _TABLES


_TABLES = None
_YEAR_MIN, _YEAR_MAX = 1678, 2261  # whole years inside pandas' nanosecond range


def _fixed_values(block: np.ndarray, tmpl) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``block`` (k × width bytes) written exactly in the template's layout with a real date and
    time (no 30 Feb, no 24:00, no leap second, years 1678–2261): (ok mask, seconds since epoch as wall time)."""
    _, fields, literals = tmpl
    pairs, first, length = _tables()
    k = len(block)
    good = np.ones(k, dtype=bool)
    for pos, byte in literals:
        good &= block[:, pos] == byte

    def two(pos):  # the two bytes at ``pos`` of every row, as one uint16 (no copy)
        return np.ndarray(shape=(k,), dtype="<u2", buffer=block, offset=pos, strides=(block.strides[0],))

    vals = {}
    for code, pos, width in fields:
        if width == 2:
            vals[code] = pairs[two(pos)]
        else:
            high, low = pairs[two(pos)], pairs[two(pos + 2)]
            good &= low <= 99
            vals[code] = high.astype(np.int64) * 100 + low
    y, m, d = vals["Y"], vals["m"], vals["d"]
    month = (y - _YEAR_MIN) * 12 + m.astype(np.int64) - 1
    known = (y >= _YEAR_MIN) & (y <= _YEAR_MAX) & (m >= 1) & (m <= 12)
    month[~known] = 0
    good &= known & (d >= 1) & (d <= length[month])
    secs = (first[month] + d - 1) * 86400
    for code, top, scale in (("H", 23, 3600), ("M", 59, 60), ("S", 59, 1)):
        if code in vals:
            good &= vals[code] <= top
            secs += vals[code].astype(np.int64) * scale
    return good, secs


def _fixed_block(block: np.ndarray, tmpl, step: int = 1 << 16) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_fixed_values` in slices that stay in the CPU cache."""
    if len(block) <= step:
        return _fixed_values(block, tmpl)
    parts = [_fixed_values(block[i: i + step], tmpl) for i in range(0, len(block), step)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _parse_fixed(arr, tmpl) -> tuple[np.ndarray, np.ndarray]:
    """Parse a pyarrow string ChunkedArray whose values are written in a fixed-width layout, straight
    from its buffers. Returns (ok mask, wall-time seconds); rows not ok are left to other parsers."""
    import pyarrow as pa

    width = tmpl[0]
    n = len(arr)
    ok = np.zeros(n, dtype=bool)
    secs = np.zeros(n, dtype=np.int64)
    at = 0
    for chunk in arr.chunks:
        k = len(chunk)
        if k == 0:
            continue
        odt = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        bufs = chunk.buffers()
        offsets = np.frombuffer(bufs[1], dtype=odt)[chunk.offset: chunk.offset + k + 1]
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size else np.zeros(0, np.uint8)
        first, last = int(offsets[0]), int(offsets[-1])
        if last - first == k * width and not chunk.null_count and (np.diff(offsets) == width).all():
            ok[at: at + k], secs[at: at + k] = _fixed_block(data[first: last].reshape(k, width), tmpl)
        else:
            right = np.diff(offsets) == width
            if chunk.null_count:
                right &= chunk.is_valid().to_numpy(zero_copy_only=False)
            rows = np.flatnonzero(right)
            if len(rows):
                block = data[offsets[rows].astype(np.int64)[:, None] + np.arange(width)]
                ok_r, sec_r = _fixed_block(np.ascontiguousarray(block), tmpl)
                ok[at + rows] = ok_r
                secs[at + rows] = sec_r
        at += k
    return ok, secs


def _fixed_ok_strings(values, tmpl) -> np.ndarray:
    """Which of a few Python strings the fixed-width parser would read (see :func:`_fixed_values`)."""
    width = tmpl[0]
    out = np.zeros(len(values), dtype=bool)
    rows = [i for i, v in enumerate(values) if v.isascii() and len(v) == width]
    if rows:
        block = np.frombuffer("".join(values[i] for i in rows).encode("ascii"), dtype=np.uint8).reshape(len(rows), width)
        out[rows] = _fixed_values(block.copy(), tmpl)[0]
    return out


def _utc_offsets(utc_ns: np.ndarray, tz) -> np.ndarray:
    """UTC offset (ns) of ``tz`` at each UTC instant, as pandas converts it."""
    idx = pd.DatetimeIndex(utc_ns.view("M8[ns]")).tz_localize("UTC").tz_convert(tz)
    return idx.tz_localize(None).asi8 - utc_ns




def _localize_i8(local: np.ndarray, tz, *, inplace: bool = False) -> np.ndarray | None:
    """Wall times (int64 ns, NaT as int64 min) in ``tz`` → UTC int64 ns, exactly as :func:`_localize`
    does it, without a lookup per value: the zone's offset changes within the data's range are found
    once, values between them take that stretch's offset, and only the values inside a change (a
    repeated or skipped stretch of wall time) go through :func:`_localize` itself. ``inplace``: write
    the result over ``local``. None when the zone changes its offset twice within an hour (not modelled)."""
    n = len(local)
    big = np.iinfo(np.int64).max
    lo, hi = big, _NAT
    for i in range(0, n, SLICE_ROWS):
        part = local[i: i + SLICE_ROWS]
        valid = part != _NAT
        if valid.any():
            lo = min(lo, int(np.min(part, where=valid, initial=big)))
            hi = max(hi, int(part.max()))
    if hi == _NAT:  # nothing but NaT
        return local if inplace else local.copy()
    hour = 3600 * 10**9
    start, stop = (lo // hour - 48) * hour, (hi // hour + 49) * hour
    if (stop - start) // hour > 3_000_000:
        return None
    grid = np.arange(start, stop + 1, hour, dtype=np.int64)
    off = _utc_offsets(grid, tz)
    trans, before, after = [], [], []
    for j in np.flatnonzero(off[1:] != off[:-1]):
        secs = grid[j] + np.arange(1, 3601, dtype=np.int64) * 10**9
        o = _utc_offsets(secs, tz)
        k = int(np.flatnonzero(o != off[j])[0])
        if (o[k:] != o[k]).any() or o[k] != off[j + 1]:
            return None
        trans.append(int(secs[k]))
        before.append(int(off[j]))
        after.append(int(o[k]))
    if trans:
        T, A, B = (np.array(v, dtype=np.int64) for v in (trans, before, after))
        low, high = T + np.minimum(A, B), T + np.maximum(A, B)  # wall times skipped or repeated by each change
        if not (high[:-1] < low[1:]).all():
            return None
        # edges low_0 < high_0 < low_1 < ...: an even position is a stretch with one offset, an odd one
        # is inside a change
        edges = np.column_stack([low, high]).ravel()
        offsets = np.repeat(np.concatenate([A[:1], B]), 2)[: len(edges) + 1]
    out = local if inplace else np.empty_like(local)
    inside_rows, inside_values = [], []
    for i in range(0, n, SLICE_ROWS):
        part = local[i: i + SLICE_ROWS]
        valid = part != _NAT
        if not trans:
            shifted = part - off[0]
        else:
            where = np.searchsorted(edges, part, side="right")
            inside = (where & 1).astype(bool) & valid
            if inside.any():
                inside_rows.append(np.flatnonzero(inside) + i)
                inside_values.append(part[inside])
            shifted = part - offsets[where]
        shifted[~valid] = _NAT
        out[i: i + SLICE_ROWS] = shifted
    if inside_rows:
        rows = np.concatenate(inside_rows)
        out[rows] = _localize(pd.Series(np.concatenate(inside_values).view("M8[ns]")), tz).array.asi8
    return out


def _i8_series(values: np.ndarray, tz) -> pd.Series:
    """A datetime64[ns] Series (tz-aware when ``tz``) over int64 nanoseconds (UTC when ``tz``)."""
    m8 = values.view("M8[ns]")
    if tz is None:
        return pd.Series(m8, copy=False)
    dtype = pd.DatetimeTZDtype(unit="ns", tz=tz)
    try:
        arr = pd.arrays.DatetimeArray._simple_new(m8, dtype=dtype)
    except (AttributeError, TypeError):  # pragma: no cover - a pandas without the private constructor
        return pd.Series(m8, copy=False).dt.tz_localize("UTC").dt.tz_convert(dtype.tz)
    return pd.Series(arr, copy=False)


def _guess_layout(arr) -> str | None:
    """The fixed ISO layout of the first values that have one (a guess, checked afterwards)."""
    import pyarrow.compute as pc

    seen = 0
    for chunk in arr.chunks:
        nonempty = np.flatnonzero(pc.binary_length(chunk).to_numpy(zero_copy_only=False) > 0)[:200]
        for v in chunk.take(nonempty).to_pylist():
            v = (v or "").strip()
            for pattern, fmt in _ISO_FORMATS:
                if pattern.match(v):
                    return fmt
        seen += len(nonempty)
        if seen >= 200:
            break
    return None


def parse_dates_arrow(arr, placeholders, fmt: str | None = None, *, tz=None, source_tz=None, file: str = "",
                      column: str = "", source_rows: pd.Series | None = None) -> tuple[pd.Series, np.ndarray] | None:
    """:func:`parse_dates` of ``clean_strings(arr, placeholders)`` for a large pyarrow string column,
    without pandas string operations on every row: values written exactly in the column's fixed-width
    layout (the ``fmt`` given, else the ISO layout :func:`parse_dates` would pick) are read from the
    Arrow buffers and localized with the zone's transitions; the few others go through the same
    parsers as :func:`parse_dates`, in the same order. Returns (parsed Series on a RangeIndex, bad
    mask), the same as :func:`parse_dates` would, or None when the column is not of that kind (the
    caller then uses :func:`parse_dates`)."""

    n = len(arr)
    if n < FAST_PATH_MIN_ROWS or (fmt and "%z" in fmt.lower()):
        return None
    layout = fmt or _guess_layout(arr)
    tmpl = _fixed_template(layout) if layout else None
    if tmpl is None:
        return None
    variants = sorted(set().union(*(_case_variants(p.strip()) for p in placeholders))) if placeholders else []
    if _fixed_ok_strings(variants, tmpl).any():
        return None  # a placeholder that reads as a date: leave it to the general path
    ok, secs = _parse_fixed(arr, tmpl)
    rest = ~ok  # what the fixed-width reader left: cleaned and parsed below, except missing cells
    if rest.any() and "" in variants:  # empty (or missing) cells are placeholders: nothing to parse
        import pyarrow.compute as pc

        rest &= pc.binary_length(arr).fill_null(0).to_numpy(zero_copy_only=False) > 0
    elif rest.any() and arr.null_count:
        rest &= arr.is_valid().to_numpy(zero_copy_only=False)
    rest_idx = np.flatnonzero(rest)
    rest_raw = arrow_text(take_rows(arr, rest_idx), index=rest_idx)
    rest = clean_strings(rest_raw, placeholders).str.strip()
    present = ok.copy()
    present[rest_idx] = rest.notna().to_numpy()
    n_present = int(present.sum())
    if n_present < FAST_PATH_MIN_ROWS:
        return None
    if not fmt:  # the layout parse_dates would pick: the one every value of its sample has
        step = max(1, n_present // 2000)
        spos = np.arange(0, n, step) if n_present == n else np.flatnonzero(present)[::step]
        sample = arrow_text(take_rows(arr, spos))
        from_rest = ~ok[spos]
        if from_rest.any():
            sample[from_rest] = rest.loc[spos[from_rest]].to_numpy()
        chosen = next((f for pattern, f in _ISO_FORMATS if sample.str.match(pattern).all()), None)
        if chosen != layout:
            return None
    parsed = pd.Series(pd.NaT, index=rest.index, dtype="datetime64[ns]")
    aware_parts: list[pd.Series] = []
    todo = rest.notna()
    if todo.any():
        fast = _arrow_strptime(rest[todo], layout)
        if fast is None:
            return None  # parse_dates would have sent the whole column elsewhere
        parsed[todo] = fast
        todo = todo & parsed.isna()
        _parse_rest(rest, todo, fmt, parsed, aware_parts, file=file, column=column, source_rows=source_rows)
    local = secs  # wall time in ns, NaT where not read, in place (a column of 20 million values is 160 MB)
    np.multiply(local, 10**9, out=local)
    local[~ok] = _NAT
    if len(rest_idx):
        local[rest_idx] = parsed.to_numpy().view("i8")
    src_tz = source_tz or tz
    if src_tz is not None:
        utc = _localize_i8(local, src_tz, inplace=True)
        if utc is None:
            localized = _localize(_i8_series(local, None), src_tz)
        else:
            localized = _i8_series(utc, src_tz)
        result, bad = _assemble_result(None, aware_parts, pd.Series(present, copy=False), tz, src_tz, localized=localized)
    else:
        result, bad = _assemble_result(_i8_series(local, None), aware_parts, pd.Series(present, copy=False), tz, None)
    return result, bad.to_numpy()


def _iso_fast_path(s: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """Large ISO columns: when a sample is all one ISO 8601 layout, parse the whole column at once in
    C++; values that fail go on to the general path. Returns (parsed, done mask) or None."""
    nonnull = s.dropna()
    if len(nonnull) < FAST_PATH_MIN_ROWS:
        return None
    sample = nonnull.iloc[:: max(1, len(nonnull) // 2000)]
    for pattern, fmt in _ISO_FORMATS:
        if sample.str.match(pattern).all():
            parsed = _arrow_strptime(s, fmt)
            if parsed is not None:
                return parsed, parsed.notna()  # values not done here go on to the general path
    if not sample.str.match(ISO_DATE).all():
        return None
    offset = sample.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    if offset.any() and not offset.all():
        return None
    try:
        parsed = within_ns(pd.to_datetime(s, format="ISO8601", errors="coerce", utc=bool(offset.all())))
    except (ValueError, TypeError):
        return None
    return parsed, parsed.notna()


def _finish(ts: pd.Series, tz) -> pd.Series:
    if tz is None:
        return ts if getattr(ts.dt, "tz", None) is None else ts.dt.tz_localize(None)
    if getattr(ts.dt, "tz", None) is None:
        return _localize(ts, tz)
    return ts.dt.tz_convert(tz)


def _from_serial(x: pd.Series) -> pd.Series:
    """Excel serial day numbers (1900 system) → timestamps; plausible range 1950–2100 only."""
    ok = (x >= 18264) & (x <= 73051)
    out = pd.Series(pd.NaT, index=x.index, dtype="datetime64[ns]")
    out[ok] = EXCEL_EPOCH + pd.to_timedelta(x[ok].astype(float).round(6), unit="D")
    return out.dt.round("s")


def _assemble(y, m, d, H, M, S, ap=None) -> pd.Series:
    y = pd.to_numeric(y)
    y = y.where(y >= 100, y + 2000)
    H = pd.to_numeric(H).fillna(0)
    if ap is not None:
        pm = ap.fillna("").str.lower().str.startswith("p")
        am = ap.fillna("").str.lower().str.startswith("a")
        H = H.where(~(pm & (H < 12)), H + 12).where(~(am & (H == 12)), 0)
    frame = pd.DataFrame({"year": y, "month": pd.to_numeric(m), "day": pd.to_numeric(d), "hour": H,
                          "minute": pd.to_numeric(M).fillna(0), "second": pd.to_numeric(S).fillna(0)})
    return within_ns(pd.to_datetime(frame, errors="coerce"))


def _parse_dmy(g: pd.DataFrame, text: pd.Series, *, file: str, column: str, source_rows) -> pd.Series:
    """Decide day/month order from the whole column, then assemble."""
    a = pd.to_numeric(g["a"])
    b = pd.to_numeric(g["b"])
    dayfirst_evidence = (a > 12) & (b <= 12)
    monthfirst_evidence = (b > 12) & (a <= 12)
    if dayfirst_evidence.any() and monthfirst_evidence.any():
        i = dayfirst_evidence.idxmax()
        j = monthfirst_evidence.idxmax()
        raise DataError(
            f"dates mix day-first ({text[i]!r}) and month-first ({text[j]!r}) in one column.",
            file=file, column=column,
            row=int(source_rows[j]) if source_rows is not None else None, value=text[j],
            hint="Fix the export, or set `date_formats: {<column>: \"%d/%m/%Y\"}` in client.yml and the other rows go to the ledger.")
    if dayfirst_evidence.any():
        dayfirst = True
    elif monthfirst_evidence.any():
        dayfirst = False
    else:
        differs = a != b
        if differs.any():
            k = differs.idxmax()
            raise DataError(
                f"day/month order is ambiguous: no value in the column has a day over 12 (e.g. {text[k]!r} "
                f"could be {int(a[k])} {_MONTH[int(b[k])]} or {int(b[k])} {_MONTH[int(a[k])]}).",
                file=file, column=column, value=text[k],
                hint="Add `date_format: \"%d/%m/%Y\"` (day first) or `\"%m/%d/%Y\"` (month first) for this table in client.yml.")
        dayfirst = True  # every value has day == month: both orders agree
    d, m = (a, b) if dayfirst else (b, a)
    return _assemble(g["y"], m, d, g["H"], g["M"], g["S"], g["ap"])


_MONTH = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def parse_months(raw: pd.Series, fmt: str | None = None, **kw) -> tuple[pd.Series, pd.Series]:
    """Month periods (``2026-10``, ``10/2026``, ``Oct 2026``, or any date) → first day of the month (naive)."""
    s = pd.Series(raw.astype("object").where(raw.notna(), None), dtype="str").str.strip()
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    ym = s.str.extract(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$")
    my = s.str.extract(r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$")
    for g in (ym, my):
        ok = g["y"].notna() & out.isna()
        if ok.any():
            out[ok] = within_ns(pd.to_datetime(pd.DataFrame({"year": pd.to_numeric(g.loc[ok, "y"]),
                                                             "month": pd.to_numeric(g.loc[ok, "m"]), "day": 1}), errors="coerce"))
    rest = raw.notna() & out.isna()
    if rest.any():
        p, _ = parse_dates(raw[rest], fmt, tz=None, **kw)
        out[rest] = p
    out = out.dt.to_period("M").dt.to_timestamp()
    return out, raw.notna() & out.isna()
