"""``smk init data/<client> FILES…``: inspect a folder of exports and propose a client.yml.

For each file: read it as delivered (encoding and delimiter sniffed by :mod:`smk.io.readers`), recognise
which canonical table it is and which CRM preset fits (overlap of its header with each preset's
``optional_columns`` and with the canonical names and their English/Spanish synonyms), guess the
column mapping, propose value mappings for fixed-vocabulary columns (deal stage, lead status,
lifecycle stage, survey team) by keywords, list the values of channel-like columns for review,
detect day/month order and the format of every date column with :func:`smk.io.parsing.parse_dates`,
and say what is missing for which analysis. The proposal is written as a commented client.yml for
the consultant to review (never over an existing one without ``--force``).

Scores: a header column matches a canonical column when its normalised name (lower case, no
accents, punctuation as spaces) equals a preset label or a synonym (weight 1), or contains all the
words of a multi-word synonym, or is close to one (difflib ratio >= 0.85). A table's score is the
number of canonical columns matched plus 2 for each required one; files are assigned to tables
greedily, best score first, one file per table.
"""
from __future__ import annotations

import argparse
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from smk.errors import ConfigError, DataError
from smk.io.parsing import DMY_DATE, ISO_DATE, clean_strings, parse_dates, parse_numbers
from smk.io.presets import available as available_presets
from smk.io.presets import load_preset
from smk.io.readers import read_raw
from smk.io.schema import ACTIVITY_TYPES, DEFAULT_PLACEHOLDERS, TABLES
from smk.io.yamlfile import yaml_scalar
from smk.views.html import capability_label

EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet")

#: canonical column -> synonyms (normalised: lower case, no accents), English and Spanish
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "leads": {
        "lead_id": ("lead id", "prospect id", "record id", "contact id", "mql id", "id lead", "id del lead",
                    "id contacto", "id de contacto", "id"),
        "created_at": ("created at", "create date", "created date", "created", "creation date", "date created",
                       "lead created", "fecha de creacion", "fecha creacion", "fecha de alta", "fecha alta",
                       "first contact date", "fecha de registro"),
        "channel": ("channel", "original source", "lead source", "source", "origin", "origen", "canal", "fuente",
                    "fuente original", "medio"),
        "offer": ("offer", "first conversion", "lead origin", "oferta", "primera conversion", "conversion"),
        "owner": ("owner", "contact owner", "lead owner", "propietario", "propietario del contacto", "responsable",
                  "comercial", "vendedor", "sales rep", "asesor"),
        "team": ("team", "hubspot team", "equipo", "sales team"),
        "company": ("company", "company name", "company account", "empresa", "nombre de la empresa", "compania"),
        "industry": ("industry", "industria", "sector"),
        "employees": ("employees", "number of employees", "no of employees", "empleados", "numero de empleados",
                      "company size"),
        "country": ("country", "country region", "pais"),
        "job_title": ("job title", "title", "cargo", "puesto"),
        "email": ("email", "e mail", "email address", "correo", "correo electronico"),
        "phone": ("phone", "phone number", "telefono", "movil"),
        "lifecycle_stage": ("lifecycle stage", "etapa del ciclo de vida", "ciclo de vida"),
        "status": ("status", "lead status", "estado", "estado del lead"),
        "mql_at": ("mql at", "became a marketing qualified lead date", "mql date", "fecha mql", "fecha de mql"),
        "sql_at": ("sql at", "became a sales qualified lead date", "sql date", "fecha sql", "fecha de sql",
                   "converted date"),
        "customer_at": ("customer at", "became a customer date", "customer date", "fecha de cliente",
                        "fecha cliente"),
        "closed_at": ("closed at", "disqualified date", "fecha de descalificacion"),
        "won": ("won", "converted", "convertido", "ganado", "is won", "is converted"),
        "revenue": ("revenue", "ingresos", "facturacion"),
        "first_contact_at": ("first contact at", "first contacted", "fecha primer contacto",
                             "fecha de primer contacto"),
        "n_page_view": ("n page view", "number of pageviews", "totalvisits", "total visits", "page views",
                        "numero de visitas", "visitas"),
        "n_form_submission": ("n form submission", "number of form submissions", "formularios enviados"),
        "n_attempts": ("n attempts", "number of sales activities", "intentos", "numero de intentos",
                       "contact attempts"),
    },
    "deals": {
        "deal_id": ("deal id", "opportunity id", "record id", "id del negocio", "id negocio", "id oportunidad",
                    "id"),
        "lead_id": ("lead id", "associated contact id", "associated contact ids", "contact id", "mql id",
                    "id del lead", "id contacto"),
        "created_at": ("created at", "create date", "created date", "fecha de creacion", "fecha creacion"),
        "closed_at": ("closed at", "close date", "closed date", "won date", "fecha de cierre", "fecha cierre"),
        "stage": ("stage", "deal stage", "etapa", "etapa del negocio", "fase", "estado del negocio"),
        "amount": ("amount", "importe", "monto", "valor", "declared monthly revenue", "revenue"),
        "owner": ("owner", "deal owner", "opportunity owner", "sr id", "sales rep", "propietario",
                  "propietario del negocio", "vendedor", "comercial"),
        "team": ("team", "equipo", "sales team"),
    },
    "contact_attempts": {
        "lead_id": ("lead id", "contact id", "id del lead", "id contacto"),
        "attempted_at": ("attempted at", "date", "call date", "activity date", "fecha", "fecha de la llamada",
                         "fecha del intento"),
        "rep": ("rep", "assigned", "assigned to", "agent", "agente", "comercial", "vendedor"),
        "method": ("method", "type", "tipo", "metodo", "medio"),
        "outcome": ("outcome", "call result", "resultado", "disposition", "resultado de la llamada"),
    },
    "activities": {
        "lead_id": ("lead id", "contact id", "id del lead", "id contacto"),
        "occurred_at": ("occurred at", "timestamp", "event date", "date", "fecha", "fecha del evento"),
        "activity_type": ("activity type", "event type", "tipo de actividad", "tipo de evento", "type"),
        "asset": ("asset", "page", "url", "recurso", "pagina"),
        "channel": ("channel", "canal", "source"),
    },
    "web_traffic": {
        "date": ("date", "day", "fecha", "dia"),
        "channel": ("channel", "session default channel group", "default channel group", "canal"),
        "visits": ("visits", "sessions", "sesiones", "visitas"),
        "spend": ("spend", "cost", "coste", "costo", "gasto", "inversion"),
    },
    "quotas": {
        "period": ("period", "month", "mes", "periodo"),
        "owner": ("owner", "rep", "vendedor", "comercial"),
        "team": ("team", "sales team", "equipo"),
        "amount": ("amount", "quota", "cuota", "objetivo"),
    },
    "survey": {
        "respondent": ("respondent", "response id", "encuestado", "id respuesta"),
        "team": ("team", "department", "departamento", "area", "equipo"),
        "question_id": ("question id", "question", "pregunta"),
        "answer": ("answer", "score", "respuesta", "puntuacion"),
        "answered_at": ("answered at", "submitted at", "fecha de respuesta"),
    },
}

