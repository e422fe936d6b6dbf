"""``load_client(path)``: read a client's exports, map them to the canonical tables, parse every
value, run the validation rules, and account for every row in the data-quality ledger.

Pipeline per table: read (CSV/XLSX/Parquet) → map columns (client.yml ``columns``, else a column
already named canonically) → map values (``values``) → parse by kind (schema.py) → row checks.
Then cross-table checks: duplicated ids, references to unknown leads, events before the lead was
created. Rows in == rows kept + rows set aside, for every table, always.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from smk.client import Client
from smk.config import ClientConfig, TableConfig, load_config
from smk.errors import ConfigError, DataError
from smk.features import positions
from smk.ledger import CLEARED, SET_ASIDE, Ledger
from smk.parsing import (clean_strings, infer_decimal, number_text, parse_bools, parse_dates, parse_ints,
                         parse_months, parse_numbers)
from smk.readers import RawTable, read_raw
from smk.schema import TABLES, ColumnSpec, TableSpec

#: columns whose negative values make the row unusable
NON_NEGATIVE = {("deals", "amount"), ("quotas", "amount"), ("leads", "revenue"),
                ("web_traffic", "visits"), ("web_traffic", "spend")}
#: lead dates that must not precede the lead's creation (cleared, not set aside)
LEAD_LIFECYCLE = ("mql_at", "sql_at", "customer_at", "closed_at", "first_contact_at")
LIKERT = (1, 5)
_BAD_REASON = {"datetime": "bad_date", "date": "bad_date", "month": "bad_date", "number": "bad_number",
               "int": "bad_number", "bool": "bad_bool"}


def load_client(path: str | Path, *, as_of: pd.Timestamp | str | None = None,
                tables: list[str] | None = None) -> Client:
    """Load and validate the client in folder ``path`` (with its ``client.yml``).

    ``as_of``: the moment after which dates count as "in the future" (default: now). It only decides
    which rows are flagged; analyses use ``client.data_end``, not the wall clock.
    ``tables``: load only these tables (``leads`` is always loaded).

    Raises :class:`ConfigError` / :class:`DataError` for problems that stop a table from being read
    at all (missing column, ambiguous dates, unmapped stage values); row-level problems go to the
    ledger and the row is set aside or the value cleared.
    """
    path = Path(path)
    cfg = load_config(path)
    root = cfg.path.parent
    now = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now(tz=cfg.tz)
    if now.tzinfo is None:
        now = now.tz_localize(cfg.tz)
    ledger = Ledger()
    frames: dict[str, pd.DataFrame] = {}
    rows_in: dict[str, int] = {}
    sources: dict[str, Path] = {}
    wanted = [t for t in TABLES if t in cfg.tables and (tables is None or t in tables or t == "leads")]
    for name in wanted:
        tcfg = cfg.tables[name]
        file = root / tcfg.file
        raw = read_raw(file, sheet=tcfg.sheet, delimiter=tcfg.delimiter, encoding=tcfg.encoding)
        sources[name] = file
        rows_in[name] = len(raw.frame) + len(raw.bad_lines) + len(raw.empty_rows)
        frames[name] = _canonical(name, raw, tcfg, cfg, ledger, now)
    _cross_checks(frames, cfg, ledger, sources)
    client = Client(config=cfg, tables=frames, ledger=ledger, rows_in=rows_in,
                    data_end=_data_end(frames, cfg), path=root, sources=sources)
    if "survey" in frames:
        # answers to questions outside the bank (smk/data/questions.yml + client.yml) are set aside here,
        # so the ledger written with the report accounts for them too
        from smk.alignment import clean_survey

        frames["survey"] = clean_survey(client).reset_index(drop=True)
    for name, df in frames.items():
        kept = len(df)
        set_aside = int((ledger.set_aside(name).shape[0]))
        if kept + set_aside != rows_in[name]:  # pragma: no cover - an invariant, tested by property tests
            raise AssertionError(f"ledger accounting broken for {name}: {rows_in[name]} in, {kept} kept, {set_aside} set aside")
    return client


# ---------------------------------------------------------------------------------------------
def _resolve_columns(spec: TableSpec, tcfg: TableConfig, raw: RawTable, file: str) -> dict[str, str]:
    """canonical -> source column, checked against the file's header."""
    header = [c for c in raw.frame.columns if c != "_source_row"]
    lower = {h.lower(): h for h in header}
    mapping: dict[str, str] = {}
    for canon, source in tcfg.columns.items():
        if source in raw.frame.columns:
            mapping[canon] = source
        elif str(source).lower() in lower:
            mapping[canon] = lower[str(source).lower()]
        else:
            close = difflib.get_close_matches(str(source), header, n=3, cutoff=0.6)
            raise ConfigError(
                f"{file}: client.yml maps {canon!r} to column {source!r}, which is not in the file. "
                + (f"Did you mean {', '.join(map(repr, close))}? " if close else "")
                + f"Columns found: {', '.join(map(repr, header))}.")
    for canon, source in tcfg.optional_columns.items():
        if canon not in mapping:
            found = source if source in raw.frame.columns else lower.get(str(source).lower())
            if found is not None:
                mapping[canon] = found
    for canon in tcfg.constants:
        mapping[canon] = f"<constant {canon}>"  # filled in by _canonical from client.yml
    for col in spec.columns:
        if col.name not in mapping and col.name in raw.frame.columns:
            mapping[col.name] = col.name
    for col in header:  # counters named canonically, e.g. n_page_view
        if spec.name == "leads" and col.startswith("n_") and col not in mapping.values():
            mapping.setdefault(col, col)
    missing = [c for c in _required(spec, tcfg) if c not in mapping]
    if missing:
        raise ConfigError(
            f"{file}: the {spec.name} table needs column(s) {', '.join(missing)}, but client.yml does not map "
            f"them{' (nor does the preset ' + repr(tcfg.preset) + ')' if tcfg.preset else ''} and the file has no column "
            f"of that name. Add them under `tables.{spec.name}.columns` "
            f"(canonical: source column). Columns found: {', '.join(map(repr, header))}.")
    return mapping


