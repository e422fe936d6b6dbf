"""Notebook 02: defining the MQL with data — activity close rates, fit × interest, scoring, threshold.

Method: seed 000 chapter 2 (``../shared/docs/DOMAIN.md`` §2), seeds 003 and 004. Compute only: the
notebook's words, tables and plots are in :mod:`smk.views.scoring`.

- :func:`activity_close_rates` — the seed's method: per activity (or asset), customers who did it ÷
  leads who did it, with Wilson 95 % intervals; the *average activity close rate* is the unweighted
  mean of the per-activity close rates (as the seed computes it); each activity is tested against
  it (exact binomial test) with Benjamini–Hochberg correction; small groups are flagged, not ranked.
  Only activity before the lead's outcome (or MQL) date counts.
- :func:`fit_interest` / :func:`quadrant_table` — the seed's 2 × 2 matrix (its actions: catalogue
  ``scoring.actions.<quadrant>``).
- Rules engine: :mod:`smk.analyses.rules`; learned scorecard and evaluation: :mod:`smk.analyses.scorecard`.
- :func:`threshold_table`, :func:`sales_capacity`, :func:`recommend_threshold` — the MQL threshold
  sales can honour.
- :func:`analyse` — everything notebook 02 shows, as a :class:`ScoringResult`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses.base import Headline, Missing, Result
from smk.analyses.features import activity_done
from smk.analyses.outcomes import OutcomeCoverage, lead_outcomes, outcome_coverage, won_within
from smk.analyses.rules import Rule, UnknownField, apply_rules, config_rules, parse_rules, rules_table
from smk.analyses.scorecard import (BEHAVIOUR_REASONS, LeakageWarning, NotEnoughToLearn, Scorecard, feature_cutoffs,
                                    learn_scorecard)
from smk.analyses.stats import bh_adjust, wilson_interval
from smk.io.schema import ACTIVITY_TYPES

#: The seed's four quadrants (seed 000 ch. 2), in the order tables show them; their names and
#: recommended actions are catalogue texts (``scoring.values.quadrant.<code>``, ``scoring.actions.<code>``).
QUADRANTS: tuple[str, ...] = ("high_fit_high_interest", "high_fit_low_interest", "low_fit_high_interest",
                              "low_fit_low_interest")

#: The least test AUC (rounded to two decimals, as the report shows it) for the scorecard to set a
#: threshold or an MQL definition; below it, or when the AUC's 95 % interval reaches 0.5 (a coin toss),
#: the notebook says the model is not clearly better than chance and recommends nothing. Hosmer,
#: Lemeshow & Sturdivant (*Applied Logistic Regression*, 3rd ed., 2013, ch. 5) call 0.5–0.7 "poor"
#: discrimination; the playbook draws its line inside that band, at 0.6: below it a threshold would
#: sort leads little better than at random.
AUC_FLOOR = 0.6

#: Sections of notebook 02 that need the learned scorecard.
MODEL_SECTIONS: tuple[str, ...] = ("scorecard", "excluded", "calibration", "evaluation", "gains", "leakage",
                                   "thresholds", "definition", "explorer")
#: Sections that need scorecard rules (not shown when the model kept no rule).
RULE_SECTIONS: tuple[str, ...] = ("calibration", "evaluation", "gains", "thresholds", "definition", "explorer")


def crm_names(client) -> dict[str, str]:
    """Canonical lead column -> the client's own column name (from client.yml), for CRM-ready tables."""
    tc = client.config.tables.get("leads")
    return dict(tc.columns) if tc is not None else {}


def crm_values(client) -> dict[str, dict[str, str]]:
    """Canonical value -> the client's own value per lead column (inverse of client.yml ``values``;
    the first source value wins when several map to one canonical value)."""
    tc = client.config.tables.get("leads")
    out: dict[str, dict[str, str]] = {}
    for col, mapping in (tc.values if tc is not None else {}).items():
        inv: dict[str, str] = {}
        for src, canon in mapping.items():
            inv.setdefault(str(canon), str(src))
        out[col] = inv
    return out



def coverage(client) -> OutcomeCoverage:
    """Which creation months the outcome data cover (:func:`smk.analyses.outcomes.outcome_coverage`)."""
    return outcome_coverage(client)


def covered_outcomes(client) -> pd.DataFrame:
    """:func:`~smk.analyses.outcomes.lead_outcomes` of the leads the outcome data cover, in the leads'
    order: leads created before the outcome export starts have an unknown outcome, not a lost one, so
    they stay out of every rate, test and model of this notebook. All leads when coverage is complete
    (or the data have no dates)."""
    oc = lead_outcomes(client)
    cov = outcome_coverage(client)
    if not cov.partial:
        return oc
    return oc[cov.mask(oc["created_at"]).to_numpy(dtype=bool)].reset_index(drop=True)