#: value keywords for fixed-vocabulary columns, checked in order (first hit wins); the fallback last
VALUE_RULES: dict[tuple[str, str], tuple[list[tuple[str, tuple[str, ...]]], str]] = {
    ("deals", "stage"): ([("lost", ("closed lost", "cerrado perdido", "lost", "perdido", "perdida")),
                          ("won", ("closed won", "cerrado ganado", "won", "ganado", "ganada"))], "open"),
    ("leads", "status"): ([("lost", ("not converted", "no convertido", "unqualified", "disqualified",
                                     "descalificado", "no calificado", "lost", "perdido", "bad timing", "junk")),
                           ("won", ("won", "ganado", "customer", "cliente"))], "open"),
    ("leads", "lifecycle_stage"): ([("mql", ("marketing qualified", "mql")), ("sql", ("sales qualified", "sql")),
                                    ("subscriber", ("subscriber", "suscriptor")),
                                    ("opportunity", ("opportunity", "oportunidad")),
                                    ("customer", ("customer", "cliente")), ("lead", ("lead",))], "other"),
    ("survey", "team"): ([("sales", ("sales", "ventas", "comercial")), ("marketing", ("marketing", "mercadeo")),
                          ("management", ("management", "direccion", "gerencia", "manager"))], "management"),
}
#: columns whose distinct values are listed for review
REVIEW_COLUMNS = {("leads", "channel"), ("leads", "offer"), ("activities", "activity_type"),
                  ("contact_attempts", "method"), ("contact_attempts", "outcome"), ("web_traffic", "channel")}
_ACT = {a: a for a in ACTIVITY_TYPES} | {"webinar_attendance": "webinar_attended", "social_interaction": "social",
                                      "event_attendance": "event", "pageview": "page_view", "page_visited_on_website": "page_view"}
#: export value (normalised, snake_case) -> canonical value, for columns the analyses read by name
KNOWN_VALUES = {
    ("activities", "activity_type"): _ACT,
    ("contact_attempts", "outcome"): {"connected": "connected", "no_answer": "no_answer", "left_voicemail": "voicemail",
                                      "voicemail": "voicemail", "busy": "busy", "wrong_number": "wrong_number",
                                      "sent": "sent", "conectado": "connected", "sin_respuesta": "no_answer",
                                      "buzon_de_voz": "voicemail", "ocupado": "busy"},
    ("contact_attempts", "method"): {"call": "call", "email": "email", "linkedin": "linkedin", "llamada": "call",
                                     "correo": "email"},
}
#: how strongly a canonical column says "this file is that table"
DISTINCTIVE = {"deals": {"stage": 3, "deal_id": 2, "amount": 1}, "leads": {"created_at": 1, "email": 1},
               "contact_attempts": {"outcome": 2, "attempted_at": 1}, "activities": {"activity_type": 3},
               "web_traffic": {"visits": 3}, "quotas": {"period": 1, "amount": 1},
               "survey": {"question_id": 3, "answer": 2}}