def _apply_value_map(s: pd.Series, mapping: dict) -> pd.Series:
    """Map export values to canonical ones: exact match first, then case-insensitive. Unmapped values
    stay as they are. Works on the distinct values, so it costs little on millions of rows."""
    if not mapping:
        return s
    exact = {str(k).strip(): v for k, v in mapping.items()}
    folded = {str(k).strip().lower(): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    new = []
    for u in uniques:
        key = str(u).strip()
        new.append(exact.get(key, folded.get(key.lower(), u)))
    if not len(new):
        return s
    if all(isinstance(v, str) for v in new):  # the usual case: build the column in Arrow, no Python objects
        import pyarrow as pa
        import pyarrow.compute as pc

        taken = pc.take(pa.array(new, type=pa.string()), pa.array(codes, mask=codes < 0))
        dtype = pd.StringDtype(storage="pyarrow", na_value=np.nan)
        return pd.Series(taken.to_pandas(types_mapper={pa.string(): dtype}.get), index=s.index)
    values = np.asarray(new, dtype=object)
    return pd.Series(np.where(codes >= 0, values[np.clip(codes, 0, None)], None), index=s.index)


def _canonical(name: str, raw: RawTable, tcfg: TableConfig, cfg: ClientConfig, ledger: Ledger,
               now: pd.Timestamp) -> pd.DataFrame:
    spec = TABLES[name]
    file = str(raw.path)
    fname = raw.path.name
    for row, text in raw.bad_lines:
        ledger.add(name, fname, row, None, text[:200], "malformed_row")
    for row in raw.empty_rows:
        ledger.add(name, fname, row, None, None, "empty_row")
    df = raw.frame
    mapping = _resolve_columns(spec, tcfg, raw, file)
    if tcfg.constants:  # e.g. a "closed deals" export where every row is won: `constants: {stage: won}`
        df = df.assign(**{mapping[c]: pd.Series(str(v), index=df.index, dtype="str") for c, v in tcfg.constants.items()})
    src_rows = df["_source_row"]
    table_decimal = tcfg.decimal or _table_decimal(spec, mapping, df)
    out = pd.DataFrame({"_source_row": src_rows.to_numpy()}, index=df.index)
    drop = pd.Series(False, index=df.index)

    def set_aside(mask: pd.Series, reason: str, column: str | None, values: pd.Series | None, detail: str = ""):
        new = mask & ~drop
        if not new.any():
            return
        vals = values[new] if values is not None else pd.Series([None] * int(new.sum()), index=df.index[new])
        for idx, val in zip(df.index[new], vals.astype("object").where(vals.notna(), None)):
            ledger.add(name, fname, int(src_rows[idx]), column, val, reason, SET_ASIDE, detail)
        drop.loc[new] = True

    def clear(mask: pd.Series, reason: str, column: str, values: pd.Series, detail: str = ""):
        m = mask & ~drop
        for idx, val in zip(df.index[m], values[m].astype("object")):
            ledger.add(name, fname, int(src_rows[idx]), column, val, reason, CLEARED, detail)

    for canon, source in mapping.items():
        colspec = _colspec(spec, canon)
        rawcol = df[source]
        if pd.api.types.is_string_dtype(rawcol.dtype) or rawcol.dtype == object:
            rawcol = clean_strings(rawcol, cfg.placeholders)
        rawcol = _apply_value_map(rawcol, tcfg.values.get(canon, {}))
        fmt = tcfg.date_formats.get(canon) or tcfg.date_format
        kind = colspec.kind
        try:
            if kind in ("id", "str"):
                parsed = _as_text(rawcol, kind)
                bad = pd.Series(False, index=df.index)
            elif kind == "datetime":
                parsed, bad = parse_dates(rawcol, fmt, tz=cfg.tz, source_tz=tcfg.timezone or cfg.timezone,
                                          file=file, column=source, source_rows=src_rows)
            elif kind == "date":
                parsed, bad = parse_dates(rawcol, fmt, tz=None, file=file, column=source, source_rows=src_rows)
                parsed = parsed.dt.normalize()
            elif kind == "month":
                parsed, bad = parse_months(rawcol, fmt, file=file, column=source, source_rows=src_rows)
            elif kind == "number":
                parsed, bad = parse_numbers(rawcol, tcfg.decimal, file=file, column=source,
                                            fallback_decimal=table_decimal)
            elif kind == "int":
                parsed, bad = parse_ints(rawcol, decimal=tcfg.decimal, file=file, column=source,
                                         fallback_decimal=table_decimal)
            elif kind == "bool":
                parsed, bad = parse_bools(rawcol)
            else:  # pragma: no cover
                raise AssertionError(kind)
        except DataError as exc:
            if exc.file is None:
                raise DataError(str(exc), file=file, column=source) from None
            raise
        if colspec.allowed is not None:
            parsed = _check_allowed(parsed, colspec, name, source, file, src_rows, tcfg)
        if bad.any():
            reason = _BAD_REASON[kind]
            if colspec.required:
                set_aside(bad, reason, source, df[source])
            else:
                clear(bad, reason, source, df[source])
        out[canon] = parsed

    if "created_at" not in mapping and spec.name == "leads":  # an undated export (`undated: true`)
        out["created_at"] = pd.Series(pd.NaT, index=df.index, dtype=f"datetime64[ns, {cfg.timezone}]")
    # required values present
    for canon in _required(spec, tcfg):
        set_aside(out[canon].isna(), "missing_required", mapping[canon], df[mapping[canon]])
    # future dates
    for canon in [c for c in mapping if _colspec(spec, c).kind == "datetime"]:
        future = out[canon].notna() & (out[canon] > now)
        if future.any():
            if canon in spec.required or canon == spec.event_time:
                set_aside(future, "future_date", mapping[canon], df[mapping[canon]])
            else:
                clear(future, "future_date", mapping[canon], df[mapping[canon]])
                out.loc[future, canon] = pd.NaT
    for canon in [c for c in mapping if _colspec(spec, c).kind in ("date", "month")]:
        future = out[canon].notna() & (out[canon] > now.tz_localize(None))
        set_aside(future, "future_date", mapping[canon], df[mapping[canon]])
    # negative amounts
    for canon in mapping:
        if (name, canon) in NON_NEGATIVE:
            set_aside(out[canon].notna() & (out[canon] < 0), "negative_amount", mapping[canon], df[mapping[canon]])
    if name == "deals" and "closed_at" in out and "created_at" in out:
        set_aside(out["closed_at"] < out["created_at"], "closed_before_created", mapping["closed_at"], df[mapping["closed_at"]])
    if name == "survey":
        ans = out["answer"]
        set_aside(ans.notna() & ((ans < LIKERT[0]) | (ans > LIKERT[1])), "out_of_range", mapping["answer"], df[mapping["answer"]],
                  detail="Likert answers go from 1 to 5")
    # extra columns kept as features
    if spec.keep_extra:
        used = set(mapping.values())
        for col in df.columns:
            if col == "_source_row" or col in used:
                continue
            target = col if col not in out.columns else f"src_{col}"
            out[target] = _feature(df[col], cfg.placeholders)
    if drop.any():
        out = out[~drop].reset_index(drop=True)
    else:
        out = out.reset_index(drop=True)
    ordered = [c for c in spec.names if c in out.columns] + [c for c in out.columns if c not in spec.names and c != "_source_row"]
    return out[ordered + ["_source_row"]]


def _required(spec: TableSpec, tcfg: TableConfig) -> list[str]:
    """Required canonical columns; an undated leads export (``undated: true``) may lack ``created_at``."""
    if spec.name == "leads" and tcfg.undated:
        return [c for c in spec.required if c != "created_at"]
    return spec.required


def _table_decimal(spec: TableSpec, mapping: dict[str, str], df: pd.DataFrame) -> str | None:
    """Decimal mark settled by the number columns of the file taken together (one export, one locale)."""
    cols = [src for canon, src in mapping.items() if _colspec(spec, canon).kind in ("number", "int")]
    if not cols or not all(pd.api.types.is_string_dtype(df[c].dtype) or df[c].dtype == object for c in cols):
        return None
    texts = pd.concat([number_text(df[c]) for c in cols], ignore_index=True)
    texts = texts[texts.str.contains(r"[.,]", regex=True)]
    dec = infer_decimal(texts) if len(texts) else None
    return dec if dec in (".", ",") else None


def _colspec(spec: TableSpec, canon: str) -> ColumnSpec:
    try:
        return spec.column(canon)
    except KeyError:
        if canon.startswith("n_"):
            return ColumnSpec(canon, "int")
        raise


def _as_text(s: pd.Series, kind: str) -> pd.Series:
    """Text column; ids read as numbers by a spreadsheet (123.0) become "123"."""
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return s
    if pd.api.types.is_numeric_dtype(s.dtype):
        whole = s.dropna()
        if len(whole) and (whole == whole.round()).all():
            return s.astype("Int64").astype("str")
        return s.astype("str")

    def one(x):
        if isinstance(x, float) and x.is_integer():
            return str(int(x))
        return str(x).strip()

    out = s.astype("object").map(one, na_action="ignore")
    return pd.Series(out.where(out.notna(), None), index=s.index, dtype="str")


def _check_allowed(parsed: pd.Series, colspec: ColumnSpec, table: str, source: str, file: str,
                   src_rows: pd.Series, tcfg: TableConfig) -> pd.Series:
    low = parsed.str.lower().str.replace(" ", "_", regex=False)
    ok = low.isin(colspec.allowed) | low.isna()
    if ok.all():
        return low
    bad = parsed[~ok]
    counts = bad.value_counts().sort_index()
    first = src_rows[bad.index[0]]
    listing = ", ".join(f"{v!r} ({n} rows)" for v, n in counts.head(10).items())
    raise ConfigError(
        f"{file}, column {source!r} (→ {table}.{colspec.name}): value(s) {listing} are not mapped to one of "
        f"{', '.join(colspec.allowed)} (first at row {int(first)}). Add them under "
        f"`tables.{table}.values.{colspec.name}` in client.yml, e.g. {{{bad.iloc[0]!r}: {_guess_canonical(bad.iloc[0], colspec.allowed)!r}}}.")


def _guess_canonical(value: str, allowed: tuple[str, ...]) -> str:
    """A plausible canonical value for the error's example (won / lost by keyword, else the first allowed)."""
    low = str(value).lower()
    for word, canon in (("won", "won"), ("ganad", "won"), ("lost", "lost"), ("perdid", "lost"), ("customer", "customer"),
                        ("cliente", "customer"), ("unqualif", "lost"), ("disqualif", "lost")):
        if word in low and canon in allowed:
            return canon
    return "open" if "open" in allowed else allowed[0]


def _feature(col: pd.Series, placeholders) -> pd.Series:
    """Extra columns: trimmed text, placeholders missing; plain numeric columns become numbers."""
    if not (pd.api.types.is_string_dtype(col.dtype) or col.dtype == object):
        return col
    s = clean_strings(col, placeholders)
    nonnull = s.dropna()
    if len(nonnull) and nonnull.str.fullmatch(r"[+-]?\d+(\.\d+)?").all():
        return pd.to_numeric(s, errors="coerce")
    return s


# ---------------------------------------------------------------------------------------------
def _cross_checks(frames: dict[str, pd.DataFrame], cfg: ClientConfig, ledger: Ledger, sources: dict[str, Path]) -> None:
    def aside(table: str, mask: pd.Series, reason: str, column: str, detail: str = ""):
        df = frames[table]
        if not mask.any():
            return
        ledger.add_many(table, sources[table].name, df[mask], _source_name(cfg, table, column), reason,
                        detail=detail, value_column=column)
        frames[table] = df[~mask].reset_index(drop=True)

    for table, idcol in (("leads", "lead_id"), ("deals", "deal_id")):
        if table in frames:
            aside(table, frames[table][idcol].duplicated(keep="first"), "duplicate_id", idcol)
    if "survey" in frames:
        s = frames["survey"]
        aside("survey", s.duplicated(["respondent", "question_id"], keep="first"), "duplicate_id", "question_id",
              detail="the respondent answered this question twice (first answer kept)")
    leads = frames["leads"]
    created = leads.set_index("lead_id")["created_at"]
    for col in LEAD_LIFECYCLE:
        if col in leads:
            early = leads[col].notna() & (leads[col] < leads["created_at"])
            if early.any():
                ledger.add_many("leads", sources["leads"].name, leads[early], _source_name(cfg, "leads", col),
                                "before_lead_created", action=CLEARED, value_column=col)
                leads.loc[early, col] = pd.NaT
    for table, spec in TABLES.items():
        if table == "leads" or table not in frames or not spec.lead_ref:
            continue
        df = frames[table]
        pos = positions(df[spec.lead_ref], created.index)
        unknown = df[spec.lead_ref].notna() & (pos < 0)
        early = pd.Series(False, index=df.index)
        if spec.event_time and spec.event_time in df:
            lead_created = pd.Series(created.array.take(pos, allow_fill=True), index=df.index)  # -1 -> NaT
            early = df[spec.event_time].notna() & lead_created.notna() & (df[spec.event_time] < lead_created)
        # one filtering pass per table (each pass copies every column)
        for mask, reason, column in ((unknown, "unknown_lead", spec.lead_ref), (early, "before_lead_created", spec.event_time)):
            if mask.any():
                ledger.add_many(table, sources[table].name, df[mask], _source_name(cfg, table, column), reason,
                                value_column=column)
        drop = unknown | early
        if drop.any():
            frames[table] = df[~drop].reset_index(drop=True)


def _source_name(cfg: ClientConfig, table: str, canon: str) -> str:
    return cfg.tables[table].columns.get(canon, canon)


def _data_end(frames: dict[str, pd.DataFrame], cfg: ClientConfig) -> pd.Timestamp:
    """Latest timestamp in the data (client timezone)."""
    candidates = []
    for name, df in frames.items():
        for col in df.columns:
            if isinstance(df[col].dtype, pd.DatetimeTZDtype) and df[col].notna().any():
                candidates.append(df[col].max())
    if "web_traffic" in frames and len(frames["web_traffic"]):
        last_day = frames["web_traffic"]["date"].max()
        candidates.append((last_day + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)).tz_localize(cfg.tz))
    if not candidates:
        return pd.NaT  # an undated client: nothing is "recent", time-based analyses do not run
    return max(pd.Timestamp(c).tz_convert(cfg.tz) for c in candidates)


# ---------------------------------------------------------------------------------------------
# snapshots: `smk run` loads a client once and hands the loaded tables to every notebook kernel
# ---------------------------------------------------------------------------------------------
SNAPSHOT_ENV = "SMK_CLIENT_SNAPSHOT"


def save_snapshot(client: Client, path: str | Path) -> Path:
    """Pickle the loaded client (tables, config, ledger) for the notebook kernels of one run."""
    import pickle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump({"client_dir": str(Path(client.path).resolve()), "client": client}, fh, protocol=5)
    return path


def load_snapshot(path: str | Path, client_dir: str | Path) -> Client | None:
    """The client pickled by :func:`save_snapshot`, if it is the one in ``client_dir`` (else None)."""
    import pickle

    path = Path(path)
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        data = pickle.load(fh)  # noqa: S301 - written by this run of `smk run`, next to its report
    return data["client"] if data.get("client_dir") == str(Path(client_dir).resolve()) else None
