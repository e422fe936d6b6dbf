"""Notebook 01 — alignment audit (compute): scores, perception gaps, evidence from the data, the
maturity verdict and the priorities, as an :class:`AlignmentResult`. Its presentation (tables,
sentences, the chart, the live questionnaire) is smk/views/alignment.py; the question bank and the
cleaning of answers are smk/io/survey.py.

Method: DOMAIN.md §7 and seed 001, step 1 ("Evalúa tu nivel actual de alineación"): ask how often
the teams meet and how well, whether the two heads get on, how marketing's leads are judged, how
sales follows them up; check goals, roles and tools; then "data over opinions": put what people say
next to what the CRM shows.

Pipeline (each step is a public function; :func:`analyse` runs them all):

1. :func:`smk.io.survey.question_bank` — the default bank (``smk/io/data/questions.yml``) plus the
   client's ``survey:`` questions from client.yml.
2. :func:`smk.io.survey.clean_survey` — answers out of 1–5 or for unknown questions are set aside
   in the client's ledger (``out_of_range`` / ``unknown_question``), once.
3. :func:`respondent_scores` → :func:`team_scores` — a respondent's dimension score is the mean of
   their answers to that dimension's questions (the respondent is the unit, not the answer); per
   team: mean with a Student-t 95 % interval over respondents.
4. :func:`perception_gaps` — sales vs marketing per dimension: Mann–Whitney U, exact p-value
   (exact U distribution without ties, exact permutation distribution of U with ties),
   Benjamini–Hochberg across dimensions; flagged when a side has fewer than 3 respondents.
5. :func:`data_evidence` — indicators from the CRM, each mapped to the dimension it confirms or
   contradicts (:func:`compare_evidence`); each states its finding as a code (``fact``) and the
   values the sentence needs (``params``), worded by the view.
6. :func:`maturity` and :func:`priorities` — the documented scale and rule (see docs/analyses/
   01_alignment_audit.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses.base import Headline, Missing, Result
from smk.analyses.contacts import contact_summary
from smk.analyses.outcomes import lead_outcomes
from smk.analyses.stats import bh_adjust, wilson_interval
from smk.io.schema import SURVEY_TEAMS
from smk.io.survey import LIKERT, NOTEBOOKS, clean_survey, client_texts, dimensions, question_bank

MIN_TEAM_N = 3  # fewer respondents than this on a side: scores and gaps come with a caution
GAP_TEAMS = ("sales", "marketing")
SEED = 20240101  # Monte Carlo permutations only (exact enumeration below EXACT_LIMIT splits)
EXACT_LIMIT = 200_000

#: Maturity levels (seed 001: "from completely misaligned to needing a small adjustment"); their
#: names and descriptions are catalogue texts ``alignment.maturity.<level>.name`` / ``.description``.
LEVELS = (1, 2, 3, 4, 5)
#: Lower edges of the balanced mean score for levels 2..5 (equal bins of 0.8 on the 1–5 scale).
LEVEL_EDGES = (1.8, 2.6, 3.4, 4.2)
WEAK_PILLAR = 2.5  # a dimension below this caps the level at WEAK_PILLAR_CAP
WEAK_PILLAR_CAP = 3
WEAK_EVIDENCE_FOR_PENALTY = 2  # this many weak data indicators lower the level by one
ONE_SIDE_CAP = 3  # without answers from both sales and marketing the level is at most this
GAP_NOTED = 0.5  # a |sales − marketing| gap at least this large is named among a priority's reasons

#: Rules of thumb for the data indicators (status 'weak' when crossed). Parameters of data_evidence.
THRESHOLDS: dict[str, float] = {
    "contacted_share_min": 0.90,  # share of MQLs ever contacted
    "within_sla_share_min": 0.80,  # share of MQLs first contacted within sla.first_contact_hours
    "mql_lift_min": 1.5,  # MQL→customer rate ÷ other leads' rate
    "source_share_min": 0.90,  # leads with a recorded source
    "linked_share_min": 0.90,  # deals linked to a lead
    "volume_change_min": -0.20,  # last 3 complete months vs the 3 before
}


# --------------------------------------------------------------------------------------------
# 3. Scores
# --------------------------------------------------------------------------------------------
def respondent_scores(answers: pd.DataFrame) -> pd.DataFrame:
    """``respondent, team, dimension, score, n_answers``: a respondent's score on a dimension is the
    mean of their answers to that dimension's questions."""
    if answers.empty:
        return pd.DataFrame(columns=["respondent", "team", "dimension", "score", "n_answers"])
    g = answers.groupby(["dimension", "team", "respondent"], sort=True)["answer"]
    out = g.agg(score="mean", n_answers="size").reset_index()
    out["score"] = out["score"].astype(float)
    return out[["respondent", "team", "dimension", "score", "n_answers"]]


