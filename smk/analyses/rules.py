"""Rule-based lead scoring: rules as the table CRMs show (Field / Operator / Value / Points).

Source: seed 000, chapter 2 ("Ejemplo de puntuación de leads"): ``Number of Pageviews is greater
than 15 → 10``, ``Email contains the word gmail → −10``, ``Company Name contains the word IBM → 30``.

A rule is a mapping with ``field``, ``operator``, ``value``, ``points`` and optionally ``group``
(e.g. ``fit`` / ``interest``; groups can be capped) and ``half_life_days`` (behaviour rules only:
the points halve every ``half_life_days`` since the lead last did that activity; needs an
activities log). Keys are case-insensitive and the CRM spelling ``Rule value`` is accepted for
``points``.

Operators: ``> >= < <= = ≠`` (also ``!=``, ``==``, ``<>``), ``contains``, ``not contains``, ``in``,
``not in``, ``is known``, ``is unknown``, with CRM phrasings as aliases ("is greater than",
"contains the word", "does not contain", "is any of", "has ever been filled in", ...) in English
and Spanish. Text comparisons ignore case and surrounding spaces.

Applying rules gives each lead a score = ``base_points`` + Σ points of the rules that fired
(after decay and group caps) and the list of rules that fired.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from smk.errors import ConfigError

#: Canonical operator -> accepted spellings (compared lower-case, spaces collapsed).
OPERATOR_ALIASES: dict[str, tuple[str, ...]] = {
    ">": (">", "gt", "is greater than", "greater than", "is more than", "more than", "es mayor que", "mayor que"),
    ">=": (">=", "≥", "gte", "is greater than or equal to", "greater than or equal to", "is at least", "at least",
           "es mayor o igual que", "es mayor o igual a", "mayor o igual que", "al menos"),
    "<": ("<", "lt", "is less than", "less than", "is fewer than", "es menor que", "menor que"),
    "<=": ("<=", "≤", "lte", "is less than or equal to", "less than or equal to", "is at most", "at most",
           "es menor o igual que", "es menor o igual a", "menor o igual que", "como mucho"),
    "=": ("=", "==", "eq", "is", "is equal to", "equals", "equal to", "is exactly", "es", "es igual a", "igual a"),
    "≠": ("≠", "!=", "<>", "ne", "is not", "is not equal to", "not equal to", "does not equal", "no es",
          "es distinto de", "distinto de", "no es igual a"),
    "contains": ("contains", "contains the word", "contains word", "has", "includes", "contiene", "contiene la palabra"),
    "not contains": ("not contains", "does not contain", "doesn't contain", "does not contain the word",
                     "not contain", "no contiene", "no contiene la palabra"),
    "in": ("in", "is any of", "is one of", "one of", "any of", "es uno de", "está en", "en"),
    "not in": ("not in", "is none of", "is not any of", "none of", "no es ninguno de", "no está en"),
    "is known": ("is known", "known", "is not empty", "has ever been filled in", "is filled", "has a value",
                 "es conocido", "no está vacío", "tiene valor"),
    "is unknown": ("is unknown", "unknown", "is empty", "is blank", "is not filled", "has no value",
                   "es desconocido", "está vacío", "sin valor"),
}
_OP_LOOKUP = {alias: op for op, aliases in OPERATOR_ALIASES.items() for alias in aliases}
OPERATORS = tuple(OPERATOR_ALIASES)
NUMERIC_OPERATORS = (">", ">=", "<", "<=")

#: CRM field names -> canonical columns (compared normalised: lower-case, non-alphanumerics as "_").
FIELD_ALIASES: dict[str, str] = {
    "number_of_pageviews": "n_page_view", "number_of_page_views": "n_page_view", "pageviews": "n_page_view",
    "page_views": "n_page_view", "total_visits": "n_page_view", "numero_de_paginas_vistas": "n_page_view",
    "number_of_form_submissions": "n_form_submission", "form_submissions": "n_form_submission",
    "email": "email", "email_address": "email", "correo": "email", "correo_electronico": "email",
    "company_name": "company", "company": "company", "empresa": "company", "nombre_de_la_empresa": "company",
    "job_title": "job_title", "cargo": "job_title", "industry": "industry", "industria": "industry",
    "country": "country", "pais": "country", "number_of_employees": "employees", "employees": "employees",
    "empleados": "employees", "source": "channel", "original_source": "channel", "lead_source": "channel",
}

RULE_KEYS = ("field", "operator", "value", "points", "group", "half_life_days", "label")

#: Canonical operator -> a snake_case code, language-free (views name it: catalogue
#: ``scoring.operators.<code>``).
OPERATOR_CODES: dict[str, str] = {
    ">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "=": "eq", "≠": "ne", "contains": "contains",
    "not contains": "not_contains", "in": "in", "not in": "not_in", "is known": "is_known", "is unknown": "is_unknown",
}
#: Operators that take no value.
VALUELESS_OPERATORS = ("is known", "is unknown")


class UnknownField(ConfigError):
    """A rule's field is not a column of the leads, a known CRM name or an activity of the log;
    ``field`` is the rule's field as written."""

    def __init__(self, field: str, available: list[str]):
        super().__init__(f"scoring rule field {field!r} is not a column of the leads (nor a known CRM name). "
                         f"Available: {', '.join(available)}.")
        self.field, self.available = field, list(available)


