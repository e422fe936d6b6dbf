"""Notebook 02's presentation: the tables, sentences, plots and the threshold slider of
:class:`smk.analyses.scoring.ScoringResult`, one function per notebook section
(``ctx.show(res, "<section>")``). Every word comes from the catalogue (``scoring.*`` in
smk/texts/<lang>/scoring.yml); numbers and dates through smk.views.fmt.

Rules are shown from their structured form (field, operator code, value): fields as the client's CRM
names them (client.yml's mapping) or by a readable name, operators and activity names from the
catalogue, values as the CRM spells them.
"""
from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle

from smk import texts
from smk.analyses.rules import OPERATOR_CODES, VALUELESS_OPERATORS, Rule, value_text
from smk.analyses.scorecard import CALENDAR_REASONS, LEAKAGE_REASONS
from smk.analyses.scoring import ScoringResult
from smk.views import fmt, theme
from smk.views.html import Html, text_html
from smk.views.registry import section

#: Column labels of every table of this notebook (``texts.labels``).
LABELS = "scoring.columns"

#: Column formats per table (smk.views.html.format_table).
FORMATS: dict[str, dict[str, str]] = {
    "activities": {"n": "int", "customers": "int", "rate": "pct", "ci": "ci", "lift_vs_average": "number:1",
                   "lift_vs_base": "number:1", "qvalue": "number:3"},
    "quadrants": {"leads": "int", "share": "pct:0", "customers": "int", "rate": "pct", "ci": "ci"},
    "client_rules": {"points": "number:0", "fired": "int", "share": "pct"},
    "scorecard": {"points": "int", "leads": "int", "rate": "pct", "ci_low": "number:2", "ci_high": "number:2"},
    "excluded": {"auc": "number:2"},
    "calibration": {"leads": "int", "predicted": "pct", "observed": "pct", "ci": "ci"},
    "gains": {"decile": "int", "leads": "int", "customers": "int", "min_score": "int", "close_rate": "pct", "ci": "ci",
              "lift": "number:1", "cum_customers_share": "pct:0"},
    "thresholds": {"threshold": "int", "mqls_per_month": "number:0", "share_of_leads": "pct:0", "close_rate": "pct",
                   "ci": "ci", "capture": "pct:0"},
}
FORMATS["assets"] = FORMATS["activities"]
FORMATS["leakage"] = FORMATS["excluded"]


# ------------------------------------------------------------------------------------------------
# Names: activities, fields, operators, values, rules
# ------------------------------------------------------------------------------------------------
def activity_name(activity: str, lang: str) -> str:
    """``'demo_request'`` → ``'Demo request'`` / ``'Solicitud de demo'``; an asset within a type
    (``'page_view · /pricing'``) keeps its asset; a type the catalogue does not know is shown as the
    client wrote it (``'Chat Bot'``; ``'chat_bot'`` → ``'Chat bot'``)."""
    a = str(activity)
    if " · " in a:
        kind, asset = a.split(" · ", 1)
        return f"{activity_name(kind, lang)} · {asset}"
    key = f"scoring.activity_names.{a}"
    if texts.has(key, lang):
        return texts.t(key, lang)
    return a if a != a.lower() else a.replace("_", " ").capitalize()  # the client's own spelling stays


def field_label(field: str, lang: str, names: Mapping[str, str] | None = None) -> str:
    """How a rule's field is shown: the client's CRM column when mapped (``names``), else a readable
    name (``n_demo_request`` → ``'Demo request (count)'``, ``job_title`` → ``'Job title'``)."""
    if names and field in names:
        return names[field]
    if field.startswith("n_"):
        return texts.t("scoring.rule.activity_count", lang, activity=activity_name(field[2:], lang))
    key = f"scoring.field_names.{field}"
    return texts.t(key, lang) if texts.has(key, lang) else field


def operator_words(operator: str, lang: str) -> str:
    """``'>'`` → ``'is greater than'`` / ``'es mayor que'``."""
    return texts.t(f"scoring.operators.{OPERATOR_CODES[operator]}", lang)


