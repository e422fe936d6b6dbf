"""Scoring rules learned from data: a logistic-regression scorecard with honest evaluation.

Method (seed 000 ch. 2 "decide on data"; seed 004 "predictive lead scoring"):

1. Candidate features, each a CRM-style rule (Field / Operator / Value) so the result can be typed
   into a CRM: activities done at least once (and "many times": ≥ the 75th percentile among
   leads who did it), profile fields by level (the most frequent level is the reference), numeric
   fields at their median and 75th percentile, "is unknown" for often-missing fields.
   Activity counts only include events before the lead's cut-off (its outcome date, or the end of
   the N-day window) — :func:`smk.analyses.features.activity_counts` with ``before=``.
2. Leakage guard (:func:`leakage_guard`): fields filled in by sales after the outcome (tags, lead
   quality, last activity, status, stage, close dates, call durations…) are excluded by configuration
   (``scoring.exclude_features``), by name (:data:`LEAKY_NAME_PATTERNS`) or by behaviour: filled in only
   for leads already won or lost, dates that fall after the lead's creation, a single-field AUC ≥ 0.95,
   a value won by every lead (each a :class:`LeakageWarning`, excluded unless ``leakage='flag'``).
   Not lead attributes, always excluded and listed: dates and parts of the calendar (creation month,
   quarter…: they cannot carry forward in time), sales-side fields (attempts, owner, team: the sales
   work, not the lead) and personal contact data. Doubtful fields (one that predicts far better than
   any other, a value (almost) always or never won, filled mostly once the outcome is known) are kept
   and listed for review with the evidence.
3. Too-sparse features (fewer than ``min_support`` leads) and collinear ones (|r| ≥ 0.95 with a
   kept feature, or linearly dependent) are reported, never silently dropped; so are the features
   removed by backward elimination (p ≥ 0.10), which keeps the scorecard short enough to type in.
4. Label: won within N days of creation (``analysis.close_window_days``); leads younger than N days
   at ``data_end`` are excluded from the label (they have not had N days). Without dates the label
   is "won" and the report says so.
5. Time split: train on the oldest leads, test on the most recent ``test_share``. Without usable
   creation dates the split falls back to a random split with a fixed seed, labelled as such.
6. Logistic regression (Newton–Raphson on covariate patterns, checked against statsmodels ``Logit``); coefficients with 95 % Wald intervals; scorecard points
   ``round(PDO / ln 2 × β)`` (PDO = points to double the odds, ``scoring.points_to_double_odds``;
   Siddiqi, *Credit Risk Scorecards*, 2006, ch. 6).
7. Probability: Platt scaling of the points on the training window, p = σ(a + b · points)
   (Platt 1999); calibration by band on the test window with Wilson intervals.
8. AUC on the test window with a DeLong 95 % interval (DeLong, DeLong & Clarke-Pearson 1988;
   Sun & Xu 2014 fast algorithm); gains, lift and close rate by score decile.
"""
from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses.features import activity_counts, row_patterns
from smk.analyses.rules import Rule, apply_rules, evaluate
from smk.analyses.stats import wilson_interval
from smk.errors import NotEnoughData
from smk.io.pii import is_pii_column


class NotEnoughToLearn(NotEnoughData):
    """Too few labelled leads or customers to learn a scorecard. ``reason`` is the catalogue key
    ``scoring.missing.not_learned``; ``params``: ``customers``, ``others`` (labelled leads in the
    training window) and ``min_events`` (the least of each the model needs)."""

    def __init__(self, customers: int, others: int, min_events: int):
        super().__init__([], f"only {customers} customers and {others} other leads old enough in the training "
                             f"window; at least {min_events} of each are needed",
                         reason="scoring.missing.not_learned",
                         params={"customers": int(customers), "others": int(others), "min_events": int(min_events)})


class LeakageWarning(UserWarning):
    """A feature looks recorded after the outcome (or predicts it suspiciously well)."""


#: Name fragments of fields usually filled in by sales after (or because of) the outcome, as regular
#: expressions matched at the start of a word of the normalised column name (``close`` matches
#: ``close_quarter`` and ``Close Date``, not ``enclosed``; ``revenue`` not ``annual_revenue``, a firmographic).
LEAKY_NAME_PATTERNS: tuple[str, ...] = (
    "tag", "quality", "last_activity", "last_notable", "notable_activity", "status", "stage", "lifecycle",
    "score", "asymmetrique", "index", "profile", "reason", "lost", "closed", "close", "closing", "won",
    "disqualif", "rating", "converted", "conversion", "deal", "(?<!annual_)(?<!company_)revenue", "sql", "mql",
    "opportunit", "duration", "outcome", "result", "disposition", "churn", "contract", "invoice", "payment",
    "cierre", "cerrad", "motivo", "resultado", "etapa", "ganad", "perdid", "descartad", "duracion",
)

#: Fields recorded by sales while working the lead: they describe the sales effort, not the lead, so
#: they never become "fit" or "interest" rules of an MQL score (listed with the reason ``sales_side``).
SALES_SIDE_FIELDS: tuple[str, ...] = ("n_attempts", "n_connects", "owner", "team")
#: Name fragments of sales-side fields (attempt counters, calls made, the rep a lead is assigned to).
SALES_SIDE_NAME_PATTERNS: tuple[str, ...] = (
    "attempt", "intento", "calls", "call_count", "llamadas", "connects", "owner", "propietario", "sales_rep",
    "rep_", "agent", "agente", "vendedor", "ejecutivo", "assigned", "asignad",
)
#: Canonical lead columns never used as features and not worth listing (identifiers, dates, the outcome).
#: Sales-side and personal-data columns are not here: they are left out too, but listed with their reason.
NOT_FEATURES: tuple[str, ...] = (
    "lead_id", "created_at", "mql_at", "sql_at", "customer_at", "closed_at", "status", "won", "revenue",
    "first_contact_at", "lifecycle_stage", "company", "_source_row",
)

#: Words of a column name that say it is a date or a part of one (compared with whole words).
CALENDAR_WORDS: frozenset[str] = frozenset({
    "date", "day", "week", "weekday", "month", "quarter", "year", "hour", "period", "cohort", "fecha", "dia", "día",
    "semana", "mes", "trimestre", "ano", "año", "hora", "periodo", "cohorte"})
#: Words that may accompany a calendar word in the name of a creation-date part (``Create Date``,
#: ``created_month_name``, ``Fecha de alta``, ``signup_week``); a name with any other word (``year_founded``,
#: ``Best day to call``, ``Date of birth``) describes the lead, not when it arrived.
CREATION_WORDS: frozenset[str] = frozenset({
    "created", "create", "creation", "creado", "creada", "creacion", "creación", "alta", "registro", "registered",
    "registration", "signup", "sign", "up", "submitted", "submission", "received", "entry", "ingreso", "lead",
    "contact", "record", "name", "number", "nombre", "numero", "número", "of", "the", "at", "on", "de", "del", "la",
    "el", "en"})
#: Month and weekday names (English and Spanish, full and three-letter), lower case.
CALENDAR_NAMES: frozenset[str] = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre "
    "ene abr ago dic "
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "lunes martes miércoles miercoles jueves viernes sábado sabado domingo lun mié mie jue vie sáb sab dom".split())

#: Name fragments that mark a lead field as behaviour (interest) rather than profile (fit).
INTEREST_PATTERNS: tuple[str, ...] = ("visit", "page", "time_spent", "web", "click", "open", "download",
                                      "webinar", "demo", "form", "chat", "pricing", "email_", "activity")