def t_interval(values, alpha: float = 0.05) -> tuple[float, float]:
    """Student-t interval of a mean: x̄ ± t_{1−α/2, n−1} · s/√n, clipped to the 1–5 scale.
    n < 2 gives (nan, nan); n ≥ 2 with s = 0 gives (x̄, x̄)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2:
        return float("nan"), float("nan")
    m, s = float(x.mean()), float(x.std(ddof=1))
    half = float(_st.t.ppf(1 - alpha / 2, n - 1)) * s / math.sqrt(n)
    return max(LIKERT[0], m - half), min(LIKERT[1], m + half)


def team_scores(resp: pd.DataFrame, dims: pd.DataFrame | None = None, *, alpha: float = 0.05,
                min_n: int = MIN_TEAM_N) -> pd.DataFrame:
    """Per dimension and team (plus ``team == 'all'``, every respondent pooled): ``dimension, team,
    n, mean, sd, ci_low, ci_high, too_few (n < min_n)``. Interval: Student-t over respondents
    (:func:`t_interval`). Sorted by questionnaire order, then sales, marketing, management, all."""
    cols = ["dimension", "team", "n", "mean", "sd", "ci_low", "ci_high", "too_few"]
    if resp.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    pooled = pd.concat([resp, resp.assign(team="all")])
    for (dim, team), g in pooled.groupby(["dimension", "team"], sort=True):
        lo, hi = t_interval(g["score"], alpha)
        rows.append({"dimension": dim, "team": team, "n": int(len(g)), "mean": float(g["score"].mean()),
                     "sd": float(g["score"].std(ddof=1)) if len(g) > 1 else float("nan"),
                     "ci_low": lo, "ci_high": hi, "too_few": len(g) < min_n})
    out = pd.DataFrame(rows, columns=cols)
    order = {d: i for i, d in enumerate(dims["dimension"])} if dims is not None else {}
    team_order = {t: i for i, t in enumerate((*SURVEY_TEAMS, "all"))}
    out["_d"] = out["dimension"].map(order).fillna(len(order))
    out["_t"] = out["team"].map(team_order).fillna(len(team_order))
    out = out.sort_values(["_d", "dimension", "_t", "team"], kind="stable").drop(columns=["_d", "_t"])
    return out.reset_index(drop=True)


def _u_statistic(x, y, axis=-1):
    """Mann–Whitney U of ``x`` (midranks for ties), vectorised for scipy's permutation_test."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    both = np.concatenate([x, y], axis=axis)
    ranks = _st.rankdata(both, axis=axis)
    nx = x.shape[axis]
    r1 = np.take(ranks, np.arange(nx), axis=axis).sum(axis=axis)
    return r1 - nx * (nx + 1) / 2


def gap_test(sales, marketing, *, seed: int = SEED) -> dict:
    """Two-sided Mann–Whitney U test of sales vs marketing respondent scores.

    - no ties: scipy's exact U distribution (``method='exact'``);
    - ties: the exact permutation distribution of U (every split of the pooled scores when there
      are at most EXACT_LIMIT splits; otherwise 99,999 seeded random splits, p = (b+1)/(R+1)).
    Returns ``{'u', 'pvalue', 'method', 'effect'}`` where ``effect`` is the rank-biserial
    correlation 2U/(n₁n₂) − 1 (−1: every sales score below every marketing score). Either side
    with fewer than 2 respondents: no test (NaN)."""
    x, y = np.asarray(sales, float), np.asarray(marketing, float)
    if len(x) < 2 or len(y) < 2:
        return {"u": float("nan"), "pvalue": float("nan"), "method": "none", "effect": float("nan")}
    u = float(_u_statistic(x, y))
    effect = 2 * u / (len(x) * len(y)) - 1
    pooled = np.concatenate([x, y])
    if len(np.unique(pooled)) == len(pooled):
        p = float(_st.mannwhitneyu(x, y, alternative="two-sided", method="exact").pvalue)
        method = "exact"
    else:
        splits = math.comb(len(pooled), len(x))
        exact = splits <= EXACT_LIMIT
        res = _st.permutation_test(
            (x, y), _u_statistic, permutation_type="independent", vectorized=True,
            alternative="two-sided", n_resamples=splits if exact else 99_999,
            rng=np.random.default_rng(seed))
        p = float(min(1.0, res.pvalue))
        method = "permutation_exact" if exact else "permutation_monte_carlo"
    return {"u": u, "pvalue": p, "method": method, "effect": float(effect)}


