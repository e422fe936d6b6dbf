"""client.yml: the client's settings, table mappings and analysis parameters.

Every key is documented in docs/data-model.md. Defaults live here, in one place: the dataclasses
below are also the schema. client.yml is checked against it (JSON Schema, built from the dataclasses'
types) and every problem is reported at once: unknown keys (a typo must not silently fall back to a
default), wrong types (``show_pii: 'false'`` is text, not false; ``close_window_days: '90'`` is text,
not a number; ``placeholders: web`` is not a list), values out of range, repeated keys.

``file:`` paths are relative to the client folder and must stay inside it, unless client.yml says
``allow_outside_paths: true`` (shared datasets kept beside the project, as in examples/).
"""
from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from smk.errors import ConfigError
from smk.io import presets
from smk.io.schema import DEFAULT_PLACEHOLDERS, TABLES
from smk.io.yamlfile import load_yaml


@dataclass
class TableConfig:
    """How one canonical table is read from the client's export."""

    file: str
    columns: dict[str, str] = field(default_factory=dict)  # canonical name -> source column
    optional_columns: dict[str, str] = field(default_factory=dict)  # mapped only when the file has them
    constants: dict[str, Any] = field(default_factory=dict)  # canonical column -> one value for every row
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical col -> {source: canonical}
    date_format: str | None = None  # strptime format for every date column of this table
    date_formats: dict[str, str] = field(default_factory=dict)  # per canonical column
    sheet: str | None = None  # XLSX sheet (default: first)
    delimiter: str | None = None  # CSV delimiter (default: sniffed)
    encoding: str | None = None  # CSV encoding (default: utf-8, utf-8-sig, then cp1252)
    decimal: str | None = None  # "." or "," for numbers (default: inferred per column)
    timezone: str | None = None  # timezone of naive timestamps in this file (default: client's)
    preset: str | None = None  # start from a CRM preset's mapping (see smk/presets)
    undated: bool = False  # leads only: the export has no creation date (time-based analyses cannot run)


@dataclass
class SLAConfig:
    """Sales SLA: first contact within ``first_contact_hours``; ``attempts`` within ``attempts_within_days``."""

    first_contact_hours: float = 4.0
    attempts: int = 8
    attempts_within_days: int = 14
    business_hours: str | None = None  # e.g. "09:00-18:00" to count only working hours
    working_days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday=0
    lead_type: str = "offer"  # column that defines the lead type (offer, or a segment column)
    holidays: list[str] = field(default_factory=list)  # YYYY-MM-DD days that are not working days
    compliance_target: float = 0.9  # share of leads that must meet each sales SLA rule
    max_attempts_per_day: float = 2.0  # a lead still in its window breaches once K can no longer be reached


@dataclass
class MarketingConfig:
    """Marketing SLA: share of the sales quota marketing answers for, and the pacing rule."""

    quota_share: float = 0.5  # marketing's share of the sales quota
    monthly_quota: float | None = None  # company quota when there is no quotas table
    pacing: str = "calendar"  # "calendar" or "working_days"
    mql_goal: float | None = None  # fixed monthly MQL goal; default: derived from MQL value
    pacing_tolerance: float = 0.1  # within ±10 % of the goal line counts as on track
    sales_sourced_channels: list[str] | None = None  # channels sales creates itself (default list in smk.analyses.sla)


@dataclass
class CostConfig:
    """Cost of sales effort (seed 000, ch. 3): cost per attempt = hourly cost / attempts per hour."""

    rep_hourly_cost: float = 40.0
    attempts_per_hour: float = 6.0
    reps: int | None = None  # sales reps available to work MQLs (default: owners seen in data)
    calling_hours_per_month: float = 60.0  # per rep


@dataclass
class AnalysisConfig:
    close_window_days: int = 90  # "close rate within N days"
    min_age_days: int = 90  # leads younger than this are too recent for attempt/closing analyses
    min_group_size: int = 30  # groups smaller than this are shown as "too small to judge"
    alpha: float = 0.05
    size_bands: list[float] = field(default_factory=lambda: [0, 10, 50, 200, 1000])
    levels_off_tol: float = 0.1  # seed's attempts chart "levels off" when later points stay within 10 % of its range
    dispute_baseline_months: int = 3  # monthly report: months compared when looking for disputes
    asset_conversion_days: int = 7  # monthly report: a page converts a lead engaging with it within N days