#: Why a field is left out (``Scorecard.leakage`` and ``Scorecard.excluded``) or listed for review; the
#: views say each one with its evidence (catalogue ``scoring.reasons.<code>``).
#: Probably recorded after the outcome (excluded):
LEAKAGE_REASONS: tuple[str, ...] = ("configured", "name", "post_outcome", "after_creation", "auc", "separation")
#: Of those, the ones found by the data's behaviour (kept with ``leakage='flag'``):
BEHAVIOUR_REASONS: tuple[str, ...] = ("post_outcome", "after_creation", "auc", "separation")
#: Not lead attributes (always excluded): dates and calendar parts, sales-side fields, personal data.
CALENDAR_REASONS: tuple[str, ...] = ("calendar_dates", "calendar_names", "calendar_name", "calendar_creation")
NOT_LEAD_REASONS: tuple[str, ...] = (*CALENDAR_REASONS, "sales_side", "pii")
#: Doubtful (kept in the model, listed for review with the evidence):
REVIEW_REASONS: tuple[str, ...] = ("dominant", "near_separation", "no_wins", "mostly_closed", "closed_level")
#: Left out while learning: too few leads, repeats another feature, constant, no clear effect, cannot be estimated.
MODEL_REASONS: tuple[str, ...] = ("sparse", "collinear", "constant", "not_significant", "diverges")
REASONS: tuple[str, ...] = (*LEAKAGE_REASONS, *NOT_LEAD_REASONS, *REVIEW_REASONS, *MODEL_REASONS)

#: A single field predicting this well (AUC alone) and this much better than the next best field is
#: listed for review (``dominant``): a call's duration, known only after the call, looked like this.
DOMINANT_AUC, DOMINANT_MARGIN = 0.8, 0.15
#: Leads with a value that are won or lost (share), above which a field counts as filled in once the
#: outcome is known: ``post_outcome`` (excluded) and ``mostly_closed`` (review), each needing this much
#: more than among the leads without a value.
CLOSED_ONLY, CLOSED_MOSTLY, CLOSED_GAP, CLOSED_GAP_MOSTLY = 0.98, 0.9, 0.5, 0.4
#: A value none of whose leads was won is listed (``no_wins``) when at least this many wins were expected.
NO_WINS_EXPECTED = 10.0


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(text).strip().lower()).strip("_")


# ------------------------------------------------------------------------------------------------
# Label, cut-offs and split
# ------------------------------------------------------------------------------------------------
def has_dates(leads: pd.DataFrame) -> bool:
    """True when creation dates exist and vary (a time split and an N-day window are possible)."""
    if "created_at" not in leads:
        return False
    c = leads["created_at"]
    return bool(c.notna().mean() >= 0.5 and c.dropna().nunique() > 1)


def label_within(outcomes: pd.DataFrame, data_end, window_days: int | None) -> pd.DataFrame:
    """``lead_id, label, eligible``: label = won within ``window_days`` of creation; eligible = the
    lead was created at least ``window_days`` before ``data_end`` (younger leads have not had the
    chance and are left out of the label). ``window_days=None`` or no dates: label = won, all eligible.
    ``attrs``: ``window_days``, ``too_recent`` (count excluded), ``kind`` ('window' | 'won (no dates)').
    """
    out = pd.DataFrame({"lead_id": outcomes["lead_id"].to_numpy()})
    dated = "created_at" in outcomes and outcomes["created_at"].notna().any() and data_end is not None
    if window_days is None or not dated:
        out["label"] = outcomes["won"].to_numpy(dtype=bool)
        out["eligible"] = True
        out.attrs.update(window_days=None, too_recent=0, kind="won (no dates)")
        return out
    age = (pd.Timestamp(data_end) - outcomes["created_at"]).dt.total_seconds() / 86400
    eligible = (age >= window_days).fillna(False).to_numpy(dtype=bool)
    within = outcomes["won"] & ((outcomes["won_at"] - outcomes["created_at"]).dt.total_seconds()
                                <= window_days * 86400).fillna(False)
    out["label"] = within.to_numpy(dtype=bool)
    out["eligible"] = eligible
    out.attrs.update(window_days=int(window_days), too_recent=int((~eligible).sum()), kind="window")
    return out


def feature_cutoffs(outcomes: pd.DataFrame, window_days: int | None = None, *, use: str = "outcome") -> pd.Series:
    """Per-lead cut-off (indexed by lead_id) before which activity may count as a feature.

    ``use='outcome'``: the outcome date (won_at / lost_at; open leads: none); ``use='mql'``: the MQL
    date when known, else the outcome date. With ``window_days`` the cut-off is never later than
    creation + N days (the label's window). Missing = no cut-off."""
    if use not in ("outcome", "mql"):
        raise ValueError("use must be 'outcome' or 'mql'")
    cut = outcomes["won_at"].where(outcomes["won"], outcomes["lost_at"].where(outcomes["lost"]))
    if use == "mql":
        cut = outcomes["mql_at"].where(outcomes["mql_at"].notna(), cut)
    if window_days is not None and outcomes["created_at"].notna().any():
        w = outcomes["created_at"] + pd.Timedelta(days=window_days)
        cut = cut.where(cut.notna() & (cut <= w), w)
    return pd.Series(cut.array, index=pd.Index(outcomes["lead_id"], name="lead_id"))


def split_train_test(leads: pd.DataFrame, *, test_share: float = 0.3, seed: int = 0) -> pd.Series:
    """``'train'`` / ``'test'`` per row of ``leads`` (same index).

    Time split: leads sorted by ``created_at`` (then lead_id); the most recent ``test_share`` are the
    test set, so every test lead is created at or after every training lead.
    Fallback without usable dates: a random split with ``numpy.random.default_rng(seed)``; ``attrs
    ['kind']`` says ``'random (no dates)'`` so reports can label it. ``attrs['boundary']`` is the first
    creation date of the test set (time split only)."""
    n = len(leads)
    n_test = int(round(n * test_share))
    out = pd.Series("train", index=leads.index, dtype="object")
    if has_dates(leads):
        order = leads.assign(_id=leads["lead_id"].astype(str)).sort_values(
            ["created_at", "_id"], kind="stable", na_position="first").index
        test_idx = order[n - n_test:] if n_test else order[:0]
        out.loc[test_idx] = "test"
        out.attrs["kind"] = "time"
        out.attrs["boundary"] = leads.loc[test_idx, "created_at"].min() if n_test else pd.NaT
    else:
        rng = np.random.default_rng(seed)
        pos = rng.permutation(n)[:n_test]
        out.iloc[np.sort(pos)] = "test"
        out.attrs["kind"] = "random (no dates)"
        out.attrs["boundary"] = pd.NaT
        out.attrs["seed"] = seed
    return out