def perception_gaps(resp: pd.DataFrame, dims: pd.DataFrame, *, alpha: float = 0.05,
                    min_n: int = MIN_TEAM_N, seed: int = SEED) -> pd.DataFrame:
    """Per dimension (questionnaire order): ``dimension, n_sales, n_marketing, sales, marketing,
    gap (sales − marketing mean), abs_gap, u, effect, pvalue, qvalue, method, caution,
    significant``. ``qvalue``: Benjamini–Hochberg over the dimensions that were tested;
    ``caution``: a side has fewer than ``min_n`` respondents (or none); ``significant``:
    q < alpha and no caution."""
    rows = []
    for dim in dims["dimension"]:
        d = resp[resp["dimension"] == dim]
        xs = d.loc[d["team"] == "sales", "score"].to_numpy(float)
        ys = d.loc[d["team"] == "marketing", "score"].to_numpy(float)
        t = gap_test(xs, ys, seed=seed)
        ms = float(xs.mean()) if len(xs) else float("nan")
        mm = float(ys.mean()) if len(ys) else float("nan")
        rows.append({"dimension": dim, "n_sales": len(xs), "n_marketing": len(ys), "sales": ms,
                     "marketing": mm, "gap": ms - mm, "abs_gap": abs(ms - mm), "u": t["u"],
                     "effect": t["effect"], "pvalue": t["pvalue"], "method": t["method"],
                     "caution": min(len(xs), len(ys)) < min_n})
    out = pd.DataFrame(rows, columns=["dimension", "n_sales", "n_marketing", "sales", "marketing", "gap",
                                      "abs_gap", "u", "effect", "pvalue", "method", "caution"])
    out["qvalue"] = bh_adjust(out["pvalue"].to_numpy(float)) if len(out) else []
    out["significant"] = (out["qvalue"] < alpha) & ~out["caution"].astype(bool)
    return out[["dimension", "n_sales", "n_marketing", "sales", "marketing", "gap", "abs_gap", "u", "effect",
                "pvalue", "qvalue", "method", "caution", "significant"]]


def dimension_summary(scores: pd.DataFrame, gaps: pd.DataFrame, dims: pd.DataFrame) -> pd.DataFrame:
    """One row per dimension with answers: ``dimension, score, sales, marketing, management, n_all,
    gap, abs_gap, qvalue, caution, significant``. ``score`` is the *balanced* score: the mean of
    the team means that exist (each team weighs the same, however many people answered)."""
    cols = ["dimension", "score", "sales", "marketing", "management", "n_all",
            "gap", "abs_gap", "qvalue", "caution", "significant"]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    teams = scores[scores["team"] != "all"]
    wide = teams.pivot(index="dimension", columns="team", values="mean")
    out = dims[["dimension"]].merge(wide.reset_index(), on="dimension", how="inner")
    for t in SURVEY_TEAMS:
        if t not in out:
            out[t] = np.nan
    out["score"] = out[list(SURVEY_TEAMS)].mean(axis=1, skipna=True)
    n_all = scores[scores["team"] == "all"].set_index("dimension")["n"]
    out["n_all"] = out["dimension"].map(n_all).astype(int)
    g = gaps.set_index("dimension")
    for c in ("gap", "abs_gap", "qvalue", "caution", "significant"):
        out[c] = out["dimension"].map(g[c])
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 4. Evidence from the data
# --------------------------------------------------------------------------------------------
EVIDENCE_COLUMNS = ["indicator", "dimension", "value", "kind", "ci_low", "ci_high", "n", "status", "fact", "params"]


def _indicator(ind: str, dim: str, value: float, status: str, n: int, fact: str, params: Mapping[str, Any],
               ci_low: float = float("nan"), ci_high: float = float("nan"), kind: str = "pct") -> dict:
    return {"indicator": ind, "dimension": dim, "value": value, "kind": kind, "ci_low": ci_low,
            "ci_high": ci_high, "n": n, "status": status, "fact": fact, "params": dict(params)}


def _last_complete_months(data_end: pd.Timestamp, k: int) -> list[pd.Period]:
    end = data_end.tz_localize(None) if data_end.tzinfo else data_end
    p = end.to_period("M")
    if end.normalize() < p.end_time.normalize():  # data_end's month is complete only on its last day
        p = p - 1
    return [p - i for i in range(k - 1, -1, -1)]




