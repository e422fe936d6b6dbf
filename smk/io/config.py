"""client.yml: the client's settings, table mappings and analysis parameters.

Every key is documented in docs/data-model.md. Unknown keys are errors (a typo must not
silently fall back to a default). Defaults live here, in one place.
"""
from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from smk.errors import ConfigError
from smk.io.schema import DEFAULT_PLACEHOLDERS, TABLES


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
    path: Path | None = None  # the client.yml this came from

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _build(cls: type, data: Any, where: str, source: str) -> Any:
    """Build dataclass ``cls`` from a mapping, refusing unknown keys."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: `{where}` must be a mapping, found {type(data).__name__}: {data!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != "path"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {', '.join(map(repr, unknown))} in `{where}`. "
            f"Expected one of: {', '.join(sorted(known))}."
        )
    kwargs = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            kwargs[key] = _build(hint, value or {}, f"{where}.{key}" if where else key, source)
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # missing required key
        raise ConfigError(f"{source}: `{where or 'client.yml'}`: {exc}") from None


_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def parse_config(data: dict, source: str = "client.yml") -> ClientConfig:
    """Validate a parsed client.yml mapping and return a :class:`ClientConfig`."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level, found {type(data).__name__}")
    data = dict(data)
    tables_raw = data.pop("tables", None) or {}
    if "name" not in data:
        raise ConfigError(f"{source}: `name` is required (the client's name as it appears in reports).")
    cfg: ClientConfig = _build(ClientConfig, data, "", source)
    if not isinstance(tables_raw, dict):
        raise ConfigError(f"{source}: `tables` must map table names to their settings.")
    unknown_tables = sorted(set(tables_raw) - set(TABLES))
    if unknown_tables:
        raise ConfigError(
            f"{source}: unknown table(s) {', '.join(map(repr, unknown_tables))} under `tables`. "
            f"Known tables: {', '.join(TABLES)}."
        )
    for name, raw in tables_raw.items():
        if raw is None or "file" not in raw:
            raise ConfigError(f"{source}: `tables.{name}` needs `file:` (path of the export, relative to the client folder).")
        raw = _apply_preset(name, dict(raw), source)
        tc: TableConfig = _build(TableConfig, raw, f"tables.{name}", source)
        spec = TABLES[name]
        named = set(tc.columns) | set(tc.optional_columns) | set(tc.constants)
        bad_cols = sorted(named - set(spec.names) - {c for c in named if c.startswith("n_")})
        if bad_cols:
            raise ConfigError(
                f"{source}: `tables.{name}.columns` maps unknown canonical column(s) {', '.join(map(repr, bad_cols))}. "
                f"Canonical columns of {name}: {', '.join(spec.names)} (per-lead counters may be named n_<activity>)."
            )
        bad_vals = sorted(set(tc.values) - set(spec.names))
        if bad_vals:
            raise ConfigError(f"{source}: `tables.{name}.values` refers to unknown column(s) {', '.join(map(repr, bad_vals))}.")
        cfg.tables[name] = tc
    if "leads" not in cfg.tables:
        raise ConfigError(f"{source}: `tables.leads` is required (the leads / contacts export).")
    if cfg.lang not in ("es", "en"):
        raise ConfigError(f"{source}: `lang` must be 'es' or 'en', found {cfg.lang!r}.")
    try:
        ZoneInfo(cfg.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{source}: unknown `timezone` {cfg.timezone!r}; use an IANA name such as 'America/Guayaquil' or 'Europe/Madrid'."
        ) from None
    if cfg.period is not None:
        cfg.period = str(cfg.period)
        if not _PERIOD_RE.match(cfg.period):
            raise ConfigError(f"{source}: `period` must be YYYY-MM, found {cfg.period!r}.")
    if cfg.marketing.pacing not in ("calendar", "working_days"):
        raise ConfigError(f"{source}: `marketing.pacing` must be 'calendar' or 'working_days', found {cfg.marketing.pacing!r}.")
    if not 0 <= float(cfg.marketing.quota_share) <= 1:
        raise ConfigError(f"{source}: `marketing.quota_share` must be between 0 and 1, found {cfg.marketing.quota_share!r}.")
    cfg.placeholders = [str(p) for p in cfg.placeholders]
    return cfg


def _apply_preset(table: str, raw: dict, source: str) -> dict:
    """Merge a CRM preset's mapping under the table's own settings (own keys win)."""
    preset = raw.get("preset")
    if not preset:
        return raw
    from smk.io import presets  # local import: presets are optional data files

    base = presets.table_preset(preset, table, source=source)
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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    cfg = parse_config(data or {}, source=str(path))
    cfg.path = path
    return cfg