def value_shown(value: Any, lang: str, field: str = "", values: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A rule's value for a reader: numbers in the report's format (``1``, ``12,5``), category values
    as the CRM spells them (``values``: client.yml's mapping inverted), lists joined."""
    if isinstance(value, float):
        return fmt.number(value, lang, 0 if value.is_integer() else 2)
    if values and field in values and isinstance(value, str):
        return values[field].get(value, value)
    return "" if value is None else value_text(value)


def describe_rule(rule: Rule, lang: str, names: Mapping[str, str] | None = None,
                  values: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A rule's condition in words: ``'Demo request (at least once)'``, ``'Job title is Student'``."""
    counter = rule.field.startswith("n_") and rule.operator == ">=" and not (names and rule.field in names)
    if counter and float(rule.value) == 1:
        return texts.t("scoring.rule.at_least_once", lang, activity=activity_name(rule.field[2:], lang))
    if counter:
        return texts.t("scoring.rule.times_or_more", lang, activity=activity_name(rule.field[2:], lang),
                       times=fmt.number(rule.value, lang, 0))
    field = field_label(rule.field, lang, names)
    if rule.operator in VALUELESS_OPERATORS:
        return texts.t("scoring.rule.condition_valueless", lang, field=field, operator=operator_words(rule.operator, lang))
    return texts.t("scoring.rule.condition", lang, field=field, operator=operator_words(rule.operator, lang),
                   value=value_shown(rule.value, lang, rule.field, values))


def _value_label(kind: str, code: str, lang: str) -> str:
    key = f"scoring.values.{kind}.{code}"
    return texts.t(key, lang) if texts.has(key, lang) else str(code)


def _sentences(*parts: str) -> Html:
    """Whole catalogue sentences as one paragraph."""
    return text_html(" ".join(p for p in parts if p))


def _signed(points: float, lang: str) -> str:
    return ("+" if points > 0 else "") + fmt.number(points, lang, 0)


def _err(v, lo, hi) -> list:
    """Error-bar lengths (never negative: a Wilson bound can sit a rounding error past the rate)."""
    v, lo, hi = (np.asarray(x, dtype=float) for x in (v, lo, hi))
    return [np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)]


# ------------------------------------------------------------------------------------------------
# Tables (DataFrames the sections show; columns labelled by scoring.columns)
# ------------------------------------------------------------------------------------------------
def activities_table(rates: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Activity (or asset) close rates with a verdict in words."""
    out = rates.copy()
    out["activity"] = [activity_name(a, lang) for a in out["activity"]]
    out["verdict"] = [_value_label("verdict", "small" if s else (d or "none"), lang)
                      for s, d in zip(out["too_small"], out["direction"])]
    return out[["activity", "n", "customers", "rate", "ci_low", "ci_high", "lift_vs_average", "lift_vs_base",
                "qvalue", "verdict"]]


def quadrants_table(q: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({"quadrant": [_value_label("quadrant", c, lang) for c in q["quadrant"]], "leads": q["n"],
                         "share": q["share"], "customers": q["customers"], "rate": q["rate"], "ci_low": q["ci_low"],
                         "ci_high": q["ci_high"],
                         "action": [texts.t(f"scoring.actions.{c}", lang) for c in q["quadrant"]]})


def client_rules_table(rules: pd.DataFrame, lang: str, names: Mapping[str, str] | None = None,
                       values: Mapping[str, Mapping[str, str]] | None = None, *, as_written: bool = True) -> pd.DataFrame:
    """The rules applied to every lead: the client's as typed in client.yml (``as_written``), or the
    learned ones named as the CRM names them."""
    if as_written:
        field = list(rules["field"])
        value = ["" if v is None else value_text(v) for v in rules["value"]]
    else:
        field = [field_label(f, lang, names) for f in rules["field"]]
        value = [value_shown(v, lang, f, values) for f, v in zip(rules["field"], rules["value"])]
    return pd.DataFrame({"field": field, "operator": [operator_words(o, lang) for o in rules["operator"]],
                         "value": value, "points": rules["points"], "fired": rules["fired"], "share": rules["share"]})


def scorecard_view(res: ScoringResult, lang: str) -> pd.DataFrame:
    """What to type into the CRM: fields and values as the CRM names them."""
    t = res.scorecard_rules
    return pd.DataFrame({
        "field": [field_label(f, lang, res.names) for f in t["field"]],
        "operator": [operator_words(o, lang) for o in t["operator"]],
        "value": [value_shown(v, lang, f, res.values) for f, v in zip(t["field"], t["value"])],
        "points": t["points"], "group": [_value_label("group", g, lang) for g in t["group"]], "leads": t["n"],
        "rate": t["rate"], "ci_low": t["ci_low"], "ci_high": t["ci_high"]})


def _present(v) -> bool:
    return v is not None and v is not pd.NA and not (isinstance(v, float) and np.isnan(v))


def reason_text(row: Mapping[str, Any], lang: str, values: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Why a field or rule is left out (or listed for review), with its evidence
    (``scoring.reasons.<reason>``; a row of ``Scorecard.excluded`` or ``Scorecard.leakage``)."""
    reason = row["reason"]
    p: dict[str, Any] = {}
    if _present(row.get("auc")):
        p["auc"] = fmt.number(row["auc"], lang, 2)
    for k in ("n", "k"):
        if _present(row.get(k)):
            p[k] = fmt.number(int(row[k]), lang)
    if _present(row.get("share")):
        p["share"] = fmt.pct(row["share"], lang, 0)
    other = row.get("other")
    if _present(other):
        p["other"] = fmt.number(other, lang, 2) if reason == "dominant" else fmt.pct(other, lang, 0)
        p["expected"] = fmt.number(other, lang, 0)
    level = row.get("level")
    if reason in ("separation", "near_separation", "no_wins", "closed_level"):
        field = str(row.get("feature", ""))
        p["level"] = value_shown(level, lang, field, values) if isinstance(level, str) else texts.t(
            "scoring.values.no_value", lang)
    return texts.t(f"scoring.reasons.{reason}", lang, **p)


def _feature_name(feature: str, rule, lang: str, names: Mapping[str, str] | None,
                  values: Mapping[str, Mapping[str, str]] | None) -> str:
    """A left-out feature: a rule in words, or a field as the CRM names it."""
    return describe_rule(rule, lang, None, values) if isinstance(rule, Rule) else field_label(str(feature), lang, names)


def excluded_table(d: pd.DataFrame, lang: str, values: Mapping | None = None,
                   names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Features (``Scorecard.excluded`` or ``.leakage`` rows) with the reason and its evidence in words."""
    rules = d["rule"] if "rule" in d else [None] * len(d)
    rows = d.to_dict("records")
    return pd.DataFrame({"feature": [_feature_name(f, r, lang, names, values) for f, r in zip(d["feature"], rules)],
                         "reason": [reason_text(row, lang, values) for row in rows],
                         "auc": d["auc"].to_numpy()})


def _decision(row: Mapping[str, Any]) -> str:
    if row.get("action") == "review":
        return "review_used" if row.get("used") else "review_unused"
    return "excluded"


def leakage_table(lk: pd.DataFrame, lang: str, values: Mapping | None = None,
                  names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The leakage guard's findings (left out, or kept and listed for review) with the evidence."""
    out = excluded_table(lk, lang, values, names)
    out["decision"] = [_value_label("decision", _decision(r), lang) for r in lk.to_dict("records")]
    return out


def calibration_table(c: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({"band": [f"{fmt.pct(lo, lang)} – {fmt.pct(hi, lang)}" for lo, hi in zip(c["p_lo"], c["p_hi"])],
                         "leads": c["n"], "predicted": c["predicted"], "observed": c["observed"],
                         "ci_low": c["ci_low"], "ci_high": c["ci_high"]})


def gains_view(g: pd.DataFrame) -> pd.DataFrame:
    return g[["decile", "n", "customers", "min_score", "close_rate", "ci_low", "ci_high", "lift",
              "cum_customers_share"]].rename(columns={"n": "leads"})


def thresholds_view(t: pd.DataFrame) -> pd.DataFrame:
    out = t[["threshold", "mqls_per_month", "share_of_leads", "close_rate", "ci_low", "ci_high", "capture"]]
    return out.drop(columns="mqls_per_month") if out["mqls_per_month"].isna().all() else out


# ------------------------------------------------------------------------------------------------
# Sentences
# ------------------------------------------------------------------------------------------------
def coverage_text(res: ScoringResult, lang: str) -> str:
    """How many leads are left out because the outcome data start later ("" when none are)."""
    if not res.uncovered_leads or res.coverage_start is None:
        return ""
    return texts.t("scoring.coverage.left_out", lang, count=res.uncovered_leads,
                   leads=fmt.number(res.uncovered_leads, lang), month=fmt.month(res.coverage_start, lang))


def activities_text(d: pd.DataFrame, days: int, lang: str) -> str:
    """What the activity (or asset) close rates say (without the N-day window when the data have no dates)."""
    if d.empty:
        return texts.t("scoring.activities.empty", lang)
    above = d[d["direction"] == "above"]
    small = int(d["too_small"].sum())
    key = "scoring.activities.summary" if d.attrs.get("window_days") is not None else "scoring.activities.summary_undated"
    parts = [texts.t(key, lang, average=fmt.pct(d.attrs["average_rate"], lang), base=fmt.pct(d.attrs["base_rate"], lang),
                     leads=fmt.number(d.attrs["n_leads"], lang), days=days)]
    if len(above):
        names = texts.t("scoring.list_sep", lang).join(
            texts.t("scoring.activities.item", lang, activity=activity_name(a, lang), rate=fmt.pct(r, lang),
                    lift=fmt.number(lf, lang, 1))
            for a, r, lf in zip(above["activity"], above["rate"], above["lift_vs_average"]))
        parts.append(texts.t("scoring.activities.above", lang, count=len(above), names=names))
    else:
        parts.append(texts.t("scoring.activities.none_above", lang))
    if small:
        parts.append(texts.t("scoring.activities.too_small", lang, count=small))
    return " ".join(parts)


def quadrants_text(q: pd.DataFrame, source: str, lang: str, days: int = 90) -> str:
    """How the best and the worst quadrant close (``source``: where fit and interest rules come from)."""
    if not int(q["n"].sum()):
        return texts.t("scoring.quadrants.empty", lang, days=days)
    by = q.set_index("quadrant")
    hh, ll = by.loc["high_fit_high_interest"], by.loc["low_fit_low_interest"]
    if hh["n"] and ll["n"]:
        first = texts.t("scoring.quadrants.summary", lang, rate=fmt.pct(hh["rate"], lang),
                        ci=fmt.ci(hh["ci_low"], hh["ci_high"], lang), low_rate=fmt.pct(ll["rate"], lang))
    elif hh["n"]:
        first = texts.t("scoring.quadrants.no_low_low", lang, rate=fmt.pct(hh["rate"], lang),
                        ci=fmt.ci(hh["ci_low"], hh["ci_high"], lang))
    elif ll["n"]:
        first = texts.t("scoring.quadrants.no_high_high", lang, low_rate=fmt.pct(ll["rate"], lang))
    else:
        first = texts.t("scoring.quadrants.neither", lang)
    return f"{first} {texts.t(f'scoring.quadrants.how_{source}', lang)}"


def scorecard_text(sc, days: int, lang: str, usable: bool = True) -> str:
    """How the scorecard was learned, what its points mean, and whether it can go into the CRM."""
    train = int((sc.scores["split"] == "train").sum())
    values = dict(count=len(sc.rules), train=fmt.number(train, lang), days=days,
                  pdo=fmt.number(sc.points_to_double_odds, lang, 0))
    if sc.split_kind == "time":
        parts = [texts.t("scoring.scorecard.summary_time", lang, **values)]
    else:
        parts = [texts.t("scoring.scorecard.summary_random", lang, share=fmt.pct(train / max(len(sc.scores), 1), lang, 0),
                         **values)]
    parts.append(texts.t("scoring.scorecard.ready" if usable else "scoring.scorecard.not_ready", lang, count=len(sc.rules)))
    n_ex = int(sc.excluded["reason"].isin(["sparse", "constant"]).sum())
    if n_ex:
        parts.append(texts.t("scoring.scorecard.sparse", lang, count=n_ex))
    return " ".join(parts)


#: The excluded section's count phrases, in order: catalogue key -> reasons counted.
EXCLUDED_GROUPS: dict[str, tuple[str, ...]] = {
    "leaky": LEAKAGE_REASONS, "calendar": CALENDAR_REASONS, "sales_side": ("sales_side",), "pii": ("pii",),
    "collinear": ("collinear",), "not_significant": ("not_significant",), "diverges": ("diverges",),
}


def excluded_text(excluded: pd.DataFrame, lang: str) -> str:
    """How many features were left out, by reason (``Scorecard.excluded``); only the reasons that occur."""
    r = excluded["reason"].value_counts()
    items = []
    for key, reasons in EXCLUDED_GROUPS.items():
        n = int(r.reindex(list(reasons)).fillna(0).sum())
        if n:
            items.append(texts.t(f"scoring.excluded.{key}", lang, count=n))
    if not items:
        return texts.t("scoring.excluded.none", lang)
    return texts.t("scoring.excluded.summary", lang, items=texts.t("scoring.list_sep", lang).join(items))


def evaluation_text(sc, days: int, lang: str, quality: str = "usable", floor: float = 0.6) -> str:
    """The AUC on leads the model has not seen, which leads those are, and whether it is clearly
    better than chance (``quality``: :func:`smk.analyses.scoring.model_quality`)."""
    a = sc.auc
    test_n = fmt.number(int((sc.scores["split"] == "test").sum()), lang)
    parts = []
    if not pd.isna(a["auc"]):
        parts.append(texts.t("scoring.evaluation.auc", lang, auc=fmt.number(a["auc"], lang, 2),
                             ci=fmt.ci(a["ci_low"], a["ci_high"], lang, "number", 2), share=fmt.pct(a["auc"], lang, 0)))
    if quality in ("chance", "weak", "unknown"):
        parts.append(texts.t(f"scoring.evaluation.{quality}", lang, floor=fmt.number(floor, lang, 2)))
    if sc.split_kind == "time":
        parts.append(texts.t("scoring.evaluation.split_time", lang, boundary=fmt.date(sc.split_boundary, lang), test=test_n))
    else:
        parts.append(texts.t("scoring.evaluation.split_random", lang, test=test_n))
    if sc.too_recent:
        parts.append(texts.t("scoring.evaluation.too_recent", lang, count=sc.too_recent,
                             leads=fmt.number(sc.too_recent, lang), days=days))
    return " ".join(parts)


def calibration_text(c: pd.DataFrame, days: int | None, lang: str) -> str:
    """What the probability is, and in how many bands it falls inside (or, in most, misses) the
    observed rate's interval; ``days`` None: the data have no dates (no window)."""
    what = (texts.t("scoring.calibration.what", lang, days=days) if days is not None
            else texts.t("scoring.calibration.what_undated", lang))
    ok, count = int(c["within_ci"].sum()), len(c)
    if 2 * ok < count:  # most bands miss: say it plainly next to "likelihood to close"
        return f"{what} {texts.t('scoring.calibration.misses', lang, miss=count - ok, count=count)}"
    return f"{what} {texts.t('scoring.calibration.fits', lang, ok=ok, count=count)}"


def gains_text(g: pd.DataFrame, lang: str) -> str:
    """The top decile's close rate and lift, and the customers the top three deciles hold (their
    actual share of the leads: deciles of uneven size are not exactly 10 % each)."""
    top = g.iloc[0]
    values = dict(top=fmt.pct(top["cum_leads_share"], lang, 0), rate=fmt.pct(top["close_rate"], lang),
                  lift=fmt.number(top["lift"], lang, 1))
    third = g[g["decile"] == 3]
    if third.empty:
        return texts.t("scoring.gains.top_only", lang, **values)
    row = third.iloc[0]
    return texts.t("scoring.gains.summary", lang, share=fmt.pct(row["cum_leads_share"], lang, 0),
                   capture=fmt.pct(row["cum_customers_share"], lang, 0), **values)


def leakage_findings(lk: pd.DataFrame) -> pd.DataFrame:
    """The guard's rows the leakage section is about: probable leakage and doubtful fields (not the
    calendar, sales-side or personal-data fields: the excluded section lists those)."""
    return lk[lk["reason"].isin(LEAKAGE_REASONS) | (lk["action"] == "review")]


def leakage_text(lk: pd.DataFrame, lang: str, names: Mapping[str, str] | None = None, closed_checked: bool = True,
                 dated: bool = True) -> str:
    """The fields left out as probably recorded after the outcome, and the doubtful ones kept for review
    (whether the scorecard uses them); only when there are none, what the checks looked for, and which
    could not run (``closed_checked``: enough open leads; ``dated``: creation dates)."""
    f = leakage_findings(lk)
    sep = texts.t("scoring.list_sep", lang)

    def listed(rows):
        return sep.join(field_label(str(x), lang, names) for x in rows["feature"])

    parts = []
    out = f[f["action"] == "exclude"]
    if len(out):
        parts.append(texts.t("scoring.leakage.listed", lang, count=len(out), names=listed(out)))
    review = f[f["action"] == "review"]
    used = review[review["used"]] if "used" in review else review
    unused = review[~review["used"]] if "used" in review else review.iloc[0:0]
    if len(used):
        parts.append(texts.t("scoring.leakage.review_used", lang, count=len(used), names=listed(used)))
    if len(unused):
        parts.append(texts.t("scoring.leakage.review_unused", lang, count=len(unused), names=listed(unused)))
    if not parts:
        ran = ["names", *(["closed"] if closed_checked else []), *(["dates"] if dated else []), "auc"]
        checks = texts.t("scoring.leakage.check_sep", lang).join(texts.t(f"scoring.leakage.check.{c}", lang) for c in ran)
        parts.append(texts.t("scoring.leakage.none", lang, checks=checks))
        parts += [texts.t(f"scoring.leakage.unchecked.{c}", lang) for c, ok in (("closed", closed_checked), ("dates", dated))
                  if not ok]
    return " ".join(parts)


def recommendation_text(rec: Mapping | None, cap: Mapping, lang: str) -> str:
    """Why this threshold: the capacity arithmetic or the target close rate, in words."""
    if rec is None:
        return texts.t("scoring.thresholds.none", lang)
    parts = []
    if cap.get("capacity"):
        parts.append(texts.t("scoring.thresholds.capacity", lang, capacity=fmt.number(cap["capacity"], lang, 0),
                             reps=fmt.number(cap["reps"], lang, 0),
                             hours=fmt.number(cap["calling_hours_per_month"], lang, 0),
                             per_hour=fmt.number(cap["attempts_per_hour"], lang, 1),
                             per_lead=fmt.number(cap["attempts_per_lead"], lang, 0)))
    parts.append(texts.t(f"scoring.thresholds.recommended.{rec['basis']}", lang, count=rec["threshold"],
                         threshold=fmt.number(rec["threshold"], lang, 0),
                         min_capture=fmt.pct(rec.get("min_capture", 0.9), lang, 0)))
    if rec.get("share_of_leads", 0) >= 1 - 1e-9:  # the lowest score: nobody is left out
        parts.append(texts.t("scoring.thresholds.everyone", lang, lose=fmt.pct(1 - rec.get("min_capture", 0.9), lang, 0)))
    return " ".join(parts)


def unusable_text(res: ScoringResult, lang: str) -> str:
    """Why no threshold is recommended when the model is not clearly better than chance."""
    a = res.scorecard.auc
    quality = res.model_quality if res.model_quality in ("chance", "weak") else "unknown"
    return texts.t(f"scoring.thresholds.unusable.{quality}", lang, auc=fmt.number(a["auc"], lang, 2),
                   ci=fmt.ci(a["ci_low"], a["ci_high"], lang, "number", 2), floor=fmt.number(res.auc_floor, lang, 2))


def mql_definition(rec: Mapping | None, rules: list[Rule], lang: str, *, window_days: int | None,
                   values: Mapping[str, Mapping[str, str]] | None = None, top: int = 5) -> str:
    """The MQL definition in plain words both teams can sign: the threshold, the ``top`` rules that
    give most points and the three that take most away, and what the threshold means in volume
    (MQLs a month within N days; without dates, the share of the leads)."""
    if rec is None:
        return texts.t("scoring.thresholds.none", lang)
    pos = sorted([r for r in rules if r.points > 0], key=lambda r: (-r.points, r.text))[:top]
    neg = sorted([r for r in rules if r.points < 0], key=lambda r: (r.points, r.text))[:3]
    sep = texts.t("common.list_sep", lang)

    def items(rs):
        return sep.join(texts.t("scoring.definition.item", lang, rule=describe_rule(r, lang, None, values),
                                points=_signed(r.points, lang)) for r in rs)

    parts = [texts.t("scoring.definition.reaches", lang, count=rec["threshold"],
                     threshold=fmt.number(rec["threshold"], lang, 0))]
    if pos:
        parts.append(texts.t("scoring.definition.plus", lang, rules=items(pos)))
    if neg:
        parts.append(texts.t("scoring.definition.minus", lang, rules=items(neg)))
    if window_days is not None and not pd.isna(rec["mqls_per_month"]):
        parts.append(texts.t("scoring.definition.volume", lang, mqls=fmt.number(rec["mqls_per_month"], lang, 0),
                             rate=fmt.pct(rec["close_rate"], lang), days=window_days,
                             capture=fmt.pct(rec["capture"], lang, 0)))
    else:
        parts.append(texts.t("scoring.definition.volume_share", lang, share=fmt.pct(rec["share_of_leads"], lang, 0),
                             rate=fmt.pct(rec["close_rate"], lang), capture=fmt.pct(rec["capture"], lang, 0)))
    return " ".join(parts)


def caution_values(params: Mapping[str, Any], lang: str, values: Mapping[str, Mapping[str, str]] | None = None,
                   names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A caution's values for its catalogue text (numbers, shares, months in the report's format; a
    field as the CRM names it; ``why``: the evidence of a field kept for review, in words)."""
    out = dict(params)
    if "reason" in params:
        out["why"] = reason_text(params, lang, values)
    if "auc" in out:
        out["auc"] = fmt.number(out["auc"], lang, 2)
    for k in ("n", "k", "leads"):
        if k in out:
            out[k] = fmt.number(out[k], lang)
    if "count" not in out and "leads" in params:
        out["count"] = params["leads"]
    for k in ("share", "other"):
        if k in out and params.get("reason") != "dominant":
            out[k] = fmt.pct(out[k], lang, 0)
    if isinstance(params.get("level"), str) or "level" in params:
        lv = params.get("level")
        out["level"] = (value_shown(lv, lang, str(params.get("feature", "")), values) if isinstance(lv, str)
                        else texts.t("scoring.values.no_value", lang))
    if "start" in out:
        out["start"] = fmt.month(out["start"], lang)
    if "feature" in out:
        out["feature"] = field_label(str(out["feature"]), lang, names)
    return out


# ------------------------------------------------------------------------------------------------
# Plots (figures returned, never shown here)
# ------------------------------------------------------------------------------------------------
def _t(lang: str, key: str, **values) -> str:
    return texts.t(f"scoring.plots.{key}", lang, **values)


def plot_activity_close_rates(rates: pd.DataFrame, lang: str):
    """Horizontal bars: close rate per activity with its 95 % interval; lines at the average activity
    close rate and at the base rate. Too-small activities are drawn grey."""
    fig, ax = plt.subplots(figsize=theme.figsize("wide"))
    d = rates.iloc[::-1]
    colors = [theme.COLORS["neutral"] if s else (theme.COLORS["good"] if sig and dr == "above" else theme.PALETTE[0])
              for s, sig, dr in zip(d["too_small"], d["significant"], d["direction"])]
    y = np.arange(len(d))
    ax.barh(y, d["rate"], color=colors)
    ax.errorbar(d["rate"], y, xerr=_err(d["rate"], d["ci_low"], d["ci_high"]), fmt="none",
                ecolor="#333333", capsize=3, lw=1)
    ax.set_yticks(y, [activity_name(a, lang) for a in d["activity"]])
    avg, base = rates.attrs.get("average_rate"), rates.attrs.get("base_rate")
    if avg is not None:
        ax.axvline(avg, color=theme.COLORS["goal"], ls="--", lw=1, label=_t(lang, "activities.average"))
    if base is not None:
        ax.axvline(base, color=theme.COLORS["bad"], ls=":", lw=1.5, label=_t(lang, "activities.base"))
    theme.format_axis(ax, "x", "pct", lang)
    ax.set_xlabel(_t(lang, "activities.xlabel"))
    ax.set_title(_t(lang, "activities.title"))
    ax.legend(loc="lower right")
    return fig


def plot_quadrants(table: pd.DataFrame, lang: str):
    """The seed's 2 × 2 matrix: fit (rows) × interest (columns), each cell with leads and close rate."""
    fig, ax = plt.subplots(figsize=theme.figsize("square"))
    pos = {"high_fit_low_interest": (0, 1), "high_fit_high_interest": (1, 1),
           "low_fit_low_interest": (0, 0), "low_fit_high_interest": (1, 0)}
    by = table.set_index("quadrant")
    rates = by["rate"]
    vmax = float(np.nanmax(rates.to_numpy())) if rates.notna().any() else 1.0
    cmap = LinearSegmentedColormap.from_list("smk", ["#f7f7f7", "#009E73"])
    for q, (x, yy) in pos.items():
        row = by.loc[q]
        val = 0.0 if pd.isna(row["rate"]) else float(row["rate"]) / (vmax or 1)
        ax.add_patch(Rectangle((x, yy), 1, 1, facecolor=cmap(val), edgecolor="white", lw=3))
        ax.text(x + 0.5, yy + 0.5, _t(lang, "quadrants.cell", label=_value_label("quadrant", q, lang),
                                       leads=fmt.number(row["n"], lang), rate=fmt.pct(row["rate"], lang)),
                ha="center", va="center", fontsize=10)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], [_t(lang, "quadrants.low"), _t(lang, "quadrants.high")])
    ax.set_yticks([0.5, 1.5], [_t(lang, "quadrants.low"), _t(lang, "quadrants.high")])
    ax.grid(False)
    ax.set_xlabel(_t(lang, "quadrants.xlabel"))
    ax.set_ylabel(_t(lang, "quadrants.ylabel"))
    ax.set_title(_t(lang, "quadrants.title"))
    return fig


def plot_deciles(gains: pd.DataFrame, lang: str):
    """Close rate by score decile (1 = top 10 %) with Wilson intervals."""
    fig, ax = plt.subplots(figsize=theme.figsize("normal"))
    x = gains["decile"].to_numpy()
    ax.bar(x, gains["close_rate"], color=theme.PALETTE[0])
    ax.errorbar(x, gains["close_rate"], yerr=_err(gains["close_rate"], gains["ci_low"], gains["ci_high"]),
                fmt="none", ecolor="#333333", capsize=3, lw=1)
    ax.set_xticks(x)
    theme.format_axis(ax, "y", "pct", lang)
    ax.set_xlabel(_t(lang, "deciles.xlabel"))
    ax.set_ylabel(_t(lang, "deciles.ylabel"))
    ax.set_title(_t(lang, "deciles.title"))
    return fig


def plot_gains(gains: pd.DataFrame, lang: str):
    """Cumulative gains: share of customers captured (y) by share of leads contacted, best-scored first."""
    fig, ax = plt.subplots(figsize=theme.figsize("normal"))
    x = np.concatenate([[0], gains["cum_leads_share"].to_numpy()])
    y = np.concatenate([[0], gains["cum_customers_share"].to_numpy()])
    ax.plot(x, y, marker="o", color=theme.PALETTE[0], label=_t(lang, "gains.model"))
    ax.plot([0, 1], [0, 1], ls="--", color=theme.COLORS["neutral"], label=_t(lang, "gains.random"))
    theme.format_axis(ax, "x", "pct", lang)
    theme.format_axis(ax, "y", "pct", lang)
    ax.set_xlabel(_t(lang, "gains.xlabel"))
    ax.set_ylabel(_t(lang, "gains.ylabel"))
    ax.set_title(_t(lang, "gains.title"))
    ax.legend(loc="lower right")
    return fig


def plot_calibration(calibration: pd.DataFrame, lang: str):
    """Predicted probability (x) vs observed close rate (y) by band, with Wilson intervals."""
    fig, ax = plt.subplots(figsize=theme.figsize("square"))
    c = calibration
    ax.errorbar(c["predicted"], c["observed"], yerr=_err(c["observed"], c["ci_low"], c["ci_high"]),
                fmt="o", color=theme.PALETTE[0], capsize=3)
    hi = float(max(c["ci_high"].max(), c["predicted"].max(), 0.05)) * 1.05
    ax.plot([0, hi], [0, hi], ls="--", color=theme.COLORS["neutral"])
    theme.format_axis(ax, "x", "pct", lang)
    theme.format_axis(ax, "y", "pct", lang)
    ax.set_xlabel(_t(lang, "calibration.xlabel"))
    ax.set_ylabel(_t(lang, "calibration.ylabel"))
    ax.set_title(_t(lang, "calibration.title"))
    return fig


def plot_thresholds(table: pd.DataFrame, rec: Mapping | None, lang: str):
    """MQLs per month (area, left axis; share of leads when volume is unknown) and close rate and
    capture (lines, right axis) by threshold; the recommendation and sales capacity marked."""
    fig, ax = plt.subplots(figsize=theme.figsize("wide"))
    x = table["threshold"].to_numpy()
    per_month = table["mqls_per_month"].notna().any()
    vol = table["mqls_per_month"] if per_month else table["share_of_leads"]
    vol_label = _t(lang, "thresholds.mqls" if per_month else "thresholds.share")
    ax.fill_between(x, 0, vol, step="post", color=theme.COLORS["marketing"], alpha=0.35, label=vol_label)
    cap = table.attrs.get("capacity")
    if cap and per_month:
        ax.axhline(cap, color=theme.COLORS["sales"], ls="--", lw=1, label=_t(lang, "thresholds.capacity"))
    top = float(np.nanmax(vol.to_numpy(dtype=float))) if len(vol) else 1.0
    ax.set_ylim(0, max(top, cap or 0) * 1.1 if per_month else 1.05)
    if not per_month:
        theme.format_axis(ax, "y", "pct", lang)
    ax.set_ylabel(vol_label)
    ax2 = ax.twinx()
    ax2.plot(x, table["close_rate"], color=theme.COLORS["good"], marker="o", ms=3, label=_t(lang, "thresholds.close_rate"))
    ax2.plot(x, table["capture"], color=theme.COLORS["sales"], marker="s", ms=3, label=_t(lang, "thresholds.capture"))
    ax2.set_ylim(0, 1.05)
    theme.format_axis(ax2, "y", "pct", lang)
    ax2.grid(False)
    if rec is not None:
        ax.axvline(rec["threshold"], color=theme.COLORS["goal"], lw=1.5, label=_t(lang, "thresholds.recommended"))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=9)
    ax.set_xlabel(_t(lang, "thresholds.xlabel"))
    ax.set_title(_t(lang, "thresholds.title"))
    return fig


# ------------------------------------------------------------------------------------------------
# The notebook's sections
# ------------------------------------------------------------------------------------------------
@section(ScoringResult, "cautions")
def cautions(res: ScoringResult, ctx, **options) -> list:
    """Cautions about the whole notebook (outcome data that start late, counters without dates, a field
    that leaks the outcome, a doubtful field the scorecard uses)."""
    return [ctx.note_text(c.key, **caution_values(c.params, ctx.lang, res.values, res.names)) for c in res.cautions]


@section(ScoringResult, "activities")
def activities(res: ScoringResult, ctx, **options) -> list:
    d = res.activities
    out = []
    if len(d):  # no table of headers without rows: the sentence says there is nothing
        out += [ctx.table(activities_table(d, ctx.lang), formats=FORMATS["activities"], labels=LABELS),
                plot_activity_close_rates(d, ctx.lang)]
    return out + [_sentences(activities_text(d, res.window_days, ctx.lang), coverage_text(res, ctx.lang))]


@section(ScoringResult, "assets")
def assets(res: ScoringResult, ctx, **options) -> list:
    d = res.assets
    out = [ctx.table(activities_table(d, ctx.lang), formats=FORMATS["assets"], labels=LABELS, max_rows=15)] if len(d) else []
    return out + [_sentences(activities_text(d, res.window_days, ctx.lang), coverage_text(res, ctx.lang))]


@section(ScoringResult, "quadrants")
def quadrants(res: ScoringResult, ctx, **options) -> list:
    q = res.quadrants
    text = _sentences(quadrants_text(q, res.quadrant_rules, ctx.lang, res.window_days), coverage_text(res, ctx.lang))
    if not int(q["n"].sum()):
        return [text]
    return [ctx.table(quadrants_table(q, ctx.lang), formats=FORMATS["quadrants"], labels=LABELS),
            plot_quadrants(q, ctx.lang), text]


@section(ScoringResult, "client_rules")
def client_rules(res: ScoringResult, ctx, **options) -> list:
    if res.client_rules is None:  # nothing configured and nothing usable learned
        return [ctx.para(f"scoring.client_rules.{res.rules_source}")]
    scores = res.client_scores["score"]
    table = client_rules_table(res.client_rules, ctx.lang, res.names, res.values, as_written=res.rules_source == "config")
    return [ctx.table(table, formats=FORMATS["client_rules"], labels=LABELS),
            _sentences(ctx.text(f"scoring.client_rules.{res.rules_source}"),
                       ctx.text("scoring.client_rules.scores", median=fmt.number(scores.median(), ctx.lang, 0),
                                highest=fmt.number(scores.max(), ctx.lang, 0)))]


@section(ScoringResult, "scorecard")
def scorecard(res: ScoringResult, ctx, **options) -> list:
    out = []
    if res.scorecard.rules:
        out.append(ctx.table(scorecard_view(res, ctx.lang), formats=FORMATS["scorecard"], labels=LABELS))
        out.append(_sentences(scorecard_text(res.scorecard, res.window_days, ctx.lang, res.usable),
                              coverage_text(res, ctx.lang)))
    else:
        out.append(_sentences(ctx.text("scoring.missing.no_rules" if res.dated else "scoring.missing.no_rules_undated",
                                       days=res.window_days), coverage_text(res, ctx.lang)))
    return out


@section(ScoringResult, "excluded")
def excluded(res: ScoringResult, ctx, **options) -> list:
    ex = res.scorecard.excluded
    shown = ex[~ex["reason"].isin(["sparse", "constant"])]  # those are counted in the scorecard's sentence
    table = excluded_table(shown, ctx.lang, res.values, res.names)
    out = [ctx.table(table, formats=FORMATS["excluded"], labels=LABELS, max_rows=15)] if len(table) else []
    return out + [text_html(excluded_text(ex, ctx.lang))]


@section(ScoringResult, "calibration")
def calibration(res: ScoringResult, ctx, **options) -> list:
    c = res.scorecard.calibration
    if not len(c):
        return [ctx.para("scoring.calibration.empty")]
    return [ctx.table(calibration_table(c, ctx.lang), formats=FORMATS["calibration"], labels=LABELS),
            plot_calibration(c, ctx.lang),
            text_html(calibration_text(c, res.window_days if res.scorecard.window_days is not None else None, ctx.lang))]


@section(ScoringResult, "evaluation")
def evaluation(res: ScoringResult, ctx, **options) -> list:
    return [_sentences(evaluation_text(res.scorecard, res.window_days, ctx.lang, res.model_quality, res.auc_floor),
                       coverage_text(res, ctx.lang))]


@section(ScoringResult, "gains")
def gains(res: ScoringResult, ctx, **options) -> list:
    g = res.scorecard.gains
    if not len(g):
        return [ctx.para("scoring.gains.empty")]
    noise = "" if res.usable else ctx.text("scoring.gains.noise")  # a flat model's deciles differ by chance
    return [ctx.table(gains_view(g), formats=FORMATS["gains"], labels=LABELS),
            plot_deciles(g, ctx.lang), plot_gains(g, ctx.lang), _sentences(gains_text(g, ctx.lang), noise)]


@section(ScoringResult, "leakage")
def leakage(res: ScoringResult, ctx, **options) -> list:
    lk = leakage_findings(res.scorecard.leakage)
    out = [ctx.table(leakage_table(lk, ctx.lang, res.values, res.names), formats=FORMATS["leakage"],
                     labels=LABELS)] if len(lk) else []
    return out + [text_html(leakage_text(res.scorecard.leakage, ctx.lang, res.names, res.scorecard.closed_checked,
                                         res.scorecard.split_kind == "time"))]


@section(ScoringResult, "thresholds")
def thresholds(res: ScoringResult, ctx, **options) -> list:
    if not res.usable:  # no threshold from a model no better than chance: no table to pick one from either
        return [text_html(unusable_text(res, ctx.lang))]
    return [ctx.table(thresholds_view(res.thresholds), formats=FORMATS["thresholds"], labels=LABELS, max_rows=30),
            plot_thresholds(res.thresholds, res.recommendation, ctx.lang),
            text_html(recommendation_text(res.recommendation, res.capacity, ctx.lang))]


@section(ScoringResult, "definition")
def definition(res: ScoringResult, ctx, **options) -> list:
    if not res.usable:
        return [ctx.para("scoring.definition.unusable")]
    return [text_html(mql_definition(res.recommendation, res.scorecard.rules, ctx.lang,
                                     window_days=res.window_days if res.dated else None, values=res.values))]


@section(ScoringResult, "explorer")
def explorer(res: ScoringResult, ctx, **options) -> list:
    """In JupyterLab: a slider over the thresholds showing volume, close rate and capture live."""
    if not ctx.interactive or not res.usable:
        return []
    import ipywidgets as widgets  # JupyterLab only: batch runs never pay for the import

    table, lang = res.thresholds, ctx.lang
    opts = [float(t) for t in table["threshold"]]
    value = (res.recommendation or {}).get("threshold")
    slider = widgets.SelectionSlider(options=opts, value=value if value in opts else opts[len(opts) // 2],
                                     description=ctx.text("scoring.explorer.label"), continuous_update=True,
                                     layout=widgets.Layout(width="70%"))
    out = widgets.HTML()

    def show(change=None):
        row = table[table["threshold"] == slider.value].iloc[0]
        per_month = not pd.isna(row["mqls_per_month"])
        key = "scoring.explorer.summary" if per_month else "scoring.explorer.summary_share"
        out.value = ctx.para(key, volume=(fmt.number(row["mqls_per_month"], lang, 0) if per_month
                                          else fmt.pct(row["share_of_leads"], lang)),
                             rate=fmt.pct(row["close_rate"], lang), ci=fmt.ci(row["ci_low"], row["ci_high"], lang),
                             capture=fmt.pct(row["capture"], lang, 0)).html

    slider.observe(show, names="value")
    show()
    return [ctx.para("scoring.explorer.intro"), widgets.VBox([slider, out])]


__all__ = ["EXCLUDED_GROUPS", "FORMATS", "LABELS", "activity_name", "caution_values", "coverage_text", "describe_rule",
           "excluded_table", "field_label", "leakage_findings", "leakage_table", "mql_definition", "operator_words",
           "reason_text", "recommendation_text", "unusable_text", "value_shown",
           "plot_activity_close_rates", "plot_calibration", "plot_deciles", "plot_gains", "plot_quadrants",
           "plot_thresholds"]