@dataclass
class ScoringConfig:
    """Lead-scoring rules (Field / Operator / Value / Points) and the MQL threshold."""

    rules: list[dict[str, Any]] = field(default_factory=list)
    fit_rules: list[dict[str, Any]] = field(default_factory=list)
    interest_rules: list[dict[str, Any]] = field(default_factory=list)
    group_caps: dict[str, float] = field(default_factory=dict)
    fit_threshold: float | None = None
    interest_threshold: float | None = None
    mql_threshold: float | None = None
    target_close_rate: float | None = None
    exclude_features: list[str] = field(default_factory=list)  # leaky / sales-entered fields
    points_to_double_odds: float = 20.0
    min_capture: float = 0.9  # threshold recommendation keeps at least this share of customers
    test_share: float = 0.3  # most recent share of leads held out to evaluate the learned model
    base_points: float = 0.0


@dataclass
class SurveyConfig:
    """Alignment questionnaire: add or replace questions of the default bank."""

    replace: bool = False
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReportConfig:
    show_pii: bool = False
    logo: str | None = None


@dataclass
class DashboardConfig:
    """The daily dashboard e-mail (``smk dashboard --send``). The SMTP login comes only from the
    environment (SMK_SMTP_USER / SMK_SMTP_PASSWORD), never from client.yml."""

    recipients: list[str] = field(default_factory=list)  # get the company's version
    routes: dict[str, dict[str, str]] = field(default_factory=dict)  # address -> {team: T} or {owner: O}: its own version
    smtp_host: str | None = None
    smtp_port: int = 587
    starttls: bool = True  # upgrade with STARTTLS when offered; a password is never sent unencrypted unless false
    sender: str | None = None  # From: (default: SMK_SMTP_USER if an address, else smk-dashboard@localhost)
    subject_prefix: str | None = None  # e.g. "[Smarketing]"