def data_evidence(client, *, thresholds: dict[str, float] | None = None) -> pd.DataFrame:
    """Indicators from the CRM: ``indicator, dimension, value, kind ('pct' | 'hours' | 'days' |
    'change'), ci_low, ci_high, n, status ('ok' | 'weak' | 'info'), fact, params``. Only
    indicators whose tables exist.

    ``fact`` is the code of the finding (``<indicator>.<variant>``, worded by the catalogue key
    ``alignment.facts.<fact>``), ``params`` the values its sentence needs (shares as fractions,
    counts, hours, days, the slowest team's name).

    - ``mql_contacted`` (follow_up): share of MQLs at least ``sla.attempts_within_days`` old that
      received at least one contact attempt (Wilson 95 %); weak below ``contacted_share_min``.
      Without ``mql_at`` every lead counts as an MQL (variants ``*_lead``, said in the sentence).
    - ``contacted_within_sla`` (follow_up): share of those MQLs first contacted within
      ``sla.first_contact_hours`` of the MQL date (never contacted = not within; Wilson 95 %), with
      the slowest team when ``leads.team`` exists; weak below ``within_sla_share_min``.
    - ``hours_to_first_contact`` (follow_up): median hours from MQL (else creation) to the first
      attempt, among contacted MQLs (attempts before the MQL date count as 0 h); weak above
      ``sla.first_contact_hours``.
    - ``mql_conversion`` (lead_quality): MQL→customer rate among MQLs at least
      ``analysis.min_age_days`` old (Wilson), and its lift over the other leads; weak when the lift
      is below ``mql_lift_min`` (the MQL stage does not pick better leads).
    - ``mql_recorded`` (definitions): share of leads with an MQL date; weak when the CRM records
      no MQL stage at all.
    - ``sales_cycle`` (goals, info): median days from creation to won.
    - ``source_recorded`` (closed_loop): share of leads with a channel; weak below ``source_share_min``.
    - ``deals_linked`` (closed_loop): share of deals with a ``lead_id``; weak below ``linked_share_min``.
    - ``lead_volume`` (lead_quality): mean monthly leads in the last 3 complete months vs the 3
      before; weak when the change is below ``volume_change_min``.
    """
    th = {**THRESHOLDS, **(thresholds or {})}
    leads, deals, end = client.leads, client.deals, pd.Timestamp(client.data_end)
    cfg = client.config
    rows: list[dict] = []
    has_mql = "mql_at" in leads and leads["mql_at"].notna().any()
    mql_mask = leads["mql_at"].notna() if has_mql else pd.Series(True, index=leads.index)
    mql_start = leads["mql_at"].where(leads["mql_at"].notna(), leads["created_at"]) if has_mql else leads["created_at"]
    who = "mql" if has_mql else "lead"  # what counts as an MQL: the MQL date, else every lead

    # follow-up: ever contacted, and time to first contact
    has_contacts = (client.contact_attempts is not None and len(client.contact_attempts) > 0) or \
        "n_attempts" in leads or "first_contact_at" in leads
    if has_contacts:  # (contact_summary fails on tz-aware leads with neither log nor counters)
        cs = contact_summary(leads, client.contact_attempts)
        days = int(cfg.sla.attempts_within_days)
        old = mql_mask & ((end - mql_start).dt.total_seconds() >= days * 86400)
        contacted = (cs["n_attempts"].fillna(0).to_numpy() > 0) | cs["first_attempt_at"].notna().to_numpy()
        k, n = int(contacted[old.to_numpy()].sum()), int(old.sum())
        if n:
            share = k / n
            lo, hi = wilson_interval(k, n)
            weak = share < th["contacted_share_min"]
            rows.append(_indicator(
                "mql_contacted", "follow_up", share, "weak" if weak else "ok", n,
                f"mql_contacted.{'never' if weak else 'once'}_{who}",
                {"share": share, "never_share": 1 - share, "never": n - k, "n": n, "days": days}, lo, hi))
            # first contact within the SLA hours (all MQLs old enough; never contacted = not within)
            sla_h = float(cfg.sla.first_contact_hours)
            first = pd.Series(cs["first_attempt_at"].array, index=leads.index)
            delay = ((first - mql_start).dt.total_seconds() / 3600).clip(lower=0)
            within = (delay <= sla_h).fillna(False).to_numpy(bool)
            kw = int(within[old.to_numpy()].sum())
            share_w = kw / n
            lo_w, hi_w = wilson_interval(kw, n)
            params: dict[str, Any] = {"share": share_w, "sla_hours": sla_h}
            if "team" in leads and leads["team"].notna().any():
                per = pd.DataFrame({"team": leads["team"].to_numpy(), "w": within, "old": old.to_numpy()})
                per = per[per["old"] & per["team"].notna()].groupby("team", sort=True)["w"].agg(["mean", "size"])
                per = per[per["size"] >= cfg.analysis.min_group_size]
                if len(per) > 1:
                    wt = per.sort_values("mean", kind="stable").index[0]
                    params.update(team=str(wt), team_share=float(per.loc[wt, "mean"]))
            rows.append(_indicator(
                "contacted_within_sla", "follow_up", share_w,
                "weak" if share_w < th["within_sla_share_min"] else "ok", n,
                f"contacted_within_sla.{who}{'_team' if 'team' in params else ''}", params, lo_w, hi_w))
        first = pd.Series(cs["first_attempt_at"].array, index=leads.index)
        hours = ((first - mql_start).dt.total_seconds() / 3600).clip(lower=0)[mql_mask & first.notna()]
        if len(hours):
            med, sla_h = float(hours.median()), float(cfg.sla.first_contact_hours)
            rows.append(_indicator(
                "hours_to_first_contact", "follow_up", med, "weak" if med > sla_h else "ok", int(len(hours)),
                f"hours_to_first_contact.{who}", {"median_hours": med, "sla_hours": sla_h}, kind="hours"))

    # outcomes: MQL conversion and lift, sales cycle
    out = lead_outcomes(client)
    has_outcome = bool(out["won"].any() or out["lost"].any() or (deals is not None and len(deals)))
    if has_outcome:
        min_age = int(cfg.analysis.min_age_days)
        age_ok = ((end - out["created_at"]).dt.total_seconds() >= min_age * 86400).to_numpy()
        m = mql_mask.to_numpy() & age_ok
        k, n = int(out["won"].to_numpy()[m].sum()), int(m.sum())
        if n:
            rate = k / n
            lo, hi = wilson_interval(k, n)
            if has_mql:
                o = (~mql_mask.to_numpy()) & age_ok
                k0, n0 = int(out["won"].to_numpy()[o].sum()), int(o.sum())
                rate0 = k0 / n0 if n0 else float("nan")
                params = {"rate": rate, "rate_other": rate0, "days": min_age}
                if n0 and rate0 > 0:
                    lift = rate / rate0
                    status, variant = ("weak" if lift < th["mql_lift_min"] else "ok"), "lift"
                    params["lift"] = lift
                else:  # no comparison group, or every customer went through the MQL stage
                    status, variant = "info", ("no_other_customer" if n0 else "no_other_leads")
                rows.append(_indicator("mql_conversion", "lead_quality", rate, status, n,
                                       f"mql_conversion.{variant}", params, lo, hi))
            else:
                rows.append(_indicator("mql_conversion", "lead_quality", rate, "info", n,
                                       "mql_conversion.no_stage", {"rate": rate}, lo, hi))
        won = out[out["won"] & out["duration_days"].notna()]
        if len(won):
            med = float(won["duration_days"].median())
            rows.append(_indicator("sales_cycle", "goals", med, "info", int(len(won)), "sales_cycle.median",
                                   {"median_days": med, "customers": int(len(won))}, kind="days"))

    # definitions: does the CRM record the MQL stage?
    n_leads = len(leads)
    if n_leads:
        k = int(leads["mql_at"].notna().sum()) if "mql_at" in leads else 0
        share = k / n_leads
        rows.append(_indicator("mql_recorded", "definitions", share, "weak" if k == 0 else "info", n_leads,
                               f"mql_recorded.{'share' if k else 'none'}", {"share": share},
                               *wilson_interval(k, n_leads)))

    # closed loop: source recorded, deals linked
    if n_leads:
        k = int(leads["channel"].notna().sum()) if "channel" in leads else 0
        share = k / n_leads
        rows.append(_indicator("source_recorded", "closed_loop", share,
                               "weak" if share < th["source_share_min"] else "ok", n_leads,
                               "source_recorded.share", {"share": share}, *wilson_interval(k, n_leads)))
    if deals is not None and len(deals):
        k = int(deals["lead_id"].notna().sum()) if "lead_id" in deals else 0
        n = len(deals)
        share = k / n
        rows.append(_indicator("deals_linked", "closed_loop", share, "weak" if share < th["linked_share_min"] else "ok",
                               n, "deals_linked.share", {"share": share}, *wilson_interval(k, n)))

    # lead volume trend (an undated export has no months to compare)
    months = _last_complete_months(end, 6) if pd.notna(end) else []
    created = leads["created_at"]
    created = created.dt.tz_localize(None) if getattr(created.dt, "tz", None) is not None else created
    per_month = created.dt.to_period("M").value_counts().reindex(months, fill_value=0)
    first_month = created.min().to_period("M") if n_leads and created.notna().any() else None
    if months and n_leads and first_month is not None and first_month <= months[0]:
        before, recent = float(per_month.iloc[:3].mean()), float(per_month.iloc[3:].mean())
        change = recent / before - 1 if before > 0 else float("nan")
        status = "weak" if (not math.isnan(change) and change < th["volume_change_min"]) else "ok"
        rows.append(_indicator("lead_volume", "lead_quality", change, status, int(per_month.sum()),
                               "lead_volume.change", {"recent": recent, "before": before, "change": change},
                               kind="change"))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def compare_evidence(evidence: pd.DataFrame, summary: pd.DataFrame, *, high: float = 3.5,
                     low: float = 3.0) -> pd.DataFrame:
    """Put each indicator next to its survey dimension: adds ``score`` (balanced), ``relation``
    ('confirms' | 'contradicts' | 'mixed' | 'info' | 'no_survey'), ``sentence`` (the form of the
    sentence that says it: 'rated_high_but_weak', 'confirms_low', 'confirms_high',
    'rated_low_but_ok', 'with_survey', 'no_survey'), ``team`` and ``team_score`` (the team the
    sentence names, else None / NaN).

    Rule: a weak indicator *contradicts* the survey when some team rates the dimension ≥ ``high``
    ("marketing rates follow-up 4.0/5, but 38 % of MQLs were never contacted") and *confirms* it
    when the balanced score is < ``low``; a good indicator confirms a balanced score ≥ ``high`` and
    contradicts one < ``low`` (named: the lowest-rating team). Anything else is mixed; 'info'
    indicators only inform."""
    s = summary.set_index("dimension") if len(summary) else pd.DataFrame()
    out = evidence.copy()
    rel, form, score, team, team_score = [], [], [], [], []
    for _, r in out.iterrows():
        if r["dimension"] not in s.index:
            rel.append("no_survey"); form.append("no_survey"); score.append(float("nan"))
            team.append(None); team_score.append(float("nan"))
            continue
        d = s.loc[r["dimension"]]
        bal = float(d["score"])
        score.append(bal)
        team_means = {t: float(d[t]) for t in SURVEY_TEAMS if pd.notna(d[t])}
        top_t = max(team_means, key=lambda t: (team_means[t], t))
        low_t = min(team_means, key=lambda t: (team_means[t], t))
        named = None
        if r["status"] == "weak" and team_means[top_t] >= high:
            rel.append("contradicts"); form.append("rated_high_but_weak"); named = top_t
        elif r["status"] == "weak" and bal < low:
            rel.append("confirms"); form.append("confirms_low")
        elif r["status"] == "ok" and bal >= high:
            rel.append("confirms"); form.append("confirms_high")
        elif r["status"] == "ok" and bal < low:
            rel.append("contradicts"); form.append("rated_low_but_ok"); named = low_t
        else:
            rel.append("info" if r["status"] in ("info", "n/a") else "mixed"); form.append("with_survey")
        team.append(named)
        team_score.append(team_means[named] if named else float("nan"))
    out["score"], out["relation"], out["sentence"] = score, rel, form
    out["team"], out["team_score"] = pd.Series(team, index=out.index, dtype="object"), team_score
    return out