# ------------------------------------------------------------------------------------------------
# AUC (DeLong), gains, calibration
# ------------------------------------------------------------------------------------------------
def auc_delong(y, score, alpha: float = 0.05) -> dict:
    """AUC with DeLong's variance: ``{'auc', 'se', 'ci_low', 'ci_high', 'n_pos', 'n_neg'}``.

    AUC = P(score_pos > score_neg) + ½ P(tie) (Mann–Whitney); placement values
    V10_i = (rank_all(x_i) − rank_pos(x_i)) / n, V01_j = 1 − (rank_all(y_j) − rank_neg(y_j)) / m,
    var = s²(V10)/m + s²(V01)/n; interval AUC ± z·se clipped to [0, 1]."""
    y = np.asarray(y, dtype=bool)
    s = np.asarray(score, dtype=float)
    pos, neg = s[y], s[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return {"auc": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_pos": m, "n_neg": n}
    r_all = _st.rankdata(np.concatenate([pos, neg]))
    r_pos, r_neg = _st.rankdata(pos), _st.rankdata(neg)
    auc = (r_all[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (r_all[:m] - r_pos) / n
    v01 = 1 - (r_all[m:] - r_neg) / m
    var = (np.var(v10, ddof=1) / m if m > 1 else 0.0) + (np.var(v01, ddof=1) / n if n > 1 else 0.0)
    se = math.sqrt(max(var, 0.0))
    z = _st.norm.ppf(1 - alpha / 2)
    return {"auc": float(auc), "se": se, "ci_low": float(max(0.0, auc - z * se)),
            "ci_high": float(min(1.0, auc + z * se)), "n_pos": m, "n_neg": n}


def _ranked(score: pd.Series, ids: pd.Series) -> np.ndarray:
    """Positions 0..n-1 by score descending, ties broken by lead_id (deterministic)."""
    df = pd.DataFrame({"s": np.asarray(score, dtype=float), "id": np.asarray(ids).astype(str)})
    order = df.sort_values(["s", "id"], ascending=[False, True], kind="stable").index.to_numpy()
    pos = np.empty(len(df), dtype=int)
    pos[order] = np.arange(len(df))
    return pos


def gains_table(score, y, ids, *, n_bins: int = 10, alpha: float = 0.05) -> pd.DataFrame:
    """Close rate, lift and cumulative capture by score decile (decile 1 = highest scores).

    Leads are ranked by score (ties by lead_id) and cut into ``n_bins`` groups of (almost) equal size.
    Columns: ``decile, n, customers, close_rate, ci_low, ci_high, min_score, lift (rate / base rate),
    cum_leads_share, cum_customers_share (gains), cum_lift``."""
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype=float)
    n = len(y)
    pos = _ranked(pd.Series(score), pd.Series(ids))
    decile = (pos * n_bins // max(n, 1)) + 1
    df = pd.DataFrame({"decile": decile, "y": y, "s": score})
    g = df.groupby("decile", sort=True).agg(n=("y", "size"), customers=("y", "sum"), min_score=("s", "min")).reset_index()
    g["customers"] = g["customers"].astype(int)
    base = y.mean() if n else np.nan
    g["close_rate"] = g["customers"] / g["n"]
    g["ci_low"], g["ci_high"] = wilson_interval(g["customers"], g["n"], alpha)
    g["lift"] = g["close_rate"] / base if base else np.nan
    g["cum_leads_share"] = g["n"].cumsum() / n
    g["cum_customers_share"] = g["customers"].cumsum() / max(int(y.sum()), 1)
    g["cum_lift"] = g["cum_customers_share"] / g["cum_leads_share"]
    return g[["decile", "n", "customers", "close_rate", "ci_low", "ci_high", "min_score", "lift",
              "cum_leads_share", "cum_customers_share", "cum_lift"]]


def calibration_table(prob, y, *, n_bins: int = 5, alpha: float = 0.05) -> pd.DataFrame:
    """Predicted vs observed close rate by band of predicted probability (equal-count bands).

    Columns: ``band`` (1 = lowest probabilities), ``n, predicted (mean), observed, ci_low, ci_high,
    within_ci, p_lo, p_hi`` (the band's lowest and highest predicted probability)."""
    p = np.asarray(prob, dtype=float)
    y = np.asarray(y, dtype=bool)
    ranks = _st.rankdata(p, method="ordinal") - 1
    band = ranks * n_bins // max(len(p), 1)
    df = pd.DataFrame({"b": band, "p": p, "y": y})
    g = df.groupby("b", sort=True).agg(n=("y", "size"), predicted=("p", "mean"), customers=("y", "sum"),
                                      p_lo=("p", "min"), p_hi=("p", "max")).reset_index(drop=True)
    g["observed"] = g["customers"] / g["n"]
    g["ci_low"], g["ci_high"] = wilson_interval(g["customers"], g["n"], alpha)
    g["within_ci"] = (g["predicted"] >= g["ci_low"]) & (g["predicted"] <= g["ci_high"])
    g.insert(0, "band", np.arange(1, len(g) + 1))
    return g[["band", "n", "predicted", "observed", "ci_low", "ci_high", "within_ci", "p_lo", "p_hi"]]


# ------------------------------------------------------------------------------------------------
# Candidate features and the leakage guard
# ------------------------------------------------------------------------------------------------
def scoring_frame(leads: pd.DataFrame, activities: pd.DataFrame | None = None, *,
                  before: pd.Series | None = None) -> pd.DataFrame:
    """Lead rows with ``n_<activity>`` counts (log events before ``before``, or the counters).

    ``attrs['source']`` is ``'log'``, ``'counters'`` or ``'none'``; ``attrs['activities']`` lists them."""
    counts = activity_counts(leads, activities, by="activity_type", before=before)
    frame = leads.reset_index(drop=True).copy()
    for a in counts.columns:
        frame[f"n_{a}"] = counts[a].to_numpy()
    frame.attrs["source"] = counts.attrs.get("source", "none")
    frame.attrs["activities"] = list(counts.columns)
    return frame


@dataclass
class Candidate:
    rule: Rule
    column: str
    kind: str  # 'activity' | 'category' | 'numeric' | 'unknown' | 'email'


def _group_of(col: str) -> str:
    n = _norm(col)
    if n.startswith("n_") or any(p in n for p in INTEREST_PATTERNS):
        return "interest"
    return "fit"


def _is_number_dtype(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def candidate_features(frame: pd.DataFrame, *, columns: list[str] | None = None, min_support: int = 30,
                       max_levels: int = 12) -> tuple[list[Candidate], pd.DataFrame]:
    """Binary candidate features as rules, and a report of the columns/levels not used.

    Returns (candidates, skipped) where skipped has ``column, rule, reason, n``."""
    cols = columns if columns is not None else [c for c in frame.columns if c not in NOT_FEATURES]
    cands: list[Candidate] = []
    skipped: list[dict] = []
    n = len(frame)
    for col in cols:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            continue
        grp = _group_of(col)
        if col.startswith("n_") and _is_number_dtype(s):
            v = pd.to_numeric(s, errors="coerce").fillna(0)
            doers = v[v > 0]
            rules = [Rule(col, ">=", 1.0, 0.0, group="interest")]
            if len(doers):
                q = float(np.floor(doers.quantile(0.75)))
                if q > 1:
                    rules.append(Rule(col, ">=", q, 0.0, group="interest"))
            for r in rules:
                cands.append(Candidate(r, col, "activity"))
            continue
        miss = s.isna() | s.astype("object").map(lambda x: isinstance(x, str) and not x.strip())
        if _is_number_dtype(s):
            v = pd.to_numeric(s, errors="coerce")
            if v.dropna().nunique() <= 1:
                skipped.append({"column": col, "rule": "", "reason": "constant", "n": int(v.notna().sum())})
                continue
            qs = sorted({_nice(float(v.quantile(0.5))), _nice(float(v.quantile(0.75)))})
            for q in qs:
                op = ">=" if q > v.min() else ">"
                cands.append(Candidate(Rule(col, op, q, 0.0, group=grp), col, "numeric"))
            if miss.sum() >= min_support and (~miss).sum() >= min_support:
                cands.append(Candidate(Rule(col, "is unknown", None, 0.0, group=grp), col, "unknown"))
            continue
        if pd.api.types.is_bool_dtype(s) or s.dtype == "boolean":
            cands.append(Candidate(Rule(col, "=", "True", 0.0, group=grp), col, "category"))
            continue
        txt = s.astype("object").where(~miss, None)
        counts = txt.dropna().map(lambda x: str(x).strip()).value_counts()
        levels = counts.index.tolist()
        if len(levels) < 1 or (len(levels) == 1 and not miss.any()):
            skipped.append({"column": col, "rule": "", "reason": "constant", "n": n})
            continue
        if len(levels) > 0.5 * n and len(levels) > max_levels:  # free text / identifiers
            skipped.append({"column": col, "rule": "", "reason": "sparse", "n": n})
            continue
        cats = [(lv, int(c)) for lv, c in counts.items()]
        if miss.sum():
            cats.append((None, int(miss.sum())))
        cats.sort(key=lambda t: (-t[1], "" if t[0] is None else str(t[0])))
        for lv, c in cats[1:]:  # cats[0], the most frequent level, is the reference
            rule = (Rule(col, "is unknown", None, 0.0, group=grp) if lv is None
                    else Rule(col, "=", lv, 0.0, group=grp))
            if c < min_support or len([x for x in cands if x.column == col]) >= max_levels:
                skipped.append({"column": col, "rule": rule.text, "reason": "sparse", "n": c})
                continue
            cands.append(Candidate(rule, col, "unknown" if lv is None else "category"))
    skipped_df = pd.DataFrame(skipped, columns=["column", "rule", "reason", "n"])
    return cands, skipped_df


def _nice(x: float) -> float:
    """A threshold people can type: whole numbers from 10 up, two decimals below."""
    return float(round(x)) if abs(x) >= 10 else round(x, 2)


@dataclass(frozen=True)
class _Coded:
    """A column as integer codes (one per distinct trimmed text value; -1: missing or blank) and the
    values' labels: every per-value count of the guard is a ``np.bincount`` over the codes, so a
    million leads cost one factorisation per column."""

    codes: np.ndarray
    labels: list[str]

    @property
    def known(self) -> np.ndarray:
        return self.codes >= 0

    def counts(self, weights=None) -> np.ndarray:
        """Leads (or the sum of ``weights``) per value, in label order."""
        k = self.known
        w = None if weights is None else np.asarray(weights, dtype=float)[k]
        return np.bincount(self.codes[k], weights=w, minlength=len(self.labels))


def _coded(s: pd.Series) -> _Coded:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    labels: dict[str, int] = {}
    remap = np.empty(len(uniques) + 1, dtype=np.int64)
    remap[-1] = -1  # the missing sentinel indexes the last slot
    for i, u in enumerate(uniques):
        text = str(u).strip()
        remap[i] = -1 if text == "" else labels.setdefault(text, len(labels))
    return _Coded(remap[codes], list(labels))


def _column_auc(s: pd.Series, y: np.ndarray, min_support: int = 1, coded: _Coded | None = None) -> float:
    """Single-field AUC, oriented (max(AUC, 1 − AUC)): numbers as they are; categories scored by the
    in-sample close rate of their level (missing is a level; levels with fewer than ``min_support``
    leads pooled into one, so a free-text field does not look predictive by memorising its rows)."""
    y = np.asarray(y, dtype=bool)
    if _is_number_dtype(s):
        v = pd.to_numeric(s, errors="coerce")
        v = v.fillna(v.min() - 1 if v.notna().any() else 0)
        a = auc_delong(y, v.to_numpy())["auc"]
    else:
        c = coded if coded is not None else _coded(s)
        code = np.where(c.codes >= 0, c.codes, len(c.labels))  # missing: its own level
        n = np.bincount(code, minlength=len(c.labels) + 1).astype(float)
        k = np.bincount(code, weights=y.astype(float), minlength=len(c.labels) + 1)
        small = n < min_support
        if small.any():  # pooled
            n = np.where(small, n[small].sum(), n)
            k = np.where(small, k[small].sum(), k)
        rate = np.divide(k, n, out=np.zeros_like(k), where=n > 0)
        a = auc_delong(y, rate[code])["auc"]
    return float(max(a, 1 - a)) if not np.isnan(a) else float("nan")


def _blank(s: pd.Series) -> np.ndarray:
    """True where the value is missing or blank text."""
    miss = s.isna().to_numpy(dtype=bool)
    if not _is_number_dtype(s) and not pd.api.types.is_bool_dtype(s):
        miss = miss | s.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    return miss


def _key(text: str) -> str:
    """A column name as lower-case words joined by ``_`` (``'LeadQuality'``, ``'Lead Quality'`` →
    ``'lead_quality'``; accents kept)."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", str(text).strip())
    return re.sub(r"[^0-9a-záéíóúñü]+", "_", text.lower()).strip("_")


def _name_matches(col: str, patterns: tuple[str, ...]) -> bool:
    """Does a pattern start a word of the column name (see :data:`LEAKY_NAME_PATTERNS`)?"""
    return re.search(r"(?:^|_)(?:" + "|".join(patterns) + ")", _key(col)) is not None


_QUARTER = (re.compile(r"^(\d{4})\s*[-/ ]?\s*[qQ]([1-4])$"), re.compile(r"^[qQ]([1-4])\s*[-/ ]?\s*(\d{4})$"))
_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T].*)?$")
_DMY_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$")


def _date_value(text: str) -> pd.Timestamp | None:
    """The start of a date or period written as text (``2025Q3``, ``Q3 2025``, ``2025-07``,
    ``2025-07-14``, ``14/07/2025``), else None."""
    t = text.strip()
    for i, rx in enumerate(_QUARTER):
        m = rx.match(t)
        if m:
            year, q = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
            return pd.Timestamp(int(year), 3 * int(q) - 2, 1)
    m = _MONTH.match(t)
    if m and 1 <= int(m.group(2)) <= 12:
        return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)
    if _ISO_DATE.match(t) or _DMY_DATE.match(t):
        v = pd.to_datetime(t, errors="coerce", dayfirst=not _ISO_DATE.match(t))
        if pd.notna(v):
            return pd.Timestamp(v).tz_localize(None) if v.tzinfo is not None else pd.Timestamp(v)
    return None


def _naive(created: pd.Series) -> pd.Series:
    return created.dt.tz_localize(None) if getattr(created.dt, "tz", None) is not None else created


def _calendar_evidence(s: pd.Series, col: str, created: pd.Series | None, min_support: int,
                       coded: _Coded | None = None) -> dict | None:
    """Why ``s`` is a date or a part of the calendar rather than a lead attribute, or None.

    - ``after_creation``: its values are dates or periods, and at least a fifth of them start after
      the lead was created (recorded later, e.g. the quarter a deal closed);
    - ``calendar_dates``: its values are dates or periods (no later than creation);
    - ``calendar_names``: its values are month or weekday names;
    - ``calendar_name``: its name is made of calendar and creation words (``created_month``, ``Fecha
      alta``, ``year``; not ``year_founded``);
    - ``calendar_creation``: its value follows the creation month: knowing the month a lead was
      created predicts the value (Goodman–Kruskal λ ≥ 0.9 over at least 3 months, 2 values of
      ``min_support`` leads), as a creation quarter exported under an unhelpful name would."""
    text = not _is_number_dtype(s) and not pd.api.types.is_bool_dtype(s)
    few = text or s.nunique(dropna=True) <= 60
    c = coded if coded is not None else (_coded(s) if few else None)
    if c is not None and not c.known.any():
        return None
    if text and len(c.labels) <= 5000:
        starts = [_date_value(v) for v in c.labels]
        counts = c.counts()
        dated = np.array([v is not None for v in starts], dtype=bool)
        if counts[dated].sum() >= 0.9 * counts.sum():
            if created is not None:
                when = np.array([v.value if v is not None else np.iinfo(np.int64).min for v in starts], dtype=np.int64)
                born = _naive(created).dt.normalize()
                ok = c.known & dated[np.maximum(c.codes, 0)] & born.notna().to_numpy()
                if ok.any():
                    after = when[c.codes[ok]] > born.to_numpy(dtype="datetime64[ns]")[ok].astype(np.int64)
                    if after.mean() >= 0.2:
                        return {"reason": "after_creation", "n": int(ok.sum()), "k": int(after.sum()),
                                "share": float(after.mean())}
            return {"reason": "calendar_dates"}
        if all(v.lower() in CALENDAR_NAMES for v in c.labels):
            return {"reason": "calendar_names"}
    words = set(_key(col).split("_"))
    if words & CALENDAR_WORDS and words <= CALENDAR_WORDS | CREATION_WORDS:
        return {"reason": "calendar_name"}
    if c is not None and created is not None and created.notna().sum() >= 3 * min_support:
        code = np.where(c.codes >= 0, c.codes, len(c.labels))  # missing: a level too
        n_levels = len(c.labels) + 1
        sizes = np.bincount(code, minlength=n_levels)
        if 2 <= (sizes > 0).sum() <= 60 and (sizes >= min_support).sum() >= 2:
            born = _naive(created)
            ok = born.notna().to_numpy()
            month = (born.dt.year * 12 + born.dt.month).to_numpy()[ok].astype(np.int64)
            month = month - month.min()
            n_months = int(month.max()) + 1
            if len(np.unique(month)) >= 3:
                tab = np.bincount(month * n_levels + code[ok], minlength=n_months * n_levels).reshape(n_months, n_levels)
                n, top = float(tab.sum()), float(tab.sum(axis=0).max())
                lam = (float(tab.max(axis=1).sum()) - top) / (n - top) if n > top else 0.0
                if lam >= 0.9:
                    return {"reason": "calendar_creation", "share": lam}
    return None


def _closed_evidence(s: pd.Series, status: np.ndarray, min_support: int) -> dict | None:
    """A field filled in once the outcome is known: among the leads with a value, the share won or
    lost (``status`` ``'won'``/``'lost'``/``'open'`` per value of ``s``; every lead, recent ones too,
    since a value known at creation also shows among leads still open) against the share among those
    without one. ``post_outcome`` when (almost) every lead with a value is closed (≥ :data:`CLOSED_ONLY`,
    half or more above the others), ``mostly_closed`` (review) when most are (≥ :data:`CLOSED_MOSTLY`);
    ``closed_level`` (review) when one value of ``min_support`` leads occurs almost only among closed
    leads (only when some leads are lost: otherwise closed means won, a case of ``near_separation``)."""
    closed = status != "open"
    overall = float(closed.mean()) if len(closed) else float("nan")
    if not len(closed) or overall > 0.8 or (~closed).sum() < min_support:
        return None  # nearly every lead has an outcome: filled-after cannot be told apart
    text = not _is_number_dtype(s)
    c = _coded(s) if text else None
    known = c.known if c is not None else ~_blank(s)
    n_known, n_blank = int(known.sum()), int((~known).sum())
    if n_known >= min_support and n_blank >= min_support:
        ck, cu = float(closed[known].mean()), float(closed[~known].mean())
        ev = {"n": n_known, "k": int(closed[known].sum()), "share": ck, "other": cu}
        if ck >= CLOSED_ONLY and ck - cu >= CLOSED_GAP:
            return {"reason": "post_outcome", **ev}
        if ck >= CLOSED_MOSTLY and ck - cu >= CLOSED_GAP_MOSTLY:
            return {"reason": "mostly_closed", **ev}
    if c is not None and (status == "lost").any():
        size, hit = c.counts(), c.counts(closed)
        share = np.divide(hit, size, out=np.zeros_like(hit), where=size > 0)
        cand = np.flatnonzero((size >= min_support) & (share >= CLOSED_ONLY))
        if len(cand):
            top = cand[np.argmax(size[cand])]
            return {"reason": "closed_level", "level": c.labels[top], "n": int(size[top]), "k": int(hit[top]),
                    "share": float(share[top])}
    return None


def _level_evidence(s: pd.Series, y: np.ndarray, min_support: int, coded: _Coded | None = None) -> list[dict]:
    """Values of a text field whose leads were all won (``separation``), almost all (``near_separation``,
    ≥ 98 %) or none where :data:`NO_WINS_EXPECTED` wins or more were expected (``no_wins``); values of
    at least ``min_support`` leads, the largest first ("no value" is a value: level None)."""
    y = np.asarray(y, dtype=bool)
    if _is_number_dtype(s) or not len(y) or y.mean() >= 0.9:
        return []
    base = float(y.mean())
    c = coded if coded is not None else _coded(s)
    code = np.where(c.codes >= 0, c.codes, len(c.labels))
    size = np.bincount(code, minlength=len(c.labels) + 1)
    wins = np.bincount(code, weights=y.astype(float), minlength=len(c.labels) + 1)
    out = []
    for i in sorted(np.flatnonzero(size >= min_support), key=lambda i: (-size[i], i)):
        level = c.labels[i] if i < len(c.labels) else None
        n, k = int(size[i]), int(round(wins[i]))
        ev = {"level": level, "n": n, "k": k, "share": k / n}
        if k == n:
            out.append({"reason": "separation", **ev})
        elif k / n >= 0.98:
            out.append({"reason": "near_separation", **ev})
        elif k == 0 and n * base >= NO_WINS_EXPECTED:
            out.append({"reason": "no_wins", **ev, "other": n * base})
    order = {"separation": 0, "near_separation": 1, "no_wins": 2}
    return sorted(out, key=lambda e: order[e["reason"]])


#: Columns of :func:`leakage_guard`'s table.
GUARD_COLUMNS = ["feature", "reason", "action", "auc", "level", "n", "k", "share", "other"]
#: Columns of ``Scorecard.excluded`` (``rule`` added: the Rule when the row is a candidate feature).
EXCLUDED_COLUMNS = ["feature", "reason", "auc", "detail", "level", "n", "k", "share", "other"]


def leakage_guard(frame: pd.DataFrame, y, columns: list[str], *, exclude: list[str] | None = None,
                  patterns: tuple[str, ...] = LEAKY_NAME_PATTERNS, auc_limit: float = 0.95,
                  min_support: int = 30, status: pd.DataFrame | None = None,
                  created: pd.Series | None = None) -> pd.DataFrame:
    """One row per column that is left out or doubtful, with the evidence.

    Columns: ``feature, reason`` (:data:`REASONS`), ``action`` (``'exclude'`` | ``'review'``), ``auc``
    (single-field, oriented), and the evidence the reason needs: ``level`` (a value of the field; None
    for "no value"), ``n`` (leads), ``k`` (of them won, or won/lost), ``share`` (k ÷ n), ``other`` (the
    comparison: the share among the other leads, the next best field's AUC, or the wins expected).

    Left out (``exclude``), the first that applies:
    ``configured`` (``scoring.exclude_features``); ``pii`` (personal contact data); ``name`` (a sales-side
    outcome word, :data:`LEAKY_NAME_PATTERNS`); ``sales_side`` (attempts, calls, owner: the sales work,
    not the lead; ``pii``: :func:`smk.io.pii.is_pii_column`); ``post_outcome`` (filled in only for leads won or lost: ``status``, a frame of every
    lead, recent ones too, with the same columns and an ``_status`` column 'won'|'lost'|'open'); dates and calendar
    parts (:data:`CALENDAR_REASONS`, ``after_creation`` when the dates fall after creation; ``created``
    is each lead's creation date); ``auc`` (single-field AUC ≥ ``auc_limit``); ``separation`` (a value of
    ``min_support`` leads all won).
    Listed for review (``review``, kept): ``dominant`` (AUC ≥ :data:`DOMINANT_AUC` and
    :data:`DOMINANT_MARGIN` above the next best field), ``near_separation``, ``no_wins``, ``mostly_closed``,
    ``closed_level``. Datetime columns are never features and are skipped."""
    y = np.asarray(y, dtype=bool)
    st = None if status is None else status["_status"].to_numpy()
    if created is not None:
        created = pd.Series(np.asarray(created), index=frame.index) if not isinstance(created, pd.Series) else created
        created = created.set_axis(frame.index) if len(created) == len(frame) else None
        if created is not None and not created.notna().any():
            created = None
    excl = {_norm(e) for e in (exclude or [])}
    rows, aucs, open_cols = [], {}, []
    coded: dict[str, _Coded] = {}
    for col in columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            continue
        if not _is_number_dtype(s):
            coded[col] = _coded(s)
        auc = _column_auc(s, y, min_support, coded.get(col))
        aucs[col] = auc
        counter = col.startswith("n_")
        ev = None
        if _norm(col) in excl or _norm(col.removeprefix("n_")) in excl:
            ev = {"reason": "configured"}
        elif is_pii_column(col):  # e-mails, phones (smk.io.pii): never a scoring rule
            ev = {"reason": "pii"}
        elif col not in NOT_FEATURES and not counter and _name_matches(col, patterns):
            ev = {"reason": "name"}
        elif col in SALES_SIDE_FIELDS or _name_matches(col, SALES_SIDE_NAME_PATTERNS):
            ev = {"reason": "sales_side"}
        else:
            if st is not None and not counter:
                ev = _closed_evidence(status[col], st, min_support)
                if ev is not None and ev["reason"] != "post_outcome":
                    ev = None  # doubtful only: reviewed below, once the clear cases are known
            if ev is None and not counter:
                ev = _calendar_evidence(s, col, created, min_support, coded.get(col))
            if ev is None and not np.isnan(auc) and auc >= auc_limit:
                ev = {"reason": "auc"}
            if ev is None:
                lev = _level_evidence(s, y, min_support, coded.get(col))
                if lev and lev[0]["reason"] == "separation":
                    ev = lev[0]
        if ev is not None:
            rows.append({"feature": col, "action": "exclude", "auc": auc, **ev})
        else:
            open_cols.append(col)
    # doubtful: kept in the model, listed for review with the evidence
    for col in open_cols:
        s = frame[col]
        auc = aucs[col]
        others = [a for c, a in aucs.items() if c != col and c in open_cols and not np.isnan(a)]
        nxt = max(others, default=0.5)
        ev = None
        if not np.isnan(auc) and auc >= DOMINANT_AUC and auc - nxt >= DOMINANT_MARGIN:
            ev = {"reason": "dominant", "other": nxt}
        if ev is None and not col.startswith("n_"):
            if st is not None:
                ev = _closed_evidence(status[col], st, min_support)
            if ev is None:
                lev = _level_evidence(s, y, min_support, coded.get(col))
                ev = lev[0] if lev else None
        if ev is not None:
            rows.append({"feature": col, "action": "review", "auc": auc, **ev})
    out = pd.DataFrame(rows, columns=GUARD_COLUMNS)
    order = {c: i for i, c in enumerate(columns)}
    out["_o"] = out["feature"].map(order)
    out = out.sort_values(["_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    for c in ("n", "k"):
        out[c] = out[c].astype("Int64")
    for c in ("auc", "share", "other"):
        out[c] = out[c].astype(float)
    out["level"] = out["level"].astype("object")
    return out


# ------------------------------------------------------------------------------------------------
# The model
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scorecard:
    """Result of :func:`learn_scorecard`. DataFrames are tidy; ``summary()`` gives the headline numbers."""

    coefficients: pd.DataFrame  # rule, field, operator, value, group, n, won, rate, beta, se, ci_low, ci_high, odds_ratio, pvalue, points
    rules: list[Rule]  # scorecard rules (points != 0), ready for apply_rules / a CRM
    excluded: pd.DataFrame  # EXCLUDED_COLUMNS (reason: REASONS; evidence level, n, k, share, other) + rule
    leakage: pd.DataFrame  # leakage_guard output + used (a scorecard rule uses the field), excluded (left out)
    scores: pd.DataFrame  # lead_id, created_at, split, eligible, label, points, probability, fired
    auc: dict  # test-window AUC with DeLong interval
    auc_train: dict
    gains: pd.DataFrame
    calibration: pd.DataFrame
    platt: tuple[float, float]  # (a, b): p = σ(a + b · points)
    split_kind: str  # 'time' | 'random (no dates)'
    split_boundary: object
    label_kind: str
    window_days: int | None
    too_recent: int
    points_to_double_odds: float
    base_points: float
    feature_source: str
    warnings: tuple[str, ...] = ()  # developer messages (also issued as LeakageWarning)
    closed_checked: bool = True  # enough open leads to tell fields filled in once the outcome is known

    def summary(self) -> pd.DataFrame:
        test = self.scores[self.scores["split"] == "test"]
        train = self.scores[self.scores["split"] == "train"]
        rows = [
            ("split", self.split_kind), ("train_leads", len(train)), ("test_leads", len(test)),
            ("test_customers", int(test["label"].sum())), ("too_recent_excluded", self.too_recent),
            ("auc_test", self.auc["auc"]), ("auc_ci_low", self.auc["ci_low"]), ("auc_ci_high", self.auc["ci_high"]),
            ("auc_train", self.auc_train["auc"]), ("rules", len(self.rules)),
            ("excluded_leaky", int(self.excluded["reason"].isin(list(LEAKAGE_REASONS)).sum())),
        ]
        return pd.DataFrame(rows, columns=["metric", "value"])


def _prune(X: pd.DataFrame, corr_limit: float = 0.95) -> tuple[list[str], list[dict]]:
    """Keep features in order unless constant, collinear (|r| ≥ ``corr_limit`` with a kept one) or
    linearly dependent on the kept ones and the intercept (R² of the feature on them ≥ 1 − 1e-8).

    Works on the k × k covariance matrix, so it is cheap for many leads."""
    kept: list[str] = []
    dropped: list[dict] = []
    if X.shape[1] == 0:
        return kept, dropped
    A = X.to_numpy(dtype=float)
    C = np.cov(A, rowvar=False, ddof=0).reshape(A.shape[1], A.shape[1])
    var = np.diag(C)
    cols = list(X.columns)
    for j, c in enumerate(cols):
        if var[j] <= 1e-12:
            dropped.append({"feature": c, "reason": "constant", "detail": ""})
            continue
        idx = [cols.index(k) for k in kept]
        partner = None
        if idx:
            r = C[j, idx] / np.sqrt(var[j] * var[idx])
            big = np.flatnonzero(np.abs(r) >= corr_limit)
            if len(big):
                partner = kept[int(big[0])]
            else:
                Ckk = C[np.ix_(idx, idx)]
                ckj = C[idx, j]
                beta = np.linalg.lstsq(Ckk, ckj, rcond=None)[0]
                r2 = float(ckj @ beta) / var[j]
                if r2 >= 1 - 1e-8:
                    partner = "combination"  # of the kept features
        if partner is not None:
            dropped.append({"feature": c, "reason": "collinear", "detail": partner})
            continue
        kept.append(c)
    return kept, dropped


def _backward(y: np.ndarray, X: pd.DataFrame, p_remove: float, p_batch: float = 0.5, res: LogitFit | None = None):
    """Backward elimination: refit without the least significant feature while its p ≥ ``p_remove``.
    To save fits, every feature with p ≥ ``p_batch`` (clearly no effect) goes in one step first.
    ``res``: the fit of ``X`` when the caller has it. Returns (fit, kept columns, removed [(feature, p)])."""
    removed: list[tuple[str, float]] = []
    res = _fit_logit(y, X) if res is None else res
    while X.shape[1] > 0:
        pv = res.pvalues.drop("const", errors="ignore").fillna(1.0).sort_values(ascending=False, kind="stable")
        if pv.iloc[0] < p_remove:
            break
        batch = [c for c in pv.index if pv[c] >= max(p_batch, p_remove)] or [pv.index[0]]
        removed += [(c, float(pv[c])) for c in batch]
        X = X.drop(columns=batch)
        res = _fit_logit(y, X, start=res.params)
    return res, X, removed


@dataclass
class LogitFit:
    """Maximum-likelihood logistic regression: coefficients with Wald standard errors, z-test
    p-values and intervals (the figures statsmodels' ``Logit(...).fit()`` reports)."""

    params: pd.Series
    bse: pd.Series
    iterations: int
    converged: bool

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * _st.norm.sf(np.abs(self.params / self.bse)), index=self.params.index)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        z = _st.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({0: self.params - z * self.bse, 1: self.params + z * self.bse})


def _fit_logit(y: np.ndarray, X: pd.DataFrame, start: pd.Series | None = None, *, maxiter: int = 100,
               tol: float = 1e-8) -> LogitFit:
    """Logistic regression with an intercept, by Newton–Raphson on covariate patterns.

    Leads with the same feature values are grouped (k customers out of n leads per distinct row);
    the binomial log-likelihood of the groups equals the leads' Bernoulli log-likelihood up to a
    constant, so the estimate is the per-lead MLE. Per step: gradient g = Xᵀ(k − n·p), information
    H = Xᵀ diag(n·p·(1−p)) X, β ← β + H⁻¹g, until max|Δβ| < ``tol``; SE = √diag(H⁻¹) at the
    estimate. ``start`` (e.g. the previous fit of a backward elimination) saves iterations.
    A coefficient beyond ±30 means (quasi-)separation: iterations stop and the caller drops it."""
    uniq, inv = row_patterns(X.to_numpy(dtype=float))
    n = np.bincount(inv, minlength=len(uniq)).astype(float)
    k = np.bincount(inv, weights=np.asarray(y, dtype=float), minlength=len(uniq))
    Z = np.column_stack([np.ones(len(uniq)), uniq])
    del uniq
    names = ["const", *X.columns]
    beta = np.zeros(Z.shape[1])
    if start is not None:
        beta = pd.Series(start, dtype=float).reindex(names).fillna(0.0).to_numpy()
    converged, it = False, 0
    H = np.eye(Z.shape[1])
    for it in range(1, maxiter + 1):
        p = 1 / (1 + np.exp(-np.clip(Z @ beta, -35, 35)))
        w = n * p * (1 - p)
        H = (Z * w[:, None]).T @ Z
        g = Z.T @ (k - n * p)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            converged = True
            break
        if np.max(np.abs(beta[1:]), initial=0.0) > 30:  # diverging: separation
            break
    p = 1 / (1 + np.exp(-np.clip(Z @ beta, -35, 35)))
    H = (Z * (n * p * (1 - p))[:, None]).T @ Z
    try:
        cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(H)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(cov))
    return LogitFit(pd.Series(beta, index=names), pd.Series(se, index=names), it, converged)


def learn_scorecard(leads: pd.DataFrame, outcomes: pd.DataFrame, activities: pd.DataFrame | None = None, *,
                    data_end=None, window_days: int | None = 90, cutoff: str = "outcome",
                    exclude_features: list[str] | None = None, leakage: str = "exclude",
                    allow_leaky: bool = False, points_to_double_odds: float = 20.0, base_points: float = 0.0,
                    min_support: int = 30, test_share: float = 0.3, seed: int = 0,
                    columns: list[str] | None = None, alpha: float = 0.05,
                    p_remove: float | None = 0.10) -> Scorecard:
    """Learn a points scorecard (see the module docstring for the method).

    ``leakage='exclude'`` (default) leaves out every column the guard flags; ``'flag'`` keeps
    AUC/separation-flagged columns in the model but still warns. ``allow_leaky=True`` keeps even the
    configured / name-matched columns (used to show how much a leaky field inflates the AUC).
    ``p_remove``: backward elimination keeps the scorecard short — the least significant feature is
    removed and the model refitted while its p-value is ≥ ``p_remove`` (None keeps every feature);
    removed features are reported in ``excluded`` (reason ``not_significant``).
    Issues a :class:`LeakageWarning` naming each column flagged by AUC or separation."""
    if leakage not in ("exclude", "flag"):
        raise ValueError("leakage must be 'exclude' or 'flag'")
    lab = label_within(outcomes, data_end, window_days if has_dates(leads) else None)
    cut = feature_cutoffs(outcomes, lab.attrs["window_days"], use=cutoff)
    frame = scoring_frame(leads, activities, before=cut)
    frame["_label"] = lab["label"].to_numpy()
    frame["_eligible"] = lab["eligible"].to_numpy()
    frame["_status"] = outcomes["status"].to_numpy()
    el = frame[frame["_eligible"]].copy()
    split = split_train_test(el, test_share=test_share, seed=seed)
    el["_split"] = split
    train = el[el["_split"] == "train"]
    y_train = train["_label"].to_numpy(dtype=bool)
    min_events = 10
    if y_train.sum() < min_events or (~y_train).sum() < min_events:
        raise NotEnoughToLearn(int(y_train.sum()), int((~y_train).sum()), min_events)

    feat_cols = columns if columns is not None else [
        c for c in frame.columns if c not in NOT_FEATURES and not c.startswith("_")]
    guard = leakage_guard(train, y_train, feat_cols, exclude=exclude_features, min_support=min_support,
                          status=frame,
                          created=train["created_at"] if "created_at" in train and has_dates(leads) else None)
    msgs = []
    for row in guard[guard["reason"].isin(BEHAVIOUR_REASONS)].itertuples(index=False):
        msg = f"Possible leakage: {row.feature!r} ({row.reason}, AUC alone {row.auc:.2f})."
        msgs.append(msg)
        warnings.warn(msg, LeakageWarning, stacklevel=2)
    drop_reasons = set(NOT_LEAD_REASONS)
    if not allow_leaky:
        drop_reasons |= {"configured", "name"}
    if leakage == "exclude":
        drop_reasons |= set(BEHAVIOUR_REASONS)
    leaky = set(guard.loc[guard["reason"].isin(drop_reasons), "feature"])
    use_cols = [c for c in feat_cols if c not in leaky]

    cands, skipped = candidate_features(train, columns=use_cols, min_support=min_support)
    X = pd.DataFrame({c.rule.text: evaluate(c.rule, train[c.column]).to_numpy(dtype=float) for c in cands},
                     index=train.index)
    support = X.sum()
    sparse = [c for c in X.columns if support[c] < min_support or (len(X) - support[c]) < min_support]
    excluded_rows = [{"feature": r["rule"] or r["column"], "reason": r["reason"], "auc": np.nan,
                      "detail": ""} for r in skipped.to_dict("records")]
    excluded_rows += [{"feature": c, "reason": "sparse", "auc": np.nan, "detail": f"{int(support[c])}"} for c in sparse]
    X = X.drop(columns=sparse)
    kept, dropped = _prune(X)
    excluded_rows += [{**d, "auc": np.nan} for d in dropped]
    X = X[kept]
    cand_by_text = {c.rule.text: c for c in cands}

    res = _fit_logit(y_train, X)
    # quasi-separation: enormous coefficients; drop and refit (reported)
    for _ in range(5):
        big = [c for c in X.columns if abs(res.params.get(c, 0.0)) > 12 or not np.isfinite(res.bse.get(c, np.nan))]
        if not big:
            break
        for c in big:  # the model cannot estimate it: (almost) every or no lead with it was won
            m = X[c].to_numpy(dtype=bool)
            excluded_rows.append({"feature": c, "reason": "diverges", "auc": np.nan, "detail": "",
                                  "n": int(m.sum()), "k": int(y_train[m].sum())})
        X = X.drop(columns=big)
        res = _fit_logit(y_train, X)
    if p_remove is not None and p_remove < 1:
        res, X, removed = _backward(y_train, X, p_remove, res=res)
        excluded_rows += [{"feature": c, "reason": "not_significant", "auc": np.nan, "detail": f"{p:.2f}"}
                          for c, p in removed]
    ci = res.conf_int(alpha)
    factor = points_to_double_odds / math.log(2)
    coef_rows = []
    rules: list[Rule] = []
    for c in X.columns:
        cand = cand_by_text[c]
        beta = float(res.params[c])
        pts = int(round(factor * beta))
        mask = X[c].to_numpy(dtype=bool)
        k = int(y_train[mask].sum())
        coef_rows.append({"rule": c, "field": cand.rule.field, "operator": cand.rule.operator,
                          "value": cand.rule.value, "group": cand.rule.group, "n": int(mask.sum()), "won": k,
                          "rate": k / mask.sum(), "beta": beta, "se": float(res.bse[c]),
                          "ci_low": float(ci.loc[c, 0]), "ci_high": float(ci.loc[c, 1]),
                          "odds_ratio": math.exp(beta), "pvalue": float(res.pvalues[c]), "points": pts})
        if pts != 0:
            rules.append(Rule(cand.rule.field, cand.rule.operator, cand.rule.value, float(pts), group=cand.rule.group))
    rules.sort(key=lambda r: (r.group != "interest", -r.points, r.text))
    coefs = pd.DataFrame(coef_rows, columns=["rule", "field", "operator", "value", "group", "n", "won", "rate", "beta",
                                             "se", "ci_low", "ci_high", "odds_ratio", "pvalue", "points"])
    coefs = coefs.sort_values(["points", "rule"], ascending=[False, True], kind="stable").reset_index(drop=True)

    applied = apply_rules(el, rules, base_points=base_points)
    el["_points"] = applied["score"].to_numpy()
    el["_fired"] = applied["fired"].to_numpy()
    # Platt scaling on the training window: p = σ(a + b · points)
    tr = el["_split"] == "train"
    platt = _fit_logit(el.loc[tr, "_label"].to_numpy(dtype=bool), el.loc[tr, ["_points"]])
    a, b = float(platt.params["const"]), float(platt.params["_points"])
    el["_prob"] = 1 / (1 + np.exp(-(a + b * el["_points"])))

    te = el[el["_split"] == "test"]
    y_test = te["_label"].to_numpy(dtype=bool)
    auc = auc_delong(y_test, te["_points"].to_numpy(), alpha)
    auc_train = auc_delong(el.loc[tr, "_label"].to_numpy(dtype=bool), el.loc[tr, "_points"].to_numpy(), alpha)
    gains = gains_table(te["_points"], y_test, te["lead_id"], alpha=alpha) if len(te) else pd.DataFrame()
    calib = calibration_table(te["_prob"], y_test, alpha=alpha) if len(te) else pd.DataFrame()

    guard_rows = [{**r, "detail": ""} for r in guard.to_dict("records") if r["feature"] in leaky]
    excluded = pd.DataFrame(guard_rows + excluded_rows, columns=EXCLUDED_COLUMNS)
    for c in ("n", "k"):
        excluded[c] = excluded[c].astype("Int64")
    all_cands = {c.rule.text: c.rule for c in cands}
    excluded["rule"] = [all_cands.get(f) for f in excluded["feature"]]  # the Rule when the row is a feature
    guard = guard.assign(used=guard["feature"].isin({r.field for r in rules}),
                         excluded=guard["feature"].isin(leaky))

    scores = pd.DataFrame({
        "lead_id": el["lead_id"].to_numpy(),
        "created_at": el["created_at"].to_numpy() if "created_at" in el else pd.NaT,
        "split": el["_split"].to_numpy(), "label": el["_label"].to_numpy(dtype=bool),
        "points": el["_points"].to_numpy(), "probability": el["_prob"].to_numpy(), "fired": el["_fired"].to_numpy(),
    })
    return Scorecard(
        coefficients=coefs, rules=rules, excluded=excluded, leakage=guard, scores=scores, auc=auc,
        auc_train=auc_train, gains=gains, calibration=calib, platt=(a, b), split_kind=split.attrs["kind"],
        split_boundary=split.attrs.get("boundary"), label_kind=lab.attrs["kind"], window_days=lab.attrs["window_days"],
        too_recent=lab.attrs["too_recent"], points_to_double_odds=points_to_double_odds, base_points=base_points,
        feature_source=frame.attrs.get("source", "none"), warnings=tuple(msgs),
        closed_checked=bool((frame["_status"] != "open").mean() <= 0.8 and (frame["_status"] == "open").sum() >= min_support))


def probability(points, platt: tuple[float, float]) -> np.ndarray:
    """Calibrated probability of becoming a customer within N days: σ(a + b · points)."""
    a, b = platt
    return 1 / (1 + np.exp(-(a + b * np.asarray(points, dtype=float))))


__all__ = ["BEHAVIOUR_REASONS", "CALENDAR_NAMES", "CALENDAR_REASONS", "CALENDAR_WORDS", "CREATION_WORDS", "DOMINANT_AUC", "DOMINANT_MARGIN",
           "EXCLUDED_COLUMNS", "GUARD_COLUMNS", "LEAKAGE_REASONS", "LEAKY_NAME_PATTERNS", "MODEL_REASONS", "NOT_FEATURES",
           "NOT_LEAD_REASONS", "REASONS", "REVIEW_REASONS", "SALES_SIDE_FIELDS", "SALES_SIDE_NAME_PATTERNS",
           "LeakageWarning", "NotEnoughToLearn", "Scorecard", "auc_delong", "calibration_table", "candidate_features",
           "feature_cutoffs", "gains_table", "has_dates", "label_within", "leakage_guard", "learn_scorecard",
           "probability", "scoring_frame", "split_train_test"]