def _leads_of(client, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The lead rows of ``outcomes`` (same order: both follow the leads' order)."""
    leads = client.leads
    if len(outcomes) == len(leads):
        return leads.reset_index(drop=True)
    return leads[leads["lead_id"].isin(outcomes["lead_id"]).to_numpy()].reset_index(drop=True)


def model_quality(auc: Mapping[str, Any]) -> str:
    """Is the scorecard clearly better than chance on the leads it has not seen?

    ``'usable'``: the AUC's 95 % interval lies above 0.5 and the AUC (two decimals) reaches
    :data:`AUC_FLOOR`; ``'chance'``: the interval includes 0.5; ``'weak'``: above chance but below the
    floor; ``'unknown'``: no AUC (no customer or no other lead among the test leads)."""
    a, lo = float(auc.get("auc", np.nan)), float(auc.get("ci_low", np.nan))
    if np.isnan(a):
        return "unknown"
    if np.isnan(lo) or lo <= 0.5:
        return "chance"
    return "usable" if round(a, 2) >= AUC_FLOOR else "weak"


# ------------------------------------------------------------------------------------------------
# 1. Activity close rates (the seed's method)
# ------------------------------------------------------------------------------------------------
def activity_close_rates(leads: pd.DataFrame, outcomes: pd.DataFrame, activities: pd.DataFrame | None = None, *,
                         by: str = "activity_type", cutoff: str = "outcome", data_end=None,
                         min_age_days: int | None = None, window_days: int | None = None,
                         min_group_size: int = 30, alpha: float = 0.05) -> pd.DataFrame:
    """Close rate of the leads who did each activity (seed 000 ch. 2).

    For activity a: n_a = leads who did a (before their cut-off), k_a = those who became customers,
    rate_a = k_a / n_a with a Wilson interval. Average activity close rate r̄ = mean of rate_a over the
    activities not too small (unweighted, as the seed computes "el porcentaje de cierre promedio de
    todas sus actividades"); base rate = customers / leads. p_a = two-sided exact binomial test of
    k_a out of n_a against r̄ (r̄ taken as a fixed reference); q_a = Benjamini–Hochberg over the
    activities not too small; significant when q_a < alpha.

    ``by``: ``'activity_type'`` or ``'asset'`` (asset within type, from the log: ``'type · asset'``).
    ``cutoff``: ``'outcome'`` (activity before won/lost date) or ``'mql'`` (before the MQL date when
    known). ``min_age_days`` with ``data_end`` keeps only leads old enough to have closed.

    Columns: ``activity, n, customers, rate, ci_low, ci_high, lift_vs_average, lift_vs_base, pvalue,
    qvalue, too_small, significant, direction ('above'|'below'|''), rank`` (1 = highest rate among the
    activities not too small; too small ones last, unranked). attrs: ``base_rate``, ``average_rate``,
    ``n_leads``, ``customers``, ``source`` ('log'|'counters'|'none'), ``cutoff_applied`` (bool).
    """
    if by not in ("activity_type", "asset"):
        raise ValueError("by must be 'activity_type' or 'asset'")
    keep = pd.Series(True, index=outcomes.index)
    dated = data_end is not None and outcomes["created_at"].notna().any()
    min_age = max([d for d in (min_age_days, window_days) if d is not None], default=None)
    if min_age is not None and dated:
        age = (pd.Timestamp(data_end) - outcomes["created_at"]).dt.total_seconds() / 86400
        keep = (age >= min_age).fillna(False)
    oc = outcomes[keep.to_numpy()].reset_index(drop=True)
    if window_days is not None and dated:
        oc = oc.assign(won=won_within(oc, window_days).to_numpy(dtype=bool))
    pop = leads.set_index("lead_id").loc[oc["lead_id"]].reset_index()
    acts, key = activities, "activity_type"
    if by == "asset":
        if activities is None or not len(activities) or "asset" not in activities:
            raise ValueError("by='asset' needs an activities log with an asset column")
        key = ("activity_type", "asset")  # counted as "<type> · <asset>"
    before = feature_cutoffs(oc, None, use=cutoff)
    did = activity_done(pop, acts, by=key, before=before)
    won = oc["won"].to_numpy(dtype=bool)
    rows = []
    for a in did.columns:
        m = did[a].to_numpy()
        rows.append({"activity": a, "n": int(m.sum()), "customers": int((m & won).sum())})
    df = pd.DataFrame(rows, columns=["activity", "n", "customers"])
    df = df[df["n"] > 0].reset_index(drop=True)
    base = float(won.mean()) if len(won) else np.nan
    df["rate"] = df["customers"] / df["n"]
    df["ci_low"], df["ci_high"] = wilson_interval(df["customers"], df["n"], alpha)
    df["too_small"] = df["n"] < min_group_size
    ref = df.loc[~df["too_small"], "rate"]
    avg = float(ref.mean()) if len(ref) else float(df["rate"].mean()) if len(df) else np.nan
    df["lift_vs_average"] = df["rate"] / avg if avg else np.nan
    df["lift_vs_base"] = df["rate"] / base if base else np.nan
    df["pvalue"] = [float(_st.binomtest(int(k), int(n), avg).pvalue) if 0 < avg < 1 else np.nan
                    for k, n in zip(df["customers"], df["n"])]
    df["qvalue"] = bh_adjust(df["pvalue"].where(~df["too_small"]))
    df["significant"] = (df["qvalue"] < alpha) & ~df["too_small"]
    df["direction"] = np.where(df["significant"], np.where(df["rate"] > avg, "above", "below"), "")
    df = df.sort_values(["too_small", "rate", "activity"], ascending=[True, False, True], kind="stable")
    df = df.reset_index(drop=True)
    df["rank"] = pd.array([i + 1 if not s else pd.NA for i, s in enumerate(df["too_small"])], dtype="Int64")
    df.attrs.update(base_rate=base, average_rate=avg, n_leads=int(len(oc)), customers=int(won.sum()),
                    window_days=window_days if dated else None,
                    source=did.attrs.get("source", "none"),
                    cutoff_applied=did.attrs.get("source") == "log", by=by, cutoff=cutoff)
    return df[["activity", "n", "customers", "rate", "ci_low", "ci_high", "lift_vs_average", "lift_vs_base",
               "pvalue", "qvalue", "too_small", "significant", "direction", "rank"]]


def close_rates(client, by: str = "activity_type", cutoff: str = "outcome", outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`activity_close_rates` for a loaded client: customer = won within
    ``analysis.close_window_days``, among leads at least that old (as notebook 03) and created in a
    month the outcome data cover (:func:`covered_outcomes`, unless ``outcomes`` are given)."""
    a = client.config.analysis
    oc = outcomes if outcomes is not None else covered_outcomes(client)
    return activity_close_rates(client.leads, oc, client.activities, by=by, cutoff=cutoff,
                                data_end=client.data_end, window_days=a.close_window_days,
                                min_group_size=a.min_group_size, alpha=a.alpha)


def activity_rules_from_rates(rates: pd.DataFrame, *, max_points: float = 30.0) -> list[Rule]:
    """The seed's "use the close rates to set the points": each activity significantly above the
    average gets ``round(max_points × (lift_vs_average − 1) / (max lift − 1))`` points (≥ 1) for
    ``n_<activity> >= 1``; group ``interest``."""
    sig = rates[rates["significant"] & (rates["direction"] == "above")]
    if sig.empty:
        return []
    top = float(sig["lift_vs_average"].max())
    out = []
    for row in sig.itertuples(index=False):
        pts = max_points if top <= 1 else max(1.0, round(max_points * (row.lift_vs_average - 1) / (top - 1)))
        out.append(Rule(f"n_{row.activity}", ">=", 1.0, float(pts), group="interest"))
    return out


# ------------------------------------------------------------------------------------------------
# 2. Fit × interest
# ------------------------------------------------------------------------------------------------
def fit_interest(leads: pd.DataFrame, fit_rules, interest_rules, *, activities: pd.DataFrame | None = None,
                 as_of=None, fit_threshold: float | None = None, interest_threshold: float | None = None,
                 group_caps: dict[str, float] | None = None) -> pd.DataFrame:
    """Per lead: ``lead_id, fit, interest, fit_high, interest_high, quadrant``.

    fit / interest = points of the fit / interest rules (:func:`smk.analyses.rules.apply_rules`). High means
    ≥ the threshold; without a threshold, > the median score of the leads (so "high" is the better
    half; if every lead ties, nobody is high). attrs: ``fit_threshold``, ``interest_threshold``,
    ``threshold_source`` ('config' | 'median'). Rules without a group count as ``fit`` / ``interest``,
    so ``group_caps={'fit': 50, 'interest': 60}`` caps each score."""
    fr = apply_rules(leads, parse_rules(fit_rules, default_group="fit"), activities=activities, as_of=as_of,
                     group_caps=group_caps)
    ir = apply_rules(leads, parse_rules(interest_rules, default_group="interest"), activities=activities, as_of=as_of,
                     group_caps=group_caps)
    out = pd.DataFrame({"lead_id": fr["lead_id"], "fit": fr["score"], "interest": ir["score"]})
    src = "config"
    if fit_threshold is None:
        src = "median"
        fh = out["fit"] > out["fit"].median()
    else:
        fh = out["fit"] >= fit_threshold
    if interest_threshold is None:
        src = "median"
        ih = out["interest"] > out["interest"].median()
    else:
        ih = out["interest"] >= interest_threshold
    out["fit_high"] = fh.to_numpy(dtype=bool)
    out["interest_high"] = ih.to_numpy(dtype=bool)
    out["quadrant"] = np.select(
        [out["fit_high"] & out["interest_high"], out["fit_high"] & ~out["interest_high"],
         ~out["fit_high"] & out["interest_high"]],
        ["high_fit_high_interest", "high_fit_low_interest", "low_fit_high_interest"], "low_fit_low_interest")
    out.attrs.update(fit_threshold=fit_threshold if fit_threshold is not None else float(out["fit"].median()),
                     interest_threshold=(interest_threshold if interest_threshold is not None
                                         else float(out["interest"].median())), threshold_source=src)
    return out


def quadrant_table(per_lead: pd.DataFrame, outcome: pd.Series, *, alpha: float = 0.05,
                   min_group_size: int = 30) -> pd.DataFrame:
    """Counts and close rate (Wilson CI) for each quadrant (all four, always, in :data:`QUADRANTS` order).

    ``outcome``: boolean per row of ``per_lead`` (e.g. won). Columns: ``quadrant, n, share, customers,
    rate, ci_low, ci_high, too_small``."""
    y = np.asarray(outcome, dtype=bool)
    rows = []
    for q in QUADRANTS:
        m = (per_lead["quadrant"] == q).to_numpy()
        n, k = int(m.sum()), int((m & y).sum())
        rows.append({"quadrant": q, "n": n, "share": n / max(len(per_lead), 1), "customers": k,
                     "rate": k / n if n else np.nan})
    df = pd.DataFrame(rows)
    df["ci_low"], df["ci_high"] = wilson_interval(df["customers"], df["n"], alpha)
    df["too_small"] = df["n"] < min_group_size
    return df[["quadrant", "n", "share", "customers", "rate", "ci_low", "ci_high", "too_small"]]


def default_fit_interest_rules(scorecard: Scorecard) -> tuple[list[Rule], list[Rule]]:
    """Fit and interest rules when client.yml has none: the learned scorecard's rules split by group."""
    return ([r for r in scorecard.rules if r.group != "interest"],
            [r for r in scorecard.rules if r.group == "interest"])


def quadrants(client, scorecard: Scorecard | None = None,
              outcomes: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-lead quadrants, quadrant table) for a client: rules from ``scoring.fit_rules`` /
    ``scoring.interest_rules``, else the learned scorecard split by group; population and outcome as
    in :func:`close_rates` (won within N days, leads at least N days old, created in a month the outcome
    data cover; without dates: every lead, outcome = won); activity counted before the outcome date and
    within the N-day window, as the scorecard learned it."""
    cfg = client.config.scoring
    fit_r, int_r = parse_rules(cfg.fit_rules, default_group="fit"), parse_rules(cfg.interest_rules, default_group="interest")
    source = "config"
    if (not fit_r or not int_r) and scorecard is not None:
        dfit, dint = default_fit_interest_rules(scorecard)
        fit_r, int_r = fit_r or dfit, int_r or dint
        source = "learned"
    oc = covered_outcomes(client) if outcomes is None else outcomes
    a = client.config.analysis
    leads = _leads_of(client, oc)
    dated = oc["created_at"].notna().any() and pd.notna(client.data_end)
    window = a.close_window_days if dated else None
    if dated:
        age = (pd.Timestamp(client.data_end) - oc["created_at"]).dt.total_seconds() / 86400
        keep = (age >= a.close_window_days).fillna(False).to_numpy()
        leads = leads[keep].reset_index(drop=True)
        oc = oc[keep].reset_index(drop=True)
        oc = oc.assign(won=won_within(oc, a.close_window_days).to_numpy(dtype=bool))
    as_of = None
    if client.activities is not None:
        as_of = feature_cutoffs(oc, window)
        as_of = as_of.fillna(pd.Timestamp(client.data_end)) if dated else (as_of if as_of.notna().any() else None)
    per = fit_interest(leads, fit_r, int_r, activities=client.activities, as_of=as_of,
                       fit_threshold=cfg.fit_threshold, interest_threshold=cfg.interest_threshold,
                       group_caps=cfg.group_caps)
    table = quadrant_table(per, oc["won"], alpha=a.alpha, min_group_size=a.min_group_size)
    table.attrs.update(per.attrs, rules_source=source)
    return per, table


# ------------------------------------------------------------------------------------------------
# 3-6. Learned scorecard for a client
# ------------------------------------------------------------------------------------------------
def learn(client, *, test_share: float | None = None, seed: int = 0, leakage: str = "exclude") -> Scorecard:
    """:func:`smk.analyses.scorecard.learn_scorecard` with the client's settings: N = ``analysis.close_window_days``,
    ``scoring.exclude_features``, ``points_to_double_odds``, ``base_points``, ``analysis.min_group_size``;
    trained and tested on the leads created in months the outcome data cover (:func:`covered_outcomes`)."""
    s, a = client.config.scoring, client.config.analysis
    oc = covered_outcomes(client)
    return learn_scorecard(_leads_of(client, oc), oc, client.activities, data_end=client.data_end,
                           window_days=a.close_window_days, exclude_features=s.exclude_features, leakage=leakage,
                           points_to_double_odds=s.points_to_double_odds, base_points=s.base_points,
                           min_support=a.min_group_size, test_share=s.test_share if test_share is None else test_share,
                           seed=seed, alpha=a.alpha)


def scorecard_table(sc: Scorecard) -> pd.DataFrame:
    """The learned rules in the CRM's Field / Operator / Value / Points form (what to type into the
    CRM), in the scorecard's order, with each rule's leads, close rate and coefficient interval
    (log-odds) in the training window. Columns: ``field, operator, value, points, group, n, rate,
    ci_low, ci_high`` (canonical fields, operators and values: the view names them as the CRM does)."""
    tab = rules_table(sc.rules)[["field", "operator", "value", "points", "group"]]
    coefs = sc.coefficients.set_index("rule")
    texts = [r.text for r in sc.rules]
    extra = pd.DataFrame({"n": [int(coefs.loc[t, "n"]) for t in texts], "rate": [coefs.loc[t, "rate"] for t in texts],
                          "ci_low": [coefs.loc[t, "ci_low"] for t in texts], "ci_high": [coefs.loc[t, "ci_high"] for t in texts]},
                         columns=["n", "rate", "ci_low", "ci_high"])
    return pd.concat([tab.reset_index(drop=True), extra], axis=1)


# ------------------------------------------------------------------------------------------------
# 7. The MQL threshold
# ------------------------------------------------------------------------------------------------
def leads_per_month(leads: pd.DataFrame, data_end, months: int = 12) -> float:
    """Average new leads per month over the last ``months`` months before ``data_end`` (or over the
    whole history when shorter). NaN without dates."""
    if "created_at" not in leads or leads["created_at"].isna().all() or data_end is None:
        return float("nan")
    end = pd.Timestamp(data_end)
    start = max(end - pd.DateOffset(months=months), leads["created_at"].min())
    span_months = (end - start).total_seconds() / 86400 / 30.4375
    n = int(((leads["created_at"] >= start) & (leads["created_at"] <= end)).sum())
    return n / span_months if span_months > 0 else float("nan")


def threshold_table(scores: pd.DataFrame, *, leads_month: float = float("nan"), thresholds=None,
                    max_thresholds: int = 25, alpha: float = 0.05, min_group_size: int = 30,
                    capacity: float | None = None) -> pd.DataFrame:
    """For each candidate threshold t (points): leads with points ≥ t become MQLs.

    On the evaluation leads (``scores``: ``points``, ``label``): ``mqls`` = #(points ≥ t), ``share_of_leads``,
    ``customers`` among them, ``close_rate`` (Wilson CI), ``capture`` = their customers ÷ all customers,
    ``mqls_per_month`` = share_of_leads × ``leads_month`` (recent monthly lead volume), ``within_capacity``
    when ``capacity`` (MQLs per month sales can work) is given. Thresholds default to the distinct point
    values (at most ``max_thresholds``, taken at evenly spaced quantiles)."""
    pts = scores["points"].to_numpy(dtype=float)
    y = scores["label"].to_numpy(dtype=bool)
    if thresholds is None:
        uniq = np.unique(pts)
        if len(uniq) > max_thresholds:
            uniq = np.unique(np.quantile(pts, np.linspace(0, 1, max_thresholds), method="lower"))
        thresholds = uniq
    rows = []
    total_k = int(y.sum())
    for t in sorted(float(x) for x in thresholds):
        m = pts >= t
        n, k = int(m.sum()), int((m & y).sum())
        rows.append({"threshold": t, "mqls": n, "share_of_leads": n / max(len(pts), 1), "customers": k,
                     "close_rate": k / n if n else np.nan, "capture": k / total_k if total_k else np.nan})
    df = pd.DataFrame(rows, columns=["threshold", "mqls", "share_of_leads", "customers", "close_rate", "capture"])
    df["ci_low"], df["ci_high"] = wilson_interval(df["customers"], df["mqls"], alpha)
    df["mqls_per_month"] = df["share_of_leads"] * leads_month
    df["too_small"] = df["mqls"] < min_group_size
    if capacity is not None and not np.isnan(leads_month):
        df["within_capacity"] = df["mqls_per_month"] <= capacity
    df.attrs.update(leads_per_month=leads_month, capacity=capacity, n=len(pts), customers=total_k)
    return df


def sales_capacity(client=None, *, reps: int | None = None, calling_hours_per_month: float | None = None,
                   attempts_per_hour: float | None = None, attempts_per_lead: int | None = None) -> dict:
    """MQLs per month sales can work: reps × calling hours per rep per month × attempts per hour ÷
    attempts per lead (the SLA's ``sla.attempts``). Values from ``client.config.costs`` / ``sla`` unless
    given; reps default to the distinct owners in the leads. Returns a dict with every input and
    ``capacity`` (None when reps are unknown)."""
    if client is not None:
        c, sla = client.config.costs, client.config.sla
        reps = reps if reps is not None else c.reps
        if reps is None and "owner" in client.leads:
            reps = int(client.leads["owner"].dropna().nunique()) or None
        calling_hours_per_month = calling_hours_per_month if calling_hours_per_month is not None else c.calling_hours_per_month
        attempts_per_hour = attempts_per_hour if attempts_per_hour is not None else c.attempts_per_hour
        attempts_per_lead = attempts_per_lead if attempts_per_lead is not None else sla.attempts
    cap = None
    if reps and calling_hours_per_month and attempts_per_hour and attempts_per_lead:
        cap = reps * calling_hours_per_month * attempts_per_hour / attempts_per_lead
    return {"reps": reps, "calling_hours_per_month": calling_hours_per_month, "attempts_per_hour": attempts_per_hour,
            "attempts_per_lead": attempts_per_lead, "capacity": cap}


def recommend_threshold(table: pd.DataFrame, *, capacity: float | None = None,
                        target_close_rate: float | None = None, min_capture: float = 0.9) -> dict | None:
    """The threshold to recommend.

    - from ``target_close_rate``: the lowest threshold whose MQLs close at ≥ the target (most volume
      that still meets it), among thresholds that are not too small;
    - from ``capacity``: the lowest threshold whose MQLs per month fit sales capacity;
    - both: the higher of the two (meets both). Returns ``None`` when neither is given or none fits;
    - when capacity does not bind (sales could work every lead) and there is no target: the highest
      threshold that still captures ≥ ``min_capture`` of the customers (basis ``'capture'``): the
      same customers with less work.

    Keys: ``threshold, basis ('target_close_rate'|'capacity'|'both'), mqls_per_month, close_rate, ci_low,
    ci_high, capture, share_of_leads, capacity, target_close_rate``."""
    ok = table[~table["too_small"]]
    picks = {}
    if target_close_rate is not None:
        hit = ok[ok["close_rate"] >= target_close_rate]
        if len(hit):
            picks["target_close_rate"] = float(hit["threshold"].min())
    if capacity is not None and table["mqls_per_month"].notna().any():
        hit = ok[ok["mqls_per_month"] <= capacity]
        if len(hit):
            picks["capacity"] = float(hit["threshold"].min())
    if (set(picks) == {"capacity"} and picks["capacity"] == float(table["threshold"].min())
            and target_close_rate is None):
        hit = ok[ok["capture"] >= min_capture]
        if len(hit):
            picks = {"capture": float(hit["threshold"].max())}
    if not picks:
        return None
    t = max(picks.values())
    basis = "both" if len(picks) == 2 else next(iter(picks))
    row = table[table["threshold"] == t].iloc[0]
    return {"threshold": t, "basis": basis, "mqls_per_month": float(row["mqls_per_month"]),
            "close_rate": float(row["close_rate"]), "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
            "capture": float(row["capture"]), "share_of_leads": float(row["share_of_leads"]),
            "capacity": capacity, "target_close_rate": target_close_rate, "min_capture": min_capture}


def thresholds(client, sc: Scorecard) -> tuple[pd.DataFrame, dict | None, dict]:
    """(threshold table on the test window, recommendation, capacity) for a client."""
    cap = sales_capacity(client)
    s = client.config.scoring
    test = sc.scores[sc.scores["split"] == "test"]
    table = threshold_table(test, leads_month=leads_per_month(client.leads, client.data_end),
                            alpha=client.config.analysis.alpha, min_group_size=client.config.analysis.min_group_size,
                            capacity=cap["capacity"])
    rec = None
    if s.mql_threshold is not None:
        t = float(s.mql_threshold)
        row = threshold_table(test, leads_month=table.attrs["leads_per_month"], thresholds=[t]).iloc[0]
        rec = {"threshold": t, "basis": "configured", "mqls_per_month": float(row["mqls_per_month"]),
               "close_rate": float(row["close_rate"]), "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
               "capture": float(row["capture"]), "share_of_leads": float(row["share_of_leads"]),
               "capacity": cap["capacity"], "target_close_rate": s.target_close_rate}
    else:
        rec = recommend_threshold(table, capacity=cap["capacity"], target_close_rate=s.target_close_rate,
                                  min_capture=s.min_capture)
    return table, rec, cap


# ------------------------------------------------------------------------------------------------
# Everything notebook 02 shows
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caution:
    """Something the reader must know to read a section right: a catalogue key
    (``scoring.cautions.<name>``) and its values (codes and numbers; the view formats them)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoringResult(Result):
    """Every part of notebook 02 for one client (see :func:`analyse`). Sections that cannot be shown
    are in ``missing`` (``activities``, ``assets``, ``quadrants``, ``client_rules`` and
    :data:`MODEL_SECTIONS`)."""

    window_days: int  # N: a customer is a lead won within N days (analysis.close_window_days)
    dated: bool = True  # the leads have creation dates (else: no N-day window, a random split)
    activities: pd.DataFrame | None = None  # activity_close_rates by activity type (attrs: base_rate, average_rate…)
    assets: pd.DataFrame | None = None  # by asset within type ('type · asset')
    quadrants: pd.DataFrame | None = None  # quadrant_table (attrs: thresholds and their source)
    quadrant_leads: pd.DataFrame | None = None  # per lead: fit, interest, quadrant
    quadrant_rules: str = ""  # where fit and interest rules come from: 'config' | 'learned'
    client_rules: pd.DataFrame | None = None  # rules_table of the rules applied to every lead, with fired and share
    client_scores: pd.DataFrame | None = None  # apply_rules output per lead (lead_id, score, fired)
    rules_source: str = "config"  # 'config' (client.yml) | 'learned' (none configured: the scorecard's) | 'none'
    scorecard: Scorecard | None = None
    scorecard_rules: pd.DataFrame | None = None  # scorecard_table
    model_quality: str = ""  # model_quality(): 'usable' | 'chance' | 'weak' | 'unknown'; '' without a model
    auc_floor: float = AUC_FLOOR
    thresholds: pd.DataFrame | None = None  # threshold_table on the test leads
    recommendation: Mapping[str, Any] | None = None  # recommend_threshold (basis: capacity, target_close_rate, both, capture, configured)
    capacity: Mapping[str, Any] = field(default_factory=dict)  # sales_capacity
    coverage_start: pd.Timestamp | None = None  # first creation month the outcome data cover (None: all covered)
    uncovered_leads: int = 0  # leads created before it, left out of every rate, test and model
    names: Mapping[str, str] = field(default_factory=dict)  # canonical lead column -> CRM column name
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # canonical -> CRM values per column
    cautions: tuple[Caution, ...] = ()

    @property
    def usable(self) -> bool:
        """The scorecard has rules and ranks recent leads clearly better than chance."""
        return self.scorecard is not None and bool(self.scorecard.rules) and self.model_quality == "usable"

    def headlines(self) -> list[Headline]:
        """Index tile: the (at most two) activities whose close rate is significantly above the average
        activity's after Benjamini–Hochberg, with their lift (or that none stands out); the model's AUC
        on leads it has not seen (saying so when it is no better than chance); the recommended threshold
        and its MQLs per month (or that none is recommended, and why)."""
        items: list[Headline] = []
        if self.activities is not None:
            above = self.activities[self.activities["significant"] & (self.activities["direction"] == "above")]
            for i, row in enumerate(above.head(2).itertuples(index=False), 1):
                # "×3.0": one decimal, its mark from the catalogue (headline params are not localised)
                tenths = int(round(float(row.lift_vs_average) * 10))
                params = {"whole": tenths // 10, "tenths": tenths % 10, "activity": str(row.activity)}
                if row.activity in ACTIVITY_TYPES:  # named in the catalogue
                    items.append(Headline(label=f"scoring.headline.lift.{row.activity}", value=float(row.lift_vs_average),
                                          kind="number:1", display="scoring.headline.lift_value", params=params))
                else:  # the client's own activity type: its name goes with the value
                    items.append(Headline(label=f"scoring.headline.lift_rank.{i}", value=float(row.lift_vs_average),
                                          kind="number:1", display="scoring.headline.lift_value_named", params=params))
            if above.empty and len(self.activities):
                items.append(Headline(label="scoring.headline.lift_none", value=None, display="scoring.headline.none_stands_out"))
        sc = self.scorecard
        if sc is not None and sc.rules:
            key = "scoring.headline.auc_recent" if sc.split_kind == "time" else "scoring.headline.auc_random"
            auc = float(sc.auc["auc"])
            if self.model_quality == "usable":
                items.append(Headline(label=key, value=auc, kind="number:2"))
            elif not np.isnan(auc):
                hundredths = int(round(auc * 100))
                items.append(Headline(label=key, value=auc, kind="number:2", display=f"scoring.headline.auc_{self.model_quality}",
                                      params={"whole": hundredths // 100, "hundredths": f"{hundredths % 100:02d}"}))
        rec = self.recommendation
        if rec is not None:
            t = float(rec["threshold"])
            items.append(Headline(label="scoring.headline.threshold", value=t, kind="number:0",
                                  display="scoring.headline.points", params={"count": int(round(t))}))
            if not pd.isna(rec["mqls_per_month"]):
                items.append(Headline(label="scoring.headline.mqls_per_month", value=float(rec["mqls_per_month"]),
                                      kind="number:0"))
        elif sc is not None and sc.rules and self.model_quality != "usable":
            items.append(Headline(label="scoring.headline.threshold", value=None,
                                  display=f"scoring.headline.no_threshold_{self.model_quality}"))
        return items


def analyse(client, period=None, *, test_share: float | None = None, seed: int = 0) -> ScoringResult:
    """Run every part of notebook 02 on ``client`` (outcomes computed once). ``period`` is accepted
    for the common calling convention; scoring uses all the data up to ``client.data_end``.

    Rates, tests and the model use only leads created in months the outcome data cover
    (:func:`covered_outcomes`; a caution and each affected section say how many are left out). A
    threshold, an MQL definition and fit × interest from the learned rules are given only when the
    model is clearly better than chance (:func:`model_quality`)."""
    cov = outcome_coverage(client)
    oc = covered_outcomes(client)
    a, cfg = client.config.analysis, client.config.scoring
    dated = bool(oc["created_at"].notna().any()) and pd.notna(client.data_end)
    missing: dict[str, Missing] = {}
    cautions: list[Caution] = []
    if cov.partial:
        cautions.append(Caution("scoring.cautions.coverage", {"leads": int(cov.uncovered_leads), "start": cov.start}))

    has_log = client.activities is not None and len(client.activities) > 0
    has_counters = any(c.startswith("n_") and c not in ("n_attempts", "n_connects") for c in client.leads.columns)
    counts_source = "log" if has_log else ("counters" if has_counters else "none")
    acts = close_rates(client, outcomes=oc) if counts_source != "none" else None
    if acts is None:
        missing["activities"] = Missing(needs=("activities",))
    assets = None
    if has_log and "asset" in client.activities and client.activities["asset"].notna().any():
        assets = close_rates(client, by="asset", outcomes=oc)
    else:
        missing["assets"] = (Missing(reason="scoring.missing.no_assets") if has_log
                             else Missing(needs=("activity_log",)))
    if counts_source == "counters":
        cautions.append(Caution("scoring.cautions.counters_undated"))

    sc: Scorecard | None = None
    try:
        with warnings.catch_warnings():  # leakage warnings become cautions, not stderr noise
            warnings.simplefilter("ignore", LeakageWarning)
            sc = learn(client, test_share=test_share, seed=seed)
    except NotEnoughToLearn as exc:
        why = Missing(reason=exc.reason, params=exc.params)
        missing.update({s: why for s in MODEL_SECTIONS})
    quality = ""
    if sc is not None:
        lk = sc.leakage
        for row in lk[lk["reason"].isin(BEHAVIOUR_REASONS) & lk["excluded"]].to_dict("records"):
            cautions.append(Caution(f"scoring.cautions.leakage_{row['reason']}", _evidence(row)))
        for row in lk[(lk["action"] == "review") & lk["used"]].to_dict("records"):
            cautions.append(Caution("scoring.cautions.review", _evidence(row)))
        if not sc.rules:
            why = Missing(reason="scoring.missing.no_rules" if dated else "scoring.missing.no_rules_undated",
                          params={"days": int(a.close_window_days)})
            missing.update({s: why for s in RULE_SECTIONS})
        else:
            quality = model_quality(sc.auc)
    usable = sc is not None and bool(sc.rules) and quality == "usable"

    per = quad = None
    quad_source = ""
    fit_cfg, int_cfg = parse_rules(cfg.fit_rules), parse_rules(cfg.interest_rules)
    if (fit_cfg and int_cfg) or usable:
        per, quad = quadrants(client, sc if usable else None, outcomes=oc)
        quad_source = quad.attrs["rules_source"]
    elif sc is not None and sc.rules:
        missing["quadrants"] = Missing(reason="scoring.missing.quadrants_unusable",
                                       params={"auc": float(sc.auc["auc"]), "ci_low": float(sc.auc["ci_low"]),
                                               "ci_high": float(sc.auc["ci_high"])})
    else:
        missing["quadrants"] = Missing(reason="scoring.missing.no_quadrant_rules")

    table = rec = None
    cap = sales_capacity(client)
    if sc is not None and sc.rules:
        table, rec, cap = thresholds(client, sc)
        if not usable:
            rec = None  # no threshold from a model no better than chance

    rules = config_rules(cfg)
    source = "config" if rules else ("learned" if usable else "none")
    if source == "learned":
        rules = list(sc.rules)
    applied = client_table = None
    if rules:
        try:
            applied = apply_rules(client.leads, rules, activities=client.activities, as_of=client.data_end,
                                  group_caps=cfg.group_caps, base_points=cfg.base_points)
            client_table = rules_table(rules, fired=applied)
        except UnknownField as exc:
            missing["client_rules"] = Missing(reason="scoring.missing.rule_field_config", params={"field": exc.field})

    return ScoringResult(
        window_days=int(a.close_window_days), dated=dated, activities=acts, assets=assets, quadrants=quad,
        quadrant_leads=per, quadrant_rules=quad_source, client_rules=client_table, client_scores=applied,
        rules_source=source, scorecard=sc, scorecard_rules=scorecard_table(sc) if sc is not None else None,
        model_quality=quality, thresholds=table, recommendation=rec, capacity=cap,
        coverage_start=cov.start if cov.partial else None, uncovered_leads=int(cov.uncovered_leads) if cov.partial else 0,
        names=crm_names(client), values=crm_values(client), cautions=tuple(cautions), missing=missing)


def _evidence(row: Mapping[str, Any]) -> dict[str, Any]:
    """A guard row's evidence as caution values (codes and numbers; missing ones left out)."""
    out: dict[str, Any] = {"feature": row["feature"], "reason": row["reason"]}
    for k in ("auc", "level", "n", "k", "share", "other"):
        v = row.get(k)
        if k == "level" and row["reason"] in ("separation", "near_separation", "no_wins", "closed_level"):
            out[k] = v if isinstance(v, str) else None
        elif v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA:
            out[k] = int(v) if k in ("n", "k") else float(v)
    return out


__all__ = [
    "AUC_FLOOR", "MODEL_SECTIONS", "QUADRANTS", "RULE_SECTIONS", "Caution", "ScoringResult", "activity_close_rates",
    "activity_rules_from_rates", "analyse", "close_rates", "coverage", "covered_outcomes", "crm_names", "crm_values",
    "default_fit_interest_rules", "model_quality",
    "fit_interest", "leads_per_month", "learn", "quadrant_table", "quadrants", "recommend_threshold",
    "sales_capacity", "scorecard_table", "threshold_table", "thresholds",
]