# --------------------------------------------------------------------------------------------
# 5. Verdict and priorities
# --------------------------------------------------------------------------------------------
def level_from_score(score: float) -> int:
    """Base level: 1 below 1.8, 2 from 1.8, 3 from 2.6, 4 from 3.4, 5 from 4.2 (equal bins of 0.8)."""
    return 1 + sum(score >= e for e in LEVEL_EDGES)


@dataclass(frozen=True)
class Step:
    """One step of the verdict's derivation, or one caution: a code (catalogue
    ``alignment.verdict.steps.<code>`` / ``alignment.verdict.cautions.<code>``) and its values."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The maturity level (None without answers), the mean balanced score S, the derivation steps
    that applied and the cautions, in order."""

    level: int | None
    score: float
    steps: tuple[Step, ...] = ()
    cautions: tuple[Step, ...] = ()

    def step_codes(self) -> list[str]:
        return [s.code for s in self.steps]

    def caution_codes(self) -> list[str]:
        return [c.code for c in self.cautions]


def maturity(summary: pd.DataFrame, evidence: pd.DataFrame | None = None) -> Verdict:
    """Maturity level 1–5 (:data:`LEVELS`), derived in steps (codes of :class:`Step`):

    1. ``mean``: S = mean over dimensions of the balanced score (mean of team means); base level
       from S (:func:`level_from_score`: bins 1.8 / 2.6 / 3.4 / 4.2);
    2. ``weak_pillar``: if any dimension scores below 2.5, the level is at most 3;
    3. ``weak_evidence``: if 2 or more data indicators are weak, the level drops by one (min 1);
    4. ``one_side``: without answers from both sales and marketing, the level is at most 3.

    Cautions: ``few_respondents`` (fewer than 2 × MIN_TEAM_N people), ``teams_missing`` (sales or
    marketing did not answer), ``no_answers``.
    """
    if summary.empty:
        return Verdict(None, float("nan"), cautions=(Step("no_answers"),))
    S = float(summary["score"].mean())
    level = level_from_score(S)
    steps = [Step("mean", {"dimensions": len(summary), "score": S, "level": level})]
    weakest = summary.sort_values(["score", "dimension"], kind="stable").iloc[0]
    if weakest["score"] < WEAK_PILLAR and level > WEAK_PILLAR_CAP:
        level = WEAK_PILLAR_CAP
        steps.append(Step("weak_pillar", {"dimension": weakest["dimension"], "score": float(weakest["score"]),
                                          "threshold": WEAK_PILLAR, "level": level}))
    n_weak = int((evidence["status"] == "weak").sum()) if evidence is not None and len(evidence) else 0
    if n_weak >= WEAK_EVIDENCE_FOR_PENALTY and level > 1:
        level -= 1
        steps.append(Step("weak_evidence", {"count": n_weak, "level": level}))
    teams = [t for t in SURVEY_TEAMS if summary[t].notna().any()]
    if not set(GAP_TEAMS) <= set(teams) and level > ONE_SIDE_CAP:
        level = ONE_SIDE_CAP
        steps.append(Step("one_side", {"level": level}))
    cautions = []
    n_resp = int(summary["n_all"].max())
    if n_resp < 2 * MIN_TEAM_N:
        cautions.append(Step("few_respondents", {"count": n_resp}))
    if not set(GAP_TEAMS) <= set(teams):
        cautions.append(Step("teams_missing", {"teams": tuple(teams)}))
    return Verdict(level, S, tuple(steps), tuple(cautions))