def normalise(name: str) -> str:
    """'Fecha de Creación ' -> 'fecha de creacion' (accents dropped, punctuation as spaces)."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass
class Column:
    """One proposed mapping: canonical column <- source column, and why."""

    canon: str
    source: str
    how: str  # "preset", "name", "synonym", "fuzzy", "join key"


@dataclass
class TableProposal:
    table: str
    file: Path
    file_ref: str  # as written in client.yml
    raw: pd.DataFrame
    encoding: str | None
    delimiter: str | None
    preset: str | None
    columns: list[Column]
    score: float
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    value_notes: dict[str, str] = field(default_factory=dict)
    review: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    decimal: str | None = None
    checks: list[str] = field(default_factory=list)  # "# CHECK:" lines for the table
    notes: list[str] = field(default_factory=list)

    def source(self, canon: str) -> str | None:
        return next((c.source for c in self.columns if c.canon == canon), None)


@dataclass
class Proposal:
    client_dir: Path
    name: str
    tables: dict[str, TableProposal]
    unrecognised: list[tuple[Path, str]]
    missing: list[tuple[str, list[str]]]  # (notebook, missing capabilities)
    lang: str = "en"
    timezone: str = "UTC"
    currency: str = "USD"


# ---------------------------------------------------------------------------------------------
# column matching
# ---------------------------------------------------------------------------------------------
def _match(header: list[str], candidates: tuple[str, ...], used: set[str]) -> tuple[str, str] | None:
    """Best header column for one canonical column: exact synonym, then all words contained, then fuzzy."""
    norm = {h: normalise(h) for h in header if h not in used}
    for cand in candidates:  # exact, in synonym order
        for h, n in norm.items():
            if n == cand:
                return h, "synonym"
    for cand in candidates:
        words = set(cand.split())
        if len(words) < 2:
            continue
        for h, n in norm.items():
            if words <= set(n.split()):
                return h, "synonym"
    for cand in candidates:  # 'Quota (EUR)' -> quota: a one-word synonym that starts the header
        if " " in cand or len(cand) < 4:
            continue
        for h, n in norm.items():
            if n.split()[:1] == [cand]:
                return h, "synonym"
    best = None
    for cand in candidates:
        if len(cand) < 5:
            continue
        for h, n in norm.items():
            r = difflib.SequenceMatcher(None, n, cand).ratio()
            if r >= 0.85 and (best is None or r > best[0]):
                best = (r, h)
    return (best[1], "fuzzy") if best else None


def guess_columns(table: str, header: list[str], preset: str | None) -> list[Column]:
    """Canonical columns of ``table`` found in ``header`` (preset labels first, then canonical names,
    then synonyms). Each header column is used once, except a deal stage also fills pipeline_stage."""
    spec = TABLES[table]
    lower = {h.lower(): h for h in header}
    used: set[str] = set()
    out: list[Column] = []
    pcols = _preset_columns(preset, table) if preset else {}
    for canon, label in pcols.items():
        h = lower.get(str(label).lower())
        if h is not None and h not in used and canon != "pipeline_stage":
            out.append(Column(canon, h, "preset"))
            used.add(h)
    done = {c.canon for c in out}
    for canon in spec.names:
        if canon in done or canon == "pipeline_stage":
            continue
        if canon in lower and lower[canon] not in used:
            out.append(Column(canon, lower[canon], "name"))
            used.add(lower[canon])
            done.add(canon)
    for canon, cands in SYNONYMS.get(table, {}).items():
        if canon in done:
            continue
        hit = _match(header, cands, used)
        if hit:
            out.append(Column(canon, hit[0], hit[1]))
            used.add(hit[0])
            done.add(canon)
    if table == "deals" and "stage" in done:
        out.append(Column("pipeline_stage", next(c.source for c in out if c.canon == "stage"), "stage"))
    order = {n: i for i, n in enumerate(spec.names)}
    return sorted(out, key=lambda c: (order.get(c.canon, len(order)), c.canon))


def _preset_columns(preset: str, table: str) -> dict[str, str]:
    return dict(load_preset(preset).get("tables", {}).get(table, {}).get("optional_columns", {}) or {})


def best_preset(table: str, header: list[str]) -> tuple[str | None, int]:
    """The CRM preset whose labels for ``table`` overlap the header most (at least 3 labels; the
    generic preset only when the header uses canonical names)."""
    lower = {h.lower() for h in header}
    scores = []
    for name in available_presets():
        cols = _preset_columns(name, table)
        hits = sum(1 for label in set(cols.values()) if str(label).lower() in lower)
        scores.append((hits, name != "generic", name))
    scores.sort(reverse=True)
    hits, _, name = scores[0] if scores else (0, False, None)
    return (name, hits) if hits >= 3 else (None, hits)


def table_score(table: str, cols: list[Column]) -> float:
    spec = TABLES[table]
    found = {c.canon for c in cols}
    score = sum(1 for c in found if c != "pipeline_stage")
    score += 2 * sum(1 for r in spec.required if r in found)
    score += sum(w for c, w in DISTINCTIVE.get(table, {}).items() if c in found)
    return score


# ---------------------------------------------------------------------------------------------
# values, dates, numbers
# ---------------------------------------------------------------------------------------------
def classify_value(table: str, canon: str, value: str) -> str:
    """Keyword rule for one export value of a fixed-vocabulary column (see VALUE_RULES)."""
    rules, fallback = VALUE_RULES[(table, canon)]
    n = normalise(value)
    words = f" {n} "
    for target, keys in rules:
        if any(f" {k} " in words for k in keys):
            return target
    return fallback


def _distinct(s: pd.Series, placeholders) -> pd.Series:
    clean = clean_strings(s, placeholders)
    return clean.value_counts(dropna=True).sort_index(kind="stable").sort_values(ascending=False, kind="stable")


def propose_values(tp: TableProposal, preset_values: dict[str, dict], placeholders) -> None:
    for col in tp.columns:
        key = (tp.table, col.canon)
        if key in VALUE_RULES:
            spec = TABLES[tp.table].column(col.canon)
            counts = _distinct(tp.raw[col.source], placeholders)
            known = {str(k).strip().lower() for k in preset_values.get(col.canon, {})} if tp.preset else set()
            mapping = {}
            for value in counts.index:
                v = str(value)
                if v.lower() in known or v.lower().replace(" ", "_") in (spec.allowed or ()):
                    continue
                mapping[v] = classify_value(tp.table, col.canon, v)
            if mapping:
                tp.values[col.canon] = mapping
                fallback = VALUE_RULES[key][1]
                tp.value_notes[col.canon] = (f"guessed by keywords (anything not recognised -> {fallback}); "
                                             "review each line")
        elif key in REVIEW_COLUMNS:
            counts = _distinct(tp.raw[col.source], placeholders)
            known = KNOWN_VALUES.get(key, {})
            mapping = {str(v): known[normalise(v).replace(" ", "_")] for v in counts.index
                       if normalise(v).replace(" ", "_") in known and str(v) != known[normalise(v).replace(" ", "_")]}
            if mapping:
                tp.values[col.canon] = mapping
                tp.value_notes[col.canon] = "the playbook's own names for these values"
                counts = counts[[str(v) not in mapping for v in counts.index]]
            if counts.empty:
                continue
            tp.review[col.canon] = [(str(v), int(n)) for v, n in counts.head(20).items()]
            if len(counts) > 20:
                tp.review[col.canon].append((f"... {len(counts) - 20} more values", -1))


def _strptime_format(value: str, dayfirst: bool) -> str | None:
    m = DMY_DATE.match(value.strip())
    if not m:
        return None
    seps = re.findall(r"[/.\-]", value.strip()[: m.end("y")])
    sep = seps[0] if seps else "/"
    y = "%Y" if len(m["y"]) == 4 else "%y"
    date = sep.join(["%d", "%m", y] if dayfirst else ["%m", "%d", y])
    if m["H"] is None:
        return date
    hour = "%I" if m["ap"] else "%H"
    time = f"{hour}:%M" + (":%S" if m["S"] else "") + (" %p" if m["ap"] else "")
    return f"{date} {time}"


def detect_date(s: pd.Series, column: str, placeholders) -> tuple[str | None, str | None, str]:
    """(strptime format or None, CHECK note or None, description) for one date column.

    ISO columns need no format. Day-first / month-first columns settled by a value over 12 get the
    explicit format (so a later export whose days are all <= 12 reads the same); ambiguous columns
    get a day-first guess and a CHECK note saying why."""
    vals = clean_strings(s, placeholders).dropna()
    if vals.empty:
        return None, None, "empty"
    vals = vals.astype(str).str.strip()
    iso = vals.str.match(ISO_DATE)
    if iso.all():
        return None, None, "ISO 8601"
    dmy = vals[~iso].str.extract(DMY_DATE)
    if dmy["a"].notna().any() and not iso.any():  # judge the order on the dd/mm values; misfits are flagged later
        vals, iso, dmy = vals[dmy["a"].notna()], iso[dmy["a"].notna()], dmy[dmy["a"].notna()]
    if dmy["a"].isna().any():
        try:
            _, bad = parse_dates(clean_strings(s, placeholders), None, column=column)
        except DataError as exc:
            return None, f"dates in {column!r} could not be read: {exc}", "unreadable"
        nbad = int(bad.sum())
        return None, (f"{nbad} value(s) of {column!r} are not readable dates (e.g. "
                      f"{s[bad].iloc[0]!r}); they will be cleared or set aside" if nbad else None), "mixed formats"
    a, b = pd.to_numeric(dmy["a"]), pd.to_numeric(dmy["b"])
    day_ev, month_ev = bool(((a > 12) & (b <= 12)).any()), bool(((b > 12) & (a <= 12)).any())
    shapes = {_strptime_format(v, True) for v in vals[~iso].head(5000)}
    example = vals[~iso].iloc[0]
    if day_ev and month_ev:
        return (_strptime_format(example, True), f"{column!r} mixes day-first and month-first dates; the day-first "
                f"format is proposed and rows in the other order will be set aside or cleared", "mixed order")
    if len(shapes) != 1 or iso.any():
        return None, (f"{column!r} mixes date shapes (e.g. {example!r}); no single format fits, so the order "
                      f"is left to inference" if not (day_ev or month_ev) else None), "mixed shapes"
    if day_ev:
        return _strptime_format(example, True), None, f"day first (e.g. {example!r})"
    if month_ev:
        return _strptime_format(example, False), None, f"month first (e.g. {example!r})"
    if (a == b).all():
        return _strptime_format(example, True), None, "day = month in every value"
    return (_strptime_format(example, True), f"day/month order of {column!r} is ambiguous: no value has a day "
            f"over 12 (e.g. {example!r}); day first is assumed — check with a date you know", "ambiguous")


def detect_decimal(tp: TableProposal, placeholders) -> None:
    spec = TABLES[tp.table]
    for col in tp.columns:
        kind = spec.column(col.canon).kind if col.canon in spec.names else "int"
        if kind not in ("number", "int") or col.canon in tp.constants:
            continue
        raw = clean_strings(tp.raw[col.source], placeholders)
        try:
            parse_numbers(raw, None, file=str(tp.file), column=col.source)
        except DataError as exc:
            tp.decimal = "."
            tp.checks.append(f"numbers in {col.source!r} are ambiguous ({exc.args[0] if exc.args else exc}); "
                             "'.' is assumed as the decimal mark — check with an amount you know")
            return


# ---------------------------------------------------------------------------------------------
# the proposal
# ---------------------------------------------------------------------------------------------
def _file_ref(file: Path, client_dir: Path) -> str:
    file, client_dir = file.resolve(), client_dir.resolve()
    try:
        return file.relative_to(client_dir).as_posix()
    except ValueError:
        return file.as_posix()


def propose(client_dir: str | Path, files: list[str | Path], *, name: str | None = None, lang: str = "en",
            timezone: str = "UTC", currency: str = "USD") -> Proposal:
    """Inspect ``files`` and propose the tables of a client.yml for ``client_dir`` (nothing written)."""
    client_dir = Path(client_dir)
    placeholders = list(DEFAULT_PLACEHOLDERS)
    candidates = []  # (score, file index, table, preset, columns)
    raws = {}
    unrecognised: list[tuple[Path, str]] = []
    for i, f in enumerate(files):
        f = Path(f)
        raw = read_raw(f)
        frame = raw.frame.drop(columns="_source_row")
        frame = frame.loc[:, [c for c in frame.columns if not (str(c).startswith("Unnamed") or str(c) == "")]]
        raws[i] = (f, raw, frame)
        header = [str(c) for c in frame.columns]
        for table in TABLES:
            preset, _ = best_preset(table, header)
            cols = guess_columns(table, header, preset)
            candidates.append((table_score(table, cols), i, table, preset, cols))
    candidates.sort(key=lambda t: (-t[0], t[1], list(TABLES).index(t[2])))
    taken_files: set[int] = set()
    tables: dict[str, TableProposal] = {}
    for score, i, table, preset, cols in candidates:
        if i in taken_files or table in tables or score < 3:
            continue
        f, raw, frame = raws[i]
        tables[table] = TableProposal(table, f, _file_ref(f, client_dir), frame, raw.encoding, raw.delimiter,
                                      preset, cols, score)
        taken_files.add(i)
    for i, (f, _, frame) in raws.items():
        if i not in taken_files:
            unrecognised.append((f, "no canonical table fits its columns (or a better file was found for it): "
                                 + ", ".join(map(str, list(frame.columns)[:12]))))
    if "leads" not in tables:
        raise ConfigError("smk init: none of the files looks like a leads / contacts export (a lead id and a "
                          "creation date). Pass the leads export, or write client.yml by hand (docs/data-model.md).")
    _link_tables(tables)
    for tp in tables.values():
        _finish_table(tp, placeholders)
    missing = _missing_analyses(tables)
    return Proposal(client_dir, name or client_dir.resolve().name.replace("_", " ").replace("-", " ").title(),
                    tables, unrecognised, missing, lang, timezone, currency)


def _link_tables(tables: dict[str, TableProposal]) -> None:
    """Cross-file rules: a deals/attempts/activities file that holds the leads' id column references
    leads by it; a deals file with no stage but a won date holds won deals only; a deals file with no
    deal id but one row per lead uses the lead reference as its id."""
    leads = tables["leads"]
    lead_src = leads.source("lead_id")
    for name, tp in tables.items():
        if name == "leads" or "lead_id" not in TABLES[name].names:
            continue
        if lead_src and lead_src in tp.raw.columns and tp.source("lead_id") != lead_src:
            tp.columns = [c for c in tp.columns if c.canon != "lead_id" and c.source != lead_src]
            tp.columns.append(Column("lead_id", lead_src, "join key"))
    deals = tables.get("deals")
    if deals is None:
        return
    if deals.source("stage") is None:
        won_col = next((c for c in deals.columns if c.canon == "closed_at" and "won" in normalise(c.source).split()
                        or c.canon == "closed_at" and "ganad" in normalise(c.source)), None)
        deals.constants["stage"] = "won"
        deals.checks.append("the file has no stage column" + (f"; {won_col.source!r} suggests every row is a won deal"
                            if won_col else "") + ", so `constants: {stage: won}` is proposed — check that no row "
                            "is an open or lost deal")
    if deals.source("deal_id") is None and deals.source("lead_id") is not None:
        ref = deals.source("lead_id")
        unique = deals.raw[ref].dropna().is_unique
        deals.columns.append(Column("deal_id", ref, "lead reference"))
        deals.checks.append(f"no deal id column: {ref!r} is used as the deal id" + (
            " (its values are unique: one deal per lead)" if unique else
            " but its values repeat: duplicated deals will be set aside — map a real deal id if the export has one"))


def _finish_table(tp: TableProposal, placeholders) -> None:
    spec = TABLES[tp.table]
    preset_values = load_preset(tp.preset)["tables"][tp.table].get("values", {}) if tp.preset else {}
    propose_values(tp, preset_values, placeholders)
    found = {}
    for col in tp.columns:
        kind = spec.column(col.canon).kind if col.canon in spec.names else "int"
        if kind in ("datetime", "date") and col.canon not in found:
            found[col.canon] = (col.source, *detect_date(tp.raw[col.source], col.source, placeholders))
    settled = {("%d" if fmt.index("%d") < fmt.index("%m") else "%m")
               for _, fmt, check, desc in found.values() if fmt and desc.startswith(("day first", "month first"))}
    for canon, (source, fmt, check, desc) in found.items():
        if desc == "ambiguous" and len(settled) == 1:
            if settled == {"%m"}:
                fmt = fmt.replace("%d", "%D").replace("%m", "%d").replace("%D", "%m")
            check = (f"day/month order of {source!r} is ambiguous on its own (no value has a day over 12); "
                     f"the other date columns of this file settle it ({'day' if settled == {'%d'} else 'month'} first)")
        if fmt:
            tp.date_formats[canon] = fmt
            # the proposed format must read every value (smk.io.parsing.parse_dates, as the loader will)
            values = clean_strings(tp.raw[source], placeholders)
            _, bad = parse_dates(values, fmt, column=source)
            if bad.any():
                check = ((check + "; ") if check else "") + (
                    f"{int(bad.sum()):,} value(s) of {source!r} do not fit {fmt!r} (e.g. {values[bad].iloc[0]!r}) "
                    "and will be set aside or cleared")
        if check:
            tp.checks.append(check)
    detect_decimal(tp, placeholders)
    for req in spec.required:
        if tp.source(req) is None and req not in tp.constants:
            tp.checks.append(f"required column {req!r} not found: map it under `columns:` "
                             f"(columns of the file: {', '.join(map(repr, list(tp.raw.columns)[:25]))})")
    unmapped = [c for c in tp.raw.columns if c not in {x.source for x in tp.columns}]
    if unmapped and spec.keep_extra:
        tp.notes.append("other columns are kept as features for lead scoring: " + ", ".join(map(repr, unmapped[:30]))
                        + (" …" if len(unmapped) > 30 else ""))


def _static_capabilities(tables: dict[str, TableProposal]) -> dict[str, bool]:
    """What the proposed mapping would support (mirror of smk.client.capabilities.capabilities, on columns)."""
    def has(t: str, c: str) -> bool:
        return t in tables and (tables[t].source(c) is not None or c in tables[t].constants)

    leads = tables["leads"]
    counters = [c.canon for c in leads.columns if c.canon.startswith("n_") and c.canon not in ("n_attempts", "n_connects")]
    return {
        "leads": True,
        "outcomes": has("deals", "lead_id") or any(has("leads", c) for c in ("customer_at", "won", "status")),
        "revenue": has("deals", "amount") or has("leads", "revenue"),
        "activity_log": "activities" in tables, "activities": "activities" in tables or bool(counters),
        "attempt_log": "contact_attempts" in tables,
        "attempts": "contact_attempts" in tables or has("leads", "n_attempts"),
        "deals": "deals" in tables, "web_traffic": "web_traffic" in tables, "quotas": "quotas" in tables,
        "survey": "survey" in tables, "mql": has("leads", "mql_at"), "owners": has("leads", "owner"),
    }


def _missing_analyses(tables: dict[str, TableProposal]) -> list[tuple[str, list[str]]]:
    from smk.run.validate import notebook_requirements

    caps = _static_capabilities(tables)
    return [(nb["notebook"], [r for r in nb["requires"] if not caps.get(r, False)]) for nb in notebook_requirements()]


# ---------------------------------------------------------------------------------------------
# client.yml text
# ---------------------------------------------------------------------------------------------
def q(value) -> str:
    """A YAML scalar that reads back as the same text (smk.io.yamlfile.yaml_scalar: bare when a plain
    word, else double-quoted with line-break and control characters such as U+0085 escaped)."""
    return yaml_scalar(value)


#: Characters YAML reads as a line break (or refuses) even inside a comment.
_BREAKS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def _one_line(line: str) -> str:
    """A line of the proposal that stays one line for YAML: such characters inside a comment are
    written as escapes (\\u0085), which a reader sees and YAML ignores."""
    return _BREAKS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", line)


def render(p: Proposal) -> str:
    """The proposed client.yml, with comments for the consultant."""
    out = ["# Proposed by `smk init`: review every line, above all those marked CHECK, then run",
           f"#   smk validate {p.client_dir.as_posix()}",
           "# Keys: docs/data-model.md; presets: docs/presets.md; common errors: docs/bring-your-own-data.md",
           f"name: {q(p.name)}",
           f"currency: {q(p.currency)}" + ("   # CHECK: ISO code of the client's currency" if p.currency == "USD" else ""),
           f"lang: {p.lang}                  # report language: es | en",
           f"timezone: {q(p.timezone)}" + ("   # CHECK: IANA name of the client's timezone (e.g. Europe/Madrid)"
                                           if p.timezone == "UTC" else "")]
    if any(Path(tp.file_ref).is_absolute() for tp in p.tables.values()):
        out.append("allow_outside_paths: true   # CHECK: some exports are outside the client folder (see below)")
    out.append("tables:")
    for name in TABLES:
        if name not in p.tables:
            continue
        tp = p.tables[name]
        out.append(f"  {name}:")
        out.append(f"    # recognised from {tp.file.name} ({len(tp.raw):,} rows; score {tp.score:g})"
                   + ("" if not Path(tp.file_ref).is_absolute() else "; the file is outside the client folder, "
                      "so it is referenced by absolute path"))
        out.append(f"    file: {q(tp.file_ref)}")
        if tp.preset:
            out.append(f"    preset: {tp.preset}" + "   # its labels map the columns found in the file")
        if tp.delimiter and tp.delimiter != ",":
            out.append(f"    delimiter: {q(tp.delimiter)}")
        if tp.encoding and tp.encoding not in ("utf-8-sig", "utf-8"):
            out.append(f"    encoding: {tp.encoding}")
        if tp.decimal:
            out.append(f"    decimal: {q(tp.decimal)}   # CHECK: see below")
        fmts = {tp.source(c): f for c, f in tp.date_formats.items()}
        if fmts and len(set(fmts.values())) == 1:
            out.append(f"    date_format: {q(next(iter(fmts.values())))}   # read from {', '.join(map(repr, fmts))}")
        elif fmts:
            out.append("    date_formats:")
            out += [f"      {c}: {q(f)}" for c, f in tp.date_formats.items()]
        for check in tp.checks:
            out.append(f"    # CHECK: {check}")
        explicit = [c for c in tp.columns if c.how != "preset"]
        via_preset = [c for c in tp.columns if c.how == "preset"]
        if via_preset:
            out.append("    # mapped by the preset: " + ", ".join(f"{c.canon} <- {c.source!r}" for c in via_preset))
        if explicit:
            out.append("    columns:")
            for c in explicit:
                note = {"synonym": "", "name": "", "fuzzy": "   # CHECK: guessed from a similar name",
                        "join key": "   # the leads' id column", "stage": "   # the CRM's own stage name",
                        "lead reference": "   # CHECK: see above"}.get(c.how, "")
                out.append(f"      {c.canon}: {q(c.source)}{note}")
        if tp.constants:
            out.append("    constants:")
            out += [f"      {k}: {q(v)}   # CHECK: see above" for k, v in tp.constants.items()]
        if tp.values:
            out.append("    values:")
            for canon, mapping in tp.values.items():
                out.append(f"      {canon}:   # {tp.value_notes.get(canon, '')}")
                out += [f"        {q(k)}: {v}" for k, v in mapping.items()]
        for canon, vals in tp.review.items():
            out.append(f"    # values of {canon} ({tp.source(canon)!r}), for review (map them under values.{canon} "
                       "if the reports should group them):")
            out += [f"    #   {v!r}: {n:,} rows" if n >= 0 else f"    #   {v}" for v, n in vals]
        for note in tp.notes:
            out.append(f"    # {note}")
    for f, why in p.unrecognised:
        out.append(f"# NOT USED: {f.name}: {why}")
    blocked = [(nb, miss) for nb, miss in p.missing if miss]
    if blocked:
        out.append("# Analyses that will say 'not enough data' with these files:")
        for nb, miss in blocked:
            out.append(f"#   {nb}: needs " + "; ".join(capability_label(m, "en") for m in miss))
    return "\n".join(_one_line(line) for line in out) + "\n"


def summary(p: Proposal, path: Path) -> str:
    """What ``smk init`` prints."""
    lines = [f"Wrote {path} (review it, above all the lines marked CHECK, then run `smk validate {p.client_dir}`)", ""]
    for name, tp in p.tables.items():
        where = "absolute path (outside the client folder)" if Path(tp.file_ref).is_absolute() else "relative path"
        lines.append(f"  {name:<17} <- {tp.file.name}  ({len(tp.raw):,} rows; {where}"
                     + (f"; preset {tp.preset}" if tp.preset else "") + ")")
        lines.append("      " + ", ".join(f"{c.canon} <- {c.source!r}" for c in tp.columns))
        for k, v in tp.constants.items():
            lines.append(f"      {k} = {v!r} for every row")
        for check in tp.checks:
            lines.append(f"      CHECK: {check}")
    for f, why in p.unrecognised:
        lines.append(f"  not used: {f.name}: {why}")
    blocked = [(nb, miss) for nb, miss in p.missing if miss]
    if blocked:
        lines += ["", "Missing for some analyses:"]
        lines += [f"  {nb}: needs {', '.join(miss)}" for nb, miss in blocked]
    return "\n".join(lines)


def init_client(client_dir: str | Path, files: list[str | Path] | None = None, *, force: bool = False,
                **kw) -> tuple[Proposal, Path]:
    """Propose and write ``client_dir/client.yml``. Refuses to overwrite one unless ``force``."""
    client_dir = Path(client_dir)
    target = client_dir / "client.yml"
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; smk init never overwrites it. Use --force to replace it "
                          f"(the current one is then lost), or move it away first.")
    if not files:
        files = sorted(f for f in client_dir.glob("*") if f.suffix.lower() in EXTENSIONS)
        if not files:
            raise ConfigError(f"{client_dir}: no export files given and none found in the folder "
                              f"({', '.join(EXTENSIONS)}).")
    missing = [str(f) for f in files if not Path(f).exists()]
    if missing:
        raise ConfigError(f"smk init: file(s) not found: {', '.join(missing)}.")
    proposal = propose(client_dir, list(files), **kw)
    client_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(render(proposal), encoding="utf-8")
    return proposal, target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_dir", help="client folder where client.yml is written, e.g. data/acme")
    parser.add_argument("files", nargs="*", help="export files (default: every CSV/XLSX/Parquet in the folder)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing client.yml")
    parser.add_argument("--name", default=None, help="client name shown on the reports (default: the folder name)")
    parser.add_argument("--lang", choices=("es", "en"), default="en", help="report language")
    parser.add_argument("--timezone", default="UTC", help="client's IANA timezone, e.g. Europe/Madrid")
    parser.add_argument("--currency", default="USD", help="ISO currency code")


def run(args: argparse.Namespace) -> int:
    proposal, path = init_client(args.client_dir, args.files, force=args.force, name=args.name, lang=args.lang,
                                 timezone=args.timezone, currency=args.currency)
    print(summary(proposal, path))
    import smk
    from smk.errors import SmkError

    try:  # say at once whether the proposal loads as it stands
        client = smk.load_client(path.parent)
    except SmkError as exc:
        print(f"\nThe proposal does not load yet; fix this in {path} (see docs/bring-your-own-data.md):\n  {exc}")
        return 0
    kept = ", ".join(f"{name} {len(df):,}/{client.rows_in[name]:,}" for name, df in client.tables.items())
    print(f"\nThe proposal loads (rows kept/read: {kept}). Next: smk validate {args.client_dir}")
    return 0