def _norm(text: str) -> str:
    text = str(text).strip().lower()
    for a, b in (("á", "a"), ("é", "e"), ("í", "i"), ("ó", "o"), ("ú", "u"), ("ñ", "n")):
        text = text.replace(a, b)
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def normalise_operator(op: str) -> str:
    """Canonical operator for any accepted spelling (``'is greater than'`` → ``'>'``)."""
    key = re.sub(r"\s+", " ", str(op).strip().lower())
    if key not in _OP_LOOKUP:
        raise ConfigError(f"scoring rule: unknown operator {op!r}. Use one of: {', '.join(OPERATORS)} "
                          "(or a CRM phrasing such as 'is greater than', 'contains the word').")
    return _OP_LOOKUP[key]


@dataclass(frozen=True)
class Rule:
    """One scoring rule. ``value`` is a number, a string, a tuple (``in``) or None (``is known``)."""

    field: str
    operator: str
    value: Any
    points: float
    group: str = ""
    half_life_days: float | None = None
    label: str = ""

    @property
    def text(self) -> str:
        """``'n_page_view > 15'`` — the rule as one line (used in ``fired``)."""
        if self.label:
            return self.label
        if self.operator in VALUELESS_OPERATORS:
            return f"{self.field} {self.operator}"
        return f"{self.field} {self.operator} {value_text(self.value)}"