def priorities(summary: pd.DataFrame, dims: pd.DataFrame, evidence: pd.DataFrame | None = None,
               *, top: int = 3) -> pd.DataFrame:
    """Top ``top`` dimensions to work on: ``rank, dimension, priority_score, score, gap, n_weak,
    gap_noted, notebook``.

    priority_score = (5 − balanced score) + |sales − marketing gap| (0 if not measurable)
    + 1 per weak data indicator of the dimension. Ties: questionnaire order. ``gap_noted``: the gap
    is at least GAP_NOTED points, so it is one of the reasons given (with the score and the weak
    indicators of the dimension, in the evidence)."""
    cols = ["rank", "dimension", "priority_score", "score", "gap", "n_weak", "gap_noted", "notebook"]
    if summary.empty:
        return pd.DataFrame(columns=cols)
    ev = evidence if evidence is not None else pd.DataFrame(columns=["dimension", "status"])
    weak = ev[ev["status"] == "weak"]
    df = summary.merge(dims[["dimension", "notebook", "order"]], on="dimension", how="left")
    df["n_weak"] = df["dimension"].map(weak.groupby("dimension").size()).fillna(0).astype(int)
    df["priority_score"] = (LIKERT[1] - df["score"]) + df["abs_gap"].fillna(0) + df["n_weak"]
    df = df.sort_values(["priority_score", "order"], ascending=[False, True], kind="stable").head(top).reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    df["gap_noted"] = df["gap"].notna() & (df["gap"].abs() >= GAP_NOTED)
    return df[cols]