@dataclass
class ClientConfig:
    name: str
    currency: str = "USD"
    lang: str = "en"
    timezone: str = "UTC"
    period: str | None = None  # default report month YYYY-MM (default: last complete month)
    placeholders: list[str] = field(default_factory=lambda: list(DEFAULT_PLACEHOLDERS))
    tables: dict[str, TableConfig] = field(default_factory=dict)
    sla: SLAConfig = field(default_factory=SLAConfig)
    marketing: MarketingConfig = field(default_factory=MarketingConfig)
    costs: CostConfig = field(default_factory=CostConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    survey: SurveyConfig = field(default_factory=SurveyConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    dashboard: DashboardConfig = field(default_factory=DashboardConfig)
    allow_outside_paths: bool = False  # `file:` may point outside the client folder (shared datasets)
    path: Path | None = None  # the client.yml this came from

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# ---------------------------------------------------------------------------------------------
# the schema: JSON Schema built from the dataclasses' types, refined where a type is not enough
# ---------------------------------------------------------------------------------------------
_YAML_DATE = (dt.date, dt.datetime)
#: keys of a mapping in client.yml: text (or a number, read as its text); never true/false or null
_KEYS = {"type": ["string", "integer", "number"]}


def _hint_schema(hint) -> dict:
    """JSON Schema of one dataclass field type."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return {}
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        assert len(inner) == 1, hint
        schema = _hint_schema(inner[0])
        schema["type"] = [schema["type"], "null"] if isinstance(schema["type"], str) else [*schema["type"], "null"]
        return schema
    if origin is list:
        return {"type": "array", "items": _hint_schema(args[0])}
    if origin is dict:
        value = _hint_schema(args[1])
        if value.get("type") == "string":  # names and labels: a number written bare is read as its text
            value = {"type": ["string", "number"]}
        return {"type": "object", "propertyNames": _KEYS, "additionalProperties": value}
    if dataclasses.is_dataclass(hint):
        return _dataclass_schema(hint)
    return {"type": {str: "string", int: "integer", float: "number", bool: "boolean"}[hint]}


def _dataclass_schema(cls) -> dict:
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.name != "path"]
    return {
        "type": "object",
        "properties": {f.name: _hint_schema(hints[f.name]) for f in fields},
        "additionalProperties": False,
        "required": [f.name for f in fields
                     if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING],
    }


def _between(lo, hi, *, integer: bool = False) -> dict:
    return {"minimum": lo, "maximum": hi, "x-message": f"must be {'a whole number ' if integer else ''}between {lo} and {hi}"}


def _at_least(lo) -> dict:
    return {"minimum": lo, "x-message": f"must be at least {lo}"}


#: what the types alone do not say (paths: ``*`` = every table, ``[]`` = every item of a list)
REFINEMENTS: dict[str, dict] = {
    "name": {"minLength": 1, "x-message": "must not be empty"},
    "lang": {"enum": ["es", "en"]},
    "currency": {"minLength": 1, "x-message": "must not be empty"},
    "timezone": {"minLength": 1, "x-message": "must be an IANA name such as 'Europe/Madrid'"},
    "period": {"pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "x-message": "must be YYYY-MM (e.g. '2026-03')"},
    "placeholders": {"items": {"type": ["string", "number"]}},
    "tables": {"properties": {}, "required": ["leads"]},  # table names: filled in below
    "tables.*.file": {"minLength": 1, "x-message": "must be the path of the export"},
    "tables.*.decimal": {"enum": [".", ","]},
    "tables.*.delimiter": {"minLength": 1, "maxLength": 1, "x-message": "must be one character (e.g. ';' or '\\t')"},
    "tables.*.preset": {"enum": presets.available()},
    "tables.*.constants": {"additionalProperties": {"type": ["string", "number", "boolean"]}},
    "tables.*.values": {"additionalProperties": {"type": "object", "propertyNames": _KEYS,
                                                 "additionalProperties": {"type": ["string", "number", "boolean"]}}},
    "sla.first_contact_hours": {"exclusiveMinimum": 0, "x-message": "must be more than 0"},
    "sla.attempts": _at_least(1),
    "sla.attempts_within_days": _at_least(1),
    "sla.business_hours": {"pattern": r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$",
                           "x-message": "must be HH:MM-HH:MM (e.g. '09:00-18:00')"},
    "sla.working_days[]": _between(0, 6, integer=True) | {"x-message": "must be days 0 (Monday) to 6 (Sunday)"},
    "sla.holidays[]": {"pattern": r"^\d{4}-\d{2}-\d{2}$", "x-message": "must be a day written YYYY-MM-DD"},
    "sla.compliance_target": _between(0, 1),
    "sla.max_attempts_per_day": {"exclusiveMinimum": 0, "x-message": "must be more than 0"},
    "marketing.quota_share": _between(0, 1),
    "marketing.monthly_quota": _at_least(0),
    "marketing.pacing": {"enum": ["calendar", "working_days"]},
    "marketing.mql_goal": _at_least(0),
    "marketing.pacing_tolerance": _at_least(0),
    "costs.rep_hourly_cost": _at_least(0),
    "costs.attempts_per_hour": {"exclusiveMinimum": 0, "x-message": "must be more than 0"},
    "costs.reps": _at_least(1),
    "costs.calling_hours_per_month": _at_least(0),
    "analysis.close_window_days": _at_least(1),
    "analysis.min_age_days": _at_least(0),
    "analysis.min_group_size": _at_least(1),
    "analysis.alpha": {"exclusiveMinimum": 0, "exclusiveMaximum": 1, "x-message": "must be between 0 and 1 (e.g. 0.05)"},
    "analysis.dispute_baseline_months": _at_least(1),
    "analysis.asset_conversion_days": _at_least(0),
    "analysis.levels_off_tol": _at_least(0),
    "scoring.min_capture": _between(0, 1),
    "scoring.test_share": {"exclusiveMinimum": 0, "exclusiveMaximum": 1, "x-message": "must be between 0 and 1 (e.g. 0.3)"},
    "scoring.target_close_rate": _between(0, 1),
    "dashboard.recipients[]": {"pattern": r"^[^@\s]+@[^@\s]+$", "x-message": "must be an e-mail address"},
    "dashboard.routes": {"additionalProperties": {
        "type": "object", "properties": {"team": {"type": ["string", "number"]}, "owner": {"type": ["string", "number"]}},
        "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
        "x-message": "must name one team or one rep, e.g. {team: Atlas} or {owner: José Núñez}"}},
    "dashboard.smtp_host": {"minLength": 1, "x-message": "must be the name or address of the SMTP server"},
    "dashboard.smtp_port": _between(1, 65535, integer=True),
}


def _node(schema: dict, path: str) -> list[dict]:
    """The sub-schemas at a REFINEMENTS path."""
    nodes = [schema]
    for part in re.findall(r"[^.\[\]]+|\[\]", path):
        if part == "[]":
            nodes = [n["items"] for n in nodes]
        elif part == "*":
            nodes = list(nodes[0]["properties"].values()) if len(nodes) == 1 else []
        else:
            nodes = [n["properties"][part] for n in nodes]
    return nodes


def _client_schema() -> dict:
    schema = _dataclass_schema(ClientConfig)
    table = _dataclass_schema(TableConfig)
    schema["properties"]["tables"] = {"type": "object", "additionalProperties": False,
                                      "properties": {name: _copy(table) for name in TABLES}}
    schema["required"] = ["name", "tables"]
    for path, extra in REFINEMENTS.items():
        for node in _node(schema, path):
            for key, value in extra.items():
                if key == "properties":
                    continue
                node[key] = {**node.get(key, {}), **value} if isinstance(value, dict) and key == "items" else value
    return schema


def _copy(obj):
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


#: the JSON Schema of client.yml (docs/data-model.md documents every key)
SCHEMA: dict = _client_schema()
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# ---------------------------------------------------------------------------------------------
# problems, worded for the consultant: where, what was found, what to write instead
# ---------------------------------------------------------------------------------------------
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "a mapping (key: value lines)", "null": "empty"}


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "client.yml"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _found(value: Any) -> str:
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {_short(value)}"
    if isinstance(value, _YAML_DATE):
        return f"the date {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _type_hint(expected: list[str], value: Any) -> str:
    if isinstance(value, str) and "boolean" in expected and value.strip().lower() in ("true", "false", "yes", "no"):
        return " Write true or false without quotes."
    if isinstance(value, str) and {"number", "integer"} & set(expected):
        try:
            float(value)
            return " Write the number without quotes."
        except ValueError:
            return ""
    if isinstance(value, bool) and "string" in expected:
        return " YAML reads yes/no/true/false/on/off written without quotes as a yes/no value: put the text in quotes."
    if isinstance(value, (int, float, *_YAML_DATE)) and "string" in expected:
        return " Put it in quotes."
    if isinstance(value, str) and "array" in expected:
        return " Write a list: [\"a\", \"b\"], or one '- value' per line."
    return ""


def _describe(err: jsonschema.ValidationError) -> str:
    where = _path(err.absolute_path)
    sub, value, kind = err.schema, err.instance, err.validator
    if kind == "additionalProperties":
        unknown = sorted(map(str, set(value) - set(sub.get("properties", {}))))
        known = sorted(sub.get("properties", {}))
        if where == "tables":
            return (f"unknown table(s) {', '.join(map(repr, unknown))} under `tables`. Known tables: {', '.join(known)}.")
        inside = "" if where == "client.yml" else f" in `{where}`"
        return f"unknown key(s) {', '.join(map(repr, unknown))}{inside}. Expected one of: {', '.join(known)}."
    if kind == "required":
        said = []
        for key in (k for k in err.validator_value if k not in value):
            if where == "client.yml" and key == "name":
                said.append("`name` is required (the client's name as it appears in reports).")
            elif key in ("tables", "leads"):
                said.append("`tables.leads` is required (the leads / contacts export).")
            elif key == "file":
                said.append(f"`{where}` needs `file:` (path of the export, relative to the client folder).")
            else:  # pragma: no cover - name, tables, leads and file are the only required keys
                said.append(f"`{where}` needs `{key}:`.")
        return "\n".join(said)
    if "propertyNames" in err.schema_path:
        return (f"`{where}`: a key was read as {_found(value)}. YAML reads yes/no/true/false/on/off/null written "
                "without quotes as such: put the key in quotes (e.g. 'Yes': won).")
    if kind == "type":
        expected = [sub["type"]] if isinstance(sub["type"], str) else list(sub["type"])
        if where.startswith("tables.") and where.count(".") == 1 and value is None:
            return f"`{where}` needs `file:` (path of the export, relative to the client folder)."
        words = " or ".join(_TYPE_WORDS[t] for t in expected if t != "null")
        if "null" in expected:
            words += " (or nothing)"
        if expected == ["integer"] and isinstance(value, float):
            return f"`{where}` must be a whole number, found {value!r}."
        return f"`{where}` must be {words}, found {_found(value)}.{_type_hint(expected, value)}"
    if kind == "enum" and where.endswith(".preset"):
        return f"`{where}`: unknown preset {_short(value)}; available: {', '.join(err.validator_value)}."
    if kind == "enum":
        options = [repr(o) for o in err.validator_value]
        listed = " or ".join(options) if len(options) == 2 else "one of " + ", ".join(options)
        return f"`{where}` must be {listed}, found {_found(value)}."
    if "x-message" in sub:
        return f"`{where}` {sub['x-message']}, found {_found(value)}."
    return f"`{where}`: {err.message}."  # pragma: no cover - every keyword used above has its wording


def schema_problems(data: dict) -> list[str]:
    """Every place where ``data`` (a parsed client.yml) does not fit :data:`SCHEMA`, one line each."""
    seen: dict[tuple, jsonschema.ValidationError] = {}
    for err in _VALIDATOR.iter_errors(data):
        key = tuple(map(str, err.absolute_path))
        if key in seen and not (err.validator == "type" and seen[key].validator != "type"):
            continue  # one problem per place; a wrong type says more than the range it then misses
        seen[key] = err
    return [line for k in sorted(seen) for line in _describe(seen[k]).split("\n")]


# ---------------------------------------------------------------------------------------------
# parse_config: check everything, report every problem at once, then build the dataclasses
# ---------------------------------------------------------------------------------------------
def _yaml_dates_as_text(data: dict) -> dict:
    """``holidays: [2026-01-06]`` is read by YAML as dates: the schema wants the day's text."""
    sla = data.get("sla")
    if isinstance(sla, dict) and isinstance(sla.get("holidays"), list):
        sla = {**sla, "holidays": [h.isoformat() if isinstance(h, dt.date) and not isinstance(h, dt.datetime)
                                   else h for h in sla["holidays"]]}
        data = {**data, "sla": sla}
    return data


def _table_problems(name: str, raw: dict) -> list[str]:
    """Checks of one table's settings that need the canonical schema (names of columns, presets)."""
    problems = []
    spec = TABLES[name]
    named = {str(c) for key in ("columns", "optional_columns", "constants") for c in (raw.get(key) or {})}
    bad_cols = sorted(c for c in named - set(spec.names) if not c.startswith("n_"))
    if bad_cols:
        problems.append(
            f"`tables.{name}.columns` maps unknown canonical column(s) {', '.join(map(repr, bad_cols))}. "
            f"Canonical columns of {name}: {', '.join(spec.names)} (per-lead counters may be named n_<activity>).")
    bad_vals = sorted(str(c) for c in (raw.get("values") or {}) if str(c) not in spec.names)
    if bad_vals:
        problems.append(f"`tables.{name}.values` refers to unknown column(s) {', '.join(map(repr, bad_vals))}.")
    if raw.get("encoding"):
        try:
            codecs.lookup(raw["encoding"])
        except LookupError:
            problems.append(f"`tables.{name}.encoding`: unknown encoding {raw['encoding']!r}; use utf-8, cp1252 "
                            "or latin-1 (or leave it out: the encoding is detected).")
    if raw.get("preset") in presets.available():
        try:
            presets.table_preset(raw["preset"], name)
        except ConfigError as exc:
            problems.append(str(exc).removeprefix("client.yml: "))
    return problems


def _semantic_problems(data: dict) -> list[str]:
    problems = []
    tz = data.get("timezone")
    if isinstance(tz, str) and tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"unknown `timezone` {tz!r}; use an IANA name such as 'America/Guayaquil' or 'Europe/Madrid'.")
    tables = data.get("tables")
    if isinstance(tables, dict):
        for name, raw in tables.items():
            if name in TABLES and isinstance(raw, dict):
                problems += _table_problems(name, raw)
    return problems


def _build(cls: type, data: dict) -> Any:
    """Dataclass ``cls`` from a mapping that fits the schema (mapping keys and names as text)."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            value = _build(hint, value or {})
        elif typing.get_origin(hint) is dict:
            inner = typing.get_args(hint)[1]
            value = {str(k): (str(v) if inner is str and v is not None else v) for k, v in (value or {}).items()}
        elif hint is int and isinstance(value, float):  # 14.0 is a whole number
            value = int(value)
        kwargs[key] = value
    return cls(**kwargs)


def parse_config(data: dict, source: str = "client.yml", *, problems: list[str] | None = None) -> ClientConfig:
    """Validate a parsed client.yml mapping and return a :class:`ClientConfig`.

    Every problem is reported at once (one :class:`ConfigError` listing them all, also as its
    ``problems`` attribute); ``problems`` are found earlier (e.g. repeated keys) and reported with them."""
    problems = list(problems or [])
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping (key: value lines) at the top level, found {_found(data)}.")
    data = _yaml_dates_as_text(data)
    problems += schema_problems(data)
    problems += _semantic_problems(data)
    if problems:
        if len(problems) == 1:
            err = ConfigError(f"{source}: {problems[0]}")
        else:
            err = ConfigError(f"{source}: {len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems))
        err.problems = problems
        raise err
    data = dict(data)
    tables_raw = data.pop("tables")
    cfg: ClientConfig = _build(ClientConfig, data)
    for name, raw in tables_raw.items():
        cfg.tables[name] = _build(TableConfig, _apply_preset(name, dict(raw)))
    cfg.placeholders = [str(p) for p in cfg.placeholders]
    return cfg


def _apply_preset(table: str, raw: dict) -> dict:
    """Merge a CRM preset's mapping under the table's own settings (own keys win)."""
    preset = raw.get("preset")
    if not preset:
        return raw
    base = presets.table_preset(preset, table)
    merged = dict(base)
    for key, value in raw.items():
        if key == "values" and isinstance(value, dict):
            merged[key] = {col: {**base.get("values", {}).get(col, {}), **(m or {})}
                           for col, m in {**base.get("values", {}), **value}.items()}
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    # the table's own column mapping wins over the preset's candidate for the same canonical column
    for canon in raw.get("columns", {}) or {}:
        merged.get("optional_columns", {}).pop(canon, None)
    return merged


def load_config(path: str | Path) -> ClientConfig:
    """Read and validate ``client.yml`` (a file, or a client folder containing one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "client.yml"
    if not path.exists():
        raise ConfigError(f"{path}: not found. A client folder needs a client.yml (run `smk init` to propose one).")
    data, duplicates = load_yaml(path)
    cfg = parse_config({} if data is None else data, source=str(path), problems=duplicates)
    cfg.path = path
    return cfg


# ---------------------------------------------------------------------------------------------
# where the exports are: inside the client folder unless client.yml allows outside paths
# ---------------------------------------------------------------------------------------------
def _outside(cfg: ClientConfig, table: str) -> tuple[Path, bool]:
    root = (cfg.path.parent if cfg.path is not None else Path(".")).resolve()
    path = root / cfg.tables[table].file
    resolved = path.resolve()
    return path, not (resolved != root and root in resolved.parents)


def data_files(cfg: ClientConfig, tables=None) -> dict[str, Path]:
    """The export of each table (of ``tables``): ``file:`` relative to the client folder. A path that
    resolves (through ``..``, an absolute path or a link) outside the client folder is refused, every
    one at once, unless client.yml says ``allow_outside_paths: true``."""
    out, outside = {}, []
    for name in cfg.tables:
        if tables is None or name in tables:
            out[name], away = _outside(cfg, name)
            if away and not cfg.allow_outside_paths:
                outside.append(f"`tables.{name}.file` {cfg.tables[name].file!r}")
    if outside:
        root = (cfg.path.parent if cfg.path is not None else Path(".")).resolve()
        raise ConfigError(
            f"{cfg.path}: {' and '.join(outside)} {'is' if len(outside) == 1 else 'are'} outside the client folder "
            f"{root}. Copy the export(s) into the client folder, or, if they are shared datasets kept elsewhere on "
            "purpose, add `allow_outside_paths: true` at the top of client.yml.")
    return out