def value_text(v: Any) -> str:
    """A rule value as typed into a CRM: ``15`` (not ``15.0``), lists as ``'a, b'``."""
    if isinstance(v, (tuple, list)):
        return ", ".join(value_text(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_rule(raw: dict | Rule, *, default_group: str = "") -> Rule:
    """A :class:`Rule` from a client.yml / table row mapping (keys case-insensitive)."""
    if isinstance(raw, Rule):
        return raw
    if not isinstance(raw, dict):
        raise ConfigError(f"scoring rule must be a mapping with field/operator/value/points, found {raw!r}")
    d = {_norm(k): v for k, v in raw.items()}
    if "rule_value" in d and "points" not in d:
        d["points"] = d.pop("rule_value")
    for es, en in (("campo", "field"), ("operador", "operator"), ("valor", "value"), ("puntos", "points"),
                   ("grupo", "group")):
        if es in d and en not in d:
            d[en] = d.pop(es)
    unknown = sorted(set(d) - set(RULE_KEYS))
    if unknown:
        raise ConfigError(f"scoring rule {raw!r}: unknown key(s) {', '.join(unknown)}; expected {', '.join(RULE_KEYS)}.")
    missing = [k for k in ("field", "operator", "points") if k not in d]
    if missing:
        raise ConfigError(f"scoring rule {raw!r}: missing {', '.join(missing)}.")
    op = normalise_operator(d["operator"])
    value = d.get("value")
    if op in ("is known", "is unknown"):
        value = None
    elif value is None:
        raise ConfigError(f"scoring rule {raw!r}: operator {op!r} needs a value.")
    elif op in ("in", "not in"):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        value = tuple(value) if isinstance(value, (list, tuple, set)) else (value,)
    elif op in NUMERIC_OPERATORS:
        try:
            value = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except ValueError:
            raise ConfigError(f"scoring rule {raw!r}: operator {op!r} needs a number, found {value!r}.") from None
    try:
        points = float(d["points"])
    except (TypeError, ValueError):
        raise ConfigError(f"scoring rule {raw!r}: points must be a number, found {d['points']!r}.") from None
    hl = d.get("half_life_days")
    if hl is not None and (not isinstance(hl, (int, float)) or hl <= 0):
        raise ConfigError(f"scoring rule {raw!r}: half_life_days must be a positive number of days.")
    return Rule(field=str(d["field"]).strip(), operator=op, value=value, points=points,
                group=str(d.get("group") or default_group), half_life_days=None if hl is None else float(hl),
                label=str(d.get("label") or ""))


def parse_rules(raws: Iterable[dict | Rule] | pd.DataFrame | None, *, default_group: str = "") -> list[Rule]:
    """Rules from a list of mappings or a Field / Operator / Value / Points DataFrame."""
    if raws is None:
        return []
    if isinstance(raws, pd.DataFrame):
        raws = raws.to_dict("records")
    return [parse_rule(r, default_group=default_group) for r in raws]


def config_rules(scoring_config) -> list[Rule]:
    """Every rule of ``client.config.scoring``: ``rules`` plus ``fit_rules`` (group ``fit``) and
    ``interest_rules`` (group ``interest``) unless a rule names its own group."""
    return (parse_rules(scoring_config.rules)
            + parse_rules(scoring_config.fit_rules, default_group="fit")
            + parse_rules(scoring_config.interest_rules, default_group="interest"))


def resolve_field(field: str, columns: Iterable[str]) -> str:
    """The column a rule's field refers to: the column itself, a case/spacing variant, a known CRM
    name (``'Number of Pageviews'`` → ``n_page_view``), or ``n_<activity>`` for an activity name."""
    cols = list(columns)
    if field in cols:
        return field
    by_norm = {_norm(c): c for c in cols}
    key = _norm(field)
    if key in by_norm:
        return by_norm[key]
    alias = FIELD_ALIASES.get(key)
    if alias and alias in cols:
        return alias
    if f"n_{key}" in cols:
        return f"n_{key}"
    raise UnknownField(field, sorted(map(str, cols)))


def _text(s: pd.Series) -> pd.Series:
    """Lower-cased, trimmed text (pandas ``string`` dtype); missing values stay missing."""
    return s.astype("string").str.strip().str.lower()


def _known(column: pd.Series) -> pd.Series:
    """Not missing and not blank text."""
    known = column.notna()
    if not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_datetime64_any_dtype(column):
        known = known & column.astype("string").str.strip().ne("").fillna(False).astype(bool)
    return known.astype(bool)


def evaluate(rule: Rule, column: pd.Series) -> pd.Series:
    """Boolean Series: does each value satisfy the rule's condition? Missing values never satisfy a
    comparison (only ``is unknown``), as CRMs do. Text comparisons ignore case and outer spaces."""
    op, v = rule.operator, rule.value
    known = _known(column)
    if op == "is known":
        return known
    if op == "is unknown":
        return ~known
    if op in NUMERIC_OPERATORS:
        num = pd.to_numeric(column, errors="coerce").astype(float)
        res = {">": num > v, ">=": num >= v, "<": num < v, "<=": num <= v}[op]
        return res.fillna(False).astype(bool)
    txt = _text(column)
    if op in ("contains", "not contains"):
        hit = txt.str.contains(str(v).strip().lower(), regex=False).fillna(False).astype(bool)
        return hit if op == "contains" else (known & ~hit)
    if op in ("=", "≠"):
        eq = None
        if (isinstance(v, (int, float)) and not isinstance(v, bool)) or _is_number(v):
            num = pd.to_numeric(column, errors="coerce")
            if num.notna().any():
                eq = (num.astype(float) == float(v)).fillna(False).astype(bool)
        if eq is None:
            eq = txt.eq(str(v).strip().lower()).fillna(False).astype(bool)
        return eq if op == "=" else (known & ~eq)
    if op in ("in", "not in"):
        options = [str(o).strip().lower() for o in v]
        hit = txt.isin(options).fillna(False).astype(bool)
        return hit if op == "in" else (known & ~hit)
    raise ConfigError(f"unknown operator {op!r}")  # pragma: no cover (parse_rule normalises)


def _is_number(v: Any) -> bool:
    try:
        float(str(v))
        return True
    except ValueError:
        return False


def activity_types(activities: pd.DataFrame) -> set[str]:
    """The distinct activity types of the log (hashed once: the log has millions of rows)."""
    return {str(t) for t in activities["activity_type"].dropna().unique()}


def activity_of_field(field: str, types: Iterable[str]) -> str | None:
    """The activity type of the log a counter field refers to, or None: ``'n_Chat Bot'``,
    ``'Chat bot'`` and ``'n_chat_bot'`` all name the type ``'Chat Bot'`` (compared normalised, as
    the learned scorecard names its counters after the log's own types); known CRM names too
    (``'Number of Pageviews'`` → ``page_view``)."""
    by_norm = {_norm(t): t for t in sorted(types)}
    key = _norm(field)
    alias = FIELD_ALIASES.get(key, key if key.startswith("n_") else f"n_{key}")
    if alias.startswith("n_") and alias[2:] in by_norm:
        return by_norm[alias[2:]]
    return None


def _add_counts_from_log(leads: pd.DataFrame, activities: pd.DataFrame | None, fields: set[str],
                         as_of, types: set[str] | None = None) -> pd.DataFrame:
    """Add ``n_<activity>`` columns computed from the log (events before ``as_of``) when rules need them."""
    if activities is None or not len(activities):
        return leads
    needed = {f for f in fields if f.startswith("n_") and f not in leads.columns}
    if not needed:
        return leads
    types = activity_types(activities) if types is None else types
    add = sorted(f for f in needed if f[2:] in types)
    if not add:
        return leads
    from smk.analyses.features import activity_counts

    before = _as_of_series(leads, as_of)
    counts = activity_counts(leads, activities, by="activity_type", before=before)
    out = leads.copy()
    for f in add:
        out[f] = counts[f[2:]].to_numpy()
    return out


def _as_of_series(leads: pd.DataFrame, as_of) -> pd.Series | None:
    if as_of is None:
        return None
    if isinstance(as_of, pd.Series):
        return as_of
    return pd.Series(pd.Timestamp(as_of), index=pd.Index(leads["lead_id"], name="lead_id"))


def decay_factors(leads: pd.DataFrame, activities: pd.DataFrame | None, activity: str, half_life_days: float,
                  as_of) -> pd.Series:
    """Decay multiplier per lead, ``0.5 ** (age / half_life)`` where age is the days from the lead's
    latest ``activity`` event (before ``as_of``) to ``as_of``. 1.0 when there is no log or no event."""
    ones = pd.Series(1.0, index=leads.index)
    if activities is None or not len(activities) or as_of is None:
        return ones
    ev = activities[activities["activity_type"].astype(str) == activity]
    cut = _as_of_series(leads, as_of)
    ev = ev.assign(_cut=ev["lead_id"].map(cut))
    ev = ev[ev["_cut"].isna() | (ev["occurred_at"] < ev["_cut"])]
    last = ev.groupby("lead_id")["occurred_at"].max()
    last_per_lead = leads["lead_id"].map(last)
    cut_per_lead = leads["lead_id"].map(cut)
    age = (cut_per_lead - last_per_lead).dt.total_seconds() / 86400
    factor = np.power(0.5, age.clip(lower=0) / half_life_days)
    return factor.astype(float).fillna(1.0)


def apply_rules(leads: pd.DataFrame, rules: Iterable[dict | Rule], *, activities: pd.DataFrame | None = None,
                as_of=None, group_caps: dict[str, float] | None = None, base_points: float = 0.0) -> pd.DataFrame:
    """Score every lead with ``rules``.

    score = base_points + Σ_groups cap_g(Σ_{rules r in g that fire} points_r · decay_r), where
    decay_r = 0.5^(days since the lead last did the rule's activity / half_life_days) for rules with
    ``half_life_days`` (behaviour rules on ``n_<activity>`` fields; needs ``activities``), else 1;
    cap_g(x) = min(x, group_caps[g]) for capped groups (no cap otherwise).

    Activity counters the rules need (``n_<activity>``) come from the lead row, or from the log with
    only events before ``as_of`` (a timestamp or a Series of per-lead cut-offs indexed by lead_id).

    Returns ``lead_id, score, fired`` (tuple of rule texts, in rule order) and ``score_<group>`` for
    each named group; ``attrs['decay']`` says whether decay was applied (``'applied'``,
    ``'no log: not applied'`` or ``'none'``).
    """
    rules = [parse_rule(r) for r in rules]
    caps = dict(group_caps or {})
    base = leads.reset_index(drop=True)
    cols = set(base.columns)
    fields = {}
    types = None
    for r in rules:
        try:
            fields[r] = resolve_field(r.field, cols)
        except UnknownField:
            if activities is not None and len(activities):
                types = activity_types(activities) if types is None else types
                kind = activity_of_field(r.field, types)
                if kind is not None:
                    fields[r] = f"n_{kind}"
                    continue
            raise
    base = _add_counts_from_log(base, activities, set(fields.values()), as_of, types)
    has_log = activities is not None and len(activities) > 0
    decay_state = "none"
    contrib = pd.DataFrame(index=base.index)
    fired_mask = pd.DataFrame(index=base.index)
    for i, r in enumerate(rules):
        col = fields[r]
        hit = evaluate(r, base[col])
        pts = pd.Series(np.where(hit, r.points, 0.0), index=base.index)
        if r.half_life_days:
            if has_log and col.startswith("n_"):
                pts = pts * decay_factors(base, activities, col[2:], r.half_life_days, as_of)
                decay_state = "applied"
            elif decay_state == "none":
                decay_state = "no log: not applied"
        contrib[i] = pts
        fired_mask[i] = hit
    score = pd.Series(float(base_points), index=base.index)
    groups = sorted({r.group for r in rules})
    out = pd.DataFrame({"lead_id": base["lead_id"].to_numpy()})
    for g in groups:
        idx = [i for i, r in enumerate(rules) if r.group == g]
        g_sum = contrib[idx].sum(axis=1) if idx else pd.Series(0.0, index=base.index)
        if g in caps and caps[g] is not None:
            g_sum = g_sum.clip(upper=float(caps[g]))
        score = score + g_sum
        if g:
            out[f"score_{g}"] = g_sum.to_numpy()
    out.insert(1, "score", score.round(6).to_numpy())
    texts = [r.text for r in rules]
    out.insert(2, "fired", _fired_tuples(fired_mask.to_numpy(dtype=bool), texts) if rules else [()] * len(base))
    out.attrs["decay"] = decay_state
    out.attrs["rules"] = texts
    return out


def _fired_tuples(fired: np.ndarray, texts: list[str]) -> np.ndarray:
    """Per row, the tuple of the texts of the rules that fired (one tuple built per distinct pattern)."""
    from smk.analyses.features import row_patterns

    uniq, inv = row_patterns(fired)
    built = np.empty(len(uniq), dtype=object)
    for i, row in enumerate(uniq):
        built[i] = tuple(t for t, f in zip(texts, row) if f)
    return built[inv]


def rules_table(rules: Iterable[dict | Rule], *, fired: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rules in the CRM's Field / Operator / Value / Points form (canonical operators, values as
    given); with the output of :func:`apply_rules`, adds how many leads each rule matched
    (``fired``) and their share of the leads (``share``)."""
    rules = [parse_rule(r) for r in rules]
    df = pd.DataFrame({"field": [r.field for r in rules], "operator": [r.operator for r in rules],
                       "value": pd.Series([r.value for r in rules], dtype="object"),
                       "points": [int(r.points) if float(r.points).is_integer() else r.points for r in rules],
                       "group": [r.group for r in rules], "half_life_days": [r.half_life_days for r in rules]},
                      columns=["field", "operator", "value", "points", "group", "half_life_days"])
    if fired is not None:
        df["fired"] = [int(fired["fired"].map(lambda t, txt=r.text: txt in t).sum()) for r in rules]
        df["share"] = df["fired"] / max(len(fired), 1)
    return df


#: The seed's example rules (seed 000, chapter 2), as the CRM screenshot shows them.
SEED_EXAMPLE_RULES: list[dict[str, Any]] = [
    {"Field": "Number of Pageviews", "Operator": "is greater than", "Value": 15, "Rule value": 10},
    {"Field": "Email", "Operator": "contains the word", "Value": "gmail", "Rule value": -10},
    {"Field": "Company Name", "Operator": "contains the word", "Value": "IBM", "Rule value": 30},
]

__all__ = ["FIELD_ALIASES", "OPERATORS", "OPERATOR_ALIASES", "OPERATOR_CODES", "Rule", "SEED_EXAMPLE_RULES",
           "UnknownField", "VALUELESS_OPERATORS", "activity_of_field", "activity_types", "apply_rules", "config_rules",
           "decay_factors", "evaluate", "normalise_operator", "parse_rule", "parse_rules", "resolve_field",
           "rules_table", "value_text"]