# --------------------------------------------------------------------------------------------
# 6. The whole audit
# --------------------------------------------------------------------------------------------
#: Sections of the notebook that need valid answers.
ANSWER_SECTIONS = ("priorities", "score_chart", "scores", "gaps")


@dataclass(frozen=True)
class AlignmentResult(Result):
    """Everything notebook 01 shows (tidy frames, codes as values):

    - ``bank`` (``id, dimension, notebook, order``), ``dims`` (``dimension, notebook, n_questions,
      order``), ``client_texts`` (the client's own words for its questions, by catalogue key);
    - ``answers`` (valid answers), ``set_aside`` (survey rows in the ledger: ``source_row, column,
      value, reason``);
    - ``respondents`` (respondent × dimension scores), ``scores`` (team scores with intervals),
      ``gaps`` (perception gaps), ``dimension_table`` (balanced scores);
    - ``evidence`` (data indicators set against the survey), ``verdict``, ``priorities``.
    """

    bank: pd.DataFrame
    dims: pd.DataFrame
    answers: pd.DataFrame
    respondents: pd.DataFrame
    scores: pd.DataFrame
    gaps: pd.DataFrame
    dimension_table: pd.DataFrame
    evidence: pd.DataFrame
    verdict: Verdict
    priorities: pd.DataFrame
    set_aside: pd.DataFrame
    client_texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def n_respondents(self) -> int:
        return int(self.answers["respondent"].nunique()) if len(self.answers) else 0

    def respondents_by_team(self) -> dict[str, int]:
        """People who gave at least one valid answer, per team (teams with nobody left out)."""
        if not len(self.answers):
            return {}
        by_team = self.answers.groupby("team")["respondent"].nunique()
        return {t: int(by_team[t]) for t in SURVEY_TEAMS if t in by_team}

    def weakest(self) -> pd.Series | None:
        """The dimension with the lowest balanced score (ties: alphabetical), or None."""
        t = self.dimension_table
        return t.sort_values(["score", "dimension"], kind="stable").iloc[0] if len(t) else None

    def largest_gap(self) -> pd.Series | None:
        """The dimension with the largest |sales − marketing| gap (ties: questionnaire order), or None."""
        g = self.gaps.dropna(subset=["gap"])
        if g.empty:
            return None
        return g.sort_values("abs_gap", ascending=False, kind="stable").iloc[0]

    def headlines(self) -> list[Headline]:
        """Maturity level, weakest dimension (value: its score), largest perception gap (value:
        sales − marketing). Items that cannot be computed are left out."""
        items: list[Headline] = []
        v = self.verdict
        if v.level is not None:
            items.append(Headline("alignment.headline.level", int(v.level), "int",
                                  display=f"alignment.maturity.{v.level}.headline"))
        w = self.weakest()
        if w is not None:
            items.append(Headline("alignment.headline.weakest", round(float(w["score"]), 2), "number:1",
                                  **self._dimension_display(w["dimension"])))
        g = self.largest_gap()
        if g is not None:
            items.append(Headline("alignment.headline.largest_gap", round(float(g["gap"]), 2), "number:1",
                                  **self._dimension_display(g["dimension"])))
        return items

    def _dimension_display(self, dimension: str) -> dict[str, Any]:
        if dimension in DEFAULT_DIMENSIONS:
            return {"display": f"alignment.dimensions.{dimension}.label"}
        return {"display": "alignment.headline.dimension", "params": {"dimension": dimension}}


#: Dimensions of the default bank (worded by the catalogue).
DEFAULT_DIMENSIONS: frozenset[str] = frozenset(dimensions(question_bank())["dimension"])


def survey_set_aside(client) -> pd.DataFrame:
    """Survey rows set aside in the client's ledger (after :func:`clean_survey`): ``source_row``
    (row in the file), ``column`` (the client's column name), ``value`` and ``reason`` (code)."""
    led = client.ledger.set_aside("survey")
    return pd.DataFrame({"source_row": led["source_row"].astype("Int64").to_numpy(),
                         "column": led["column"].to_numpy(), "value": led["value"].to_numpy(),
                         "reason": led["reason"].to_numpy()})


def analyse(client, period=None, *, alpha: float | None = None, thresholds: dict[str, float] | None = None,
            seed: int = SEED) -> AlignmentResult:
    """Run the whole alignment audit on a :class:`smk.Client` (see the module docstring).

    ``period`` is accepted like every analysis's but does not change the audit: the survey is a
    snapshot and the data indicators describe the state at the data's end (``client.data_end``).
    ``alpha`` (default client.yml ``analysis.alpha``): significance of the gaps; ``thresholds``:
    overrides of :data:`THRESHOLDS`; ``seed``: Monte Carlo permutations (large surveys only)."""
    alpha = client.config.analysis.alpha if alpha is None else alpha
    bank = question_bank(client.config.survey)
    dims = dimensions(bank)
    answers = clean_survey(client, bank)
    resp = respondent_scores(answers)
    scores = team_scores(resp, dims, alpha=alpha)
    gaps = perception_gaps(resp, dims, alpha=alpha, seed=seed)
    table = dimension_summary(scores, gaps, dims)
    evidence = compare_evidence(data_evidence(client, thresholds=thresholds), table)
    verdict = maturity(table, evidence)
    prio = priorities(table, dims, evidence)
    missing: dict[str, Missing] = {}
    if answers.empty:
        missing.update({s: Missing(reason="alignment.missing.no_answers") for s in ANSWER_SECTIONS})
    if evidence.empty:
        missing["evidence"] = Missing(reason="alignment.missing.no_evidence")
    return AlignmentResult(bank, dims, answers, resp, scores, gaps, table, evidence, verdict, prio,
                           survey_set_aside(client), client_texts(client.config.survey), missing=missing)


#: The name notebook 01 and older callers used (tests/test_synth.py); the same function.
audit = analyse


__all__ = [
    "AlignmentResult", "EVIDENCE_COLUMNS", "LEVELS", "MIN_TEAM_N", "NOTEBOOKS", "Step", "THRESHOLDS", "Verdict",
    "analyse", "audit", "clean_survey", "compare_evidence", "data_evidence", "dimension_summary", "dimensions",
    "gap_test", "level_from_score", "maturity", "perception_gaps", "priorities", "question_bank",
    "respondent_scores", "survey_set_aside", "t_interval", "team_scores",
]
