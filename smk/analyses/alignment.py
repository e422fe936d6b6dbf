"""Notebook 01 — alignment audit: questionnaire, scores, perception gaps, evidence from the data,
maturity verdict and priorities.

Method: DOMAIN.md §7 and seed 001, step 1 ("Evalúa tu nivel actual de alineación"): ask how often
the teams meet and how well, whether the two heads get on, how marketing's leads are judged, how
sales follows them up; check goals, roles and tools; then "data over opinions": put what people say
next to what the CRM shows.

Pipeline (each step is a public function; :func:`audit` runs them all):

1. :func:`question_bank` — the default bilingual bank (``smk/data/questions.yml``) plus the
   client's ``survey:`` questions from client.yml.
2. :func:`clean_survey` — answers out of 1–5 or for unknown questions are set aside in the
   client's ledger (``out_of_range`` / ``unknown_question``), once.
3. :func:`respondent_scores` → :func:`team_scores` — a respondent's dimension score is the mean of
   their answers to that dimension's questions (the respondent is the unit, not the answer); per
   team: mean with a Student-t 95 % interval over respondents.
4. :func:`perception_gaps` — sales vs marketing per dimension: Mann–Whitney U, exact p-value
   (exact U distribution without ties, exact permutation distribution of U with ties),
   Benjamini–Hochberg across dimensions; flagged when a side has fewer than 3 respondents.
5. :func:`data_evidence` — indicators from the CRM, each mapped to the dimension it confirms or
   contradicts, with a sentence in es and en.
6. :func:`maturity` and :func:`priorities` — the documented scale and rule (see docs/analyses/
   01_alignment_audit.md).
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats as _st

from smk.views import fmt
from smk.errors import ConfigError
from smk.io.ledger import SET_ASIDE
from smk.io.schema import SURVEY_TEAMS
from smk.analyses.stats import bh_adjust, wilson_interval
from smk.io.survey import ANSWER_COLUMNS, BANK_PATH, LIKERT, NOTEBOOKS, clean_survey, dimensions, question_bank  # noqa: F401

MIN_TEAM_N = 3  # fewer respondents than this on a side: scores and gaps come with a caution
GAP_TEAMS = ("sales", "marketing")
SEED = 20240101  # Monte Carlo permutations only (exact enumeration below EXACT_LIMIT splits)
EXACT_LIMIT = 200_000


#: Maturity scale (seed 001: "from completely misaligned to needing a small adjustment").
MATURITY: dict[int, dict[str, str]] = {
    1: {"en": "Misaligned", "es": "Desalineados",
        "desc_en": "the teams work apart; basics (meetings, definitions, follow-up) are missing",
        "desc_es": "los equipos trabajan por separado; faltan lo básico (reuniones, definiciones, seguimiento)"},
    2: {"en": "In contact", "es": "En contacto",
        "desc_en": "the teams talk, but without shared definitions, goals or an SLA",
        "desc_es": "los equipos hablan, pero sin definiciones, objetivos ni SLA compartidos"},
    3: {"en": "Cooperating", "es": "Cooperando",
        "desc_en": "some shared practices, with weak pillars that hold the rest back",
        "desc_es": "algunas prácticas compartidas, con pilares débiles que frenan el resto"},
    4: {"en": "Aligned", "es": "Alineados",
        "desc_en": "shared goals, definitions and follow-up are in place and measured",
        "desc_es": "objetivos, definiciones y seguimiento compartidos, implantados y medidos"},
    5: {"en": "Fine-tuning", "es": "Ajuste fino",
        "desc_en": "aligned and data-driven; what is left is fine-tuning",
        "desc_es": "alineados y guiados por datos; solo queda afinar"},
}
#: Lower edges of the balanced mean score for levels 2..5 (equal bins of 0.8 on the 1–5 scale).
LEVEL_EDGES = (1.8, 2.6, 3.4, 4.2)
WEAK_PILLAR = 2.5  # a dimension below this caps the level at 3
WEAK_EVIDENCE_FOR_PENALTY = 2  # this many weak data indicators lower the level by one
ONE_SIDE_CAP = 3  # without answers from both sales and marketing the level is at most this

#: Rules of thumb for the data indicators (status 'weak' when crossed). Parameters of data_evidence.
THRESHOLDS: dict[str, float] = {
    "contacted_share_min": 0.90,  # share of MQLs ever contacted
    "within_sla_share_min": 0.80,  # share of MQLs first contacted within sla.first_contact_hours
    "mql_lift_min": 1.5,  # MQL→customer rate ÷ other leads' rate
    "source_share_min": 0.90,  # leads with a recorded source
    "linked_share_min": 0.90,  # deals linked to a lead
    "volume_change_min": -0.20,  # last 3 complete months vs the 3 before
}

TEAM_LABELS = {
    "en": {"sales": "sales", "marketing": "marketing", "management": "management", "all": "all"},
    "es": {"sales": "ventas", "marketing": "marketing", "management": "dirección", "all": "todos"},
}

#: Column labels for display (``ctx.table(df, labels=LABELS[lang])``).
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "dimension": "Dimension", "label": "Dimension", "team": "Team", "n": "Respondents",
        "mean": "Mean score", "ci_low": "95 % CI low", "ci_high": "95 % CI high", "ci": "95 % interval",
        "score": "Score (1–5)", "sales": "Sales", "marketing": "Marketing", "management": "Management",
        "n_sales": "n sales", "n_marketing": "n marketing", "gap": "Gap (sales − marketing)",
        "pvalue": "p-value", "qvalue": "q-value (BH)", "caution": "Caution", "significant": "Significant",
        "indicator": "Indicator", "value": "Value", "status": "Status", "relation": "Survey vs data",
        "sentence": "What it means", "rank": "#", "priority_score": "Priority score",
        "notebook": "Notebook", "why": "Why", "action": "What to do", "question_id": "Question id",
        "text": "Statement", "respondents": "Respondents", "answers": "Answers",
    },
    "es": {
        "dimension": "Dimensión", "label": "Dimensión", "team": "Equipo", "n": "Encuestados",
        "mean": "Puntuación media", "ci_low": "IC 95 % inf.", "ci_high": "IC 95 % sup.", "ci": "Intervalo 95 %",
        "score": "Puntuación (1–5)", "sales": "Ventas", "marketing": "Marketing", "management": "Dirección",
        "n_sales": "n ventas", "n_marketing": "n marketing", "gap": "Brecha (ventas − marketing)",
        "pvalue": "valor p", "qvalue": "valor q (BH)", "caution": "Precaución", "significant": "Significativa",
        "indicator": "Indicador", "value": "Valor", "status": "Estado", "relation": "Encuesta frente a datos",
        "sentence": "Qué significa", "rank": "#", "priority_score": "Puntuación de prioridad",
        "notebook": "Cuaderno", "why": "Por qué", "action": "Qué hacer", "question_id": "Id de pregunta",
        "text": "Afirmación", "respondents": "Encuestados", "answers": "Respuestas",
    },
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
    """One row per dimension with answers: ``dimension, label_en, label_es, score, sales,
    marketing, management, n_all, gap, qvalue, caution``. ``score`` is the *balanced* score: the
    mean of the team means that exist (each team weighs the same, however many people answered)."""
    cols = ["dimension", "label_en", "label_es", "score", "sales", "marketing", "management", "n_all",
            "gap", "abs_gap", "qvalue", "caution", "significant"]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    teams = scores[scores["team"] != "all"]
    wide = teams.pivot(index="dimension", columns="team", values="mean")
    out = dims[["dimension", "label_en", "label_es"]].merge(wide.reset_index(), on="dimension", how="inner")
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
def _last_complete_months(data_end: pd.Timestamp, k: int) -> list[pd.Period]:
    end = data_end.tz_localize(None) if data_end.tzinfo else data_end
    p = end.to_period("M")
    if end.normalize() < p.end_time.normalize():  # data_end's month is complete only on its last day
        p = p - 1
    return [p - i for i in range(k - 1, -1, -1)]


def _indicator(ind: str, dim: str, value: float, status: str, n: int, fact_en: str, fact_es: str,
               ci_low: float = float("nan"), ci_high: float = float("nan"), kind: str = "pct") -> dict:
    return {"indicator": ind, "dimension": dim, "value": value, "kind": kind, "ci_low": ci_low,
            "ci_high": ci_high, "n": n, "status": status, "fact_en": fact_en, "fact_es": fact_es}


def data_evidence(client, *, thresholds: dict[str, float] | None = None) -> pd.DataFrame:
    """Indicators from the CRM: ``indicator, dimension, value, kind, ci_low, ci_high, n, status
    ('ok' | 'weak' | 'info' | 'n/a'), fact_en, fact_es``. Only indicators whose tables exist.

    - ``mql_contacted`` (follow_up): share of MQLs at least ``sla.attempts_within_days`` old that
      received at least one contact attempt (Wilson 95 %); weak below ``contacted_share_min``.
      Without ``mql_at`` every lead counts as an MQL (said in the sentence).
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
    from smk.analyses.contacts import contact_summary
    from smk.analyses.outcomes import lead_outcomes

    th = {**THRESHOLDS, **(thresholds or {})}
    leads, deals, end = client.leads, client.deals, pd.Timestamp(client.data_end)
    cfg = client.config
    rows: list[dict] = []
    has_mql = "mql_at" in leads and leads["mql_at"].notna().any()
    mql_mask = leads["mql_at"].notna() if has_mql else pd.Series(True, index=leads.index)
    mql_start = leads["mql_at"].where(leads["mql_at"].notna(), leads["created_at"]) if has_mql else leads["created_at"]
    who_en, who_es = ("MQLs", "MQL") if has_mql else ("leads (no MQL date recorded)", "leads (sin fecha de MQL)")

    # follow-up: ever contacted, and time to first contact
    has_contacts = (client.contact_attempts is not None and len(client.contact_attempts) > 0) or \
        "n_attempts" in leads or "first_contact_at" in leads
    if has_contacts:  # (contact_summary fails on tz-aware leads with neither log nor counters)
        cs = contact_summary(leads, client.contact_attempts)
        days = cfg.sla.attempts_within_days
        old = mql_mask & ((end - mql_start).dt.total_seconds() >= days * 86400)
        contacted = (cs["n_attempts"].fillna(0).to_numpy() > 0) | cs["first_attempt_at"].notna().to_numpy()
        k, n = int(contacted[old.to_numpy()].sum()), int(old.sum())
        if n:
            share = k / n
            lo, hi = wilson_interval(k, n)
            weak = share < th["contacted_share_min"]
            rows.append(_indicator(
                "mql_contacted", "follow_up", share, "weak" if weak else "ok", n,
                (f"{fmt.pct(1 - share, 'en')} of {who_en} at least {days} days old were never contacted "
                 f"({fmt.number(n - k, 'en')} of {fmt.number(n, 'en')})") if weak else
                (f"{fmt.pct(share, 'en')} of {who_en} at least {days} days old were contacted at least once "
                 f"({fmt.number(n - k, 'en')} never)"),
                (f"el {fmt.pct(1 - share, 'es')} de los {who_es} con al menos {days} días nunca fue contactado "
                 f"({fmt.number(n - k, 'es')} de {fmt.number(n, 'es')})") if weak else
                (f"el {fmt.pct(share, 'es')} de los {who_es} con al menos {days} días fue contactado al menos una vez "
                 f"({fmt.number(n - k, 'es')} nunca)"), lo, hi))
            # first contact within the SLA hours (all MQLs old enough; never contacted = not within)
            sla_h = float(cfg.sla.first_contact_hours)
            first = pd.Series(cs["first_attempt_at"].array, index=leads.index)
            delay = ((first - mql_start).dt.total_seconds() / 3600).clip(lower=0)
            within = (delay <= sla_h).fillna(False).to_numpy(bool)
            kw = int(within[old.to_numpy()].sum())
            share_w = kw / n
            lo_w, hi_w = wilson_interval(kw, n)
            worst_en = worst_es = ""
            if "team" in leads and leads["team"].notna().any():
                per = pd.DataFrame({"team": leads["team"].to_numpy(), "w": within, "old": old.to_numpy()})
                per = per[per["old"] & per["team"].notna()].groupby("team", sort=True)["w"].agg(["mean", "size"])
                per = per[per["size"] >= cfg.analysis.min_group_size]
                if len(per) > 1:
                    wt = per.sort_values("mean", kind="stable").index[0]
                    worst_en = f"; team {wt}: {fmt.pct(per.loc[wt, 'mean'], 'en')}"
                    worst_es = f"; equipo {wt}: {fmt.pct(per.loc[wt, 'mean'], 'es')}"
            rows.append(_indicator(
                "contacted_within_sla", "follow_up", share_w,
                "weak" if share_w < th["within_sla_share_min"] else "ok", n,
                f"{fmt.pct(share_w, 'en')} of {who_en} were first contacted within the SLA's "
                f"{fmt.number(sla_h, 'en')} h{worst_en}",
                f"el {fmt.pct(share_w, 'es')} de los {who_es} recibió el primer contacto dentro de las "
                f"{fmt.number(sla_h, 'es')} h del SLA{worst_es}", lo_w, hi_w))
        first = pd.Series(cs["first_attempt_at"].array, index=leads.index)
        hours = ((first - mql_start).dt.total_seconds() / 3600).clip(lower=0)[mql_mask & first.notna()]
        if len(hours):
            med, sla_h = float(hours.median()), float(cfg.sla.first_contact_hours)
            rows.append(_indicator(
                "hours_to_first_contact", "follow_up", med, "weak" if med > sla_h else "ok", int(len(hours)),
                f"the median time from {'MQL' if has_mql else 'lead creation'} to first contact is "
                f"{fmt.duration_hours(med, 'en')} (SLA: {fmt.number(sla_h, 'en')} h)",
                f"la mediana del tiempo desde {'MQL' if has_mql else 'la creación del lead'} hasta el primer contacto es "
                f"{fmt.duration_hours(med, 'es')} (SLA: {fmt.number(sla_h, 'es')} h)", kind="hours"))

    # outcomes: MQL conversion and lift, sales cycle
    out = lead_outcomes(client)
    has_outcome = bool(out["won"].any() or out["lost"].any() or (deals is not None and len(deals)))
    if has_outcome:
        age_ok = ((end - out["created_at"]).dt.total_seconds() >= cfg.analysis.min_age_days * 86400).to_numpy()
        m = mql_mask.to_numpy() & age_ok
        k, n = int(out["won"].to_numpy()[m].sum()), int(m.sum())
        if n:
            rate = k / n
            lo, hi = wilson_interval(k, n)
            if has_mql:
                o = (~mql_mask.to_numpy()) & age_ok
                k0, n0 = int(out["won"].to_numpy()[o].sum()), int(o.sum())
                rate0 = k0 / n0 if n0 else float("nan")
                if n0 and rate0 > 0:
                    lift = rate / rate0
                    status = "weak" if lift < th["mql_lift_min"] else "ok"
                    tail_en = f"MQLs convert {fmt.number(lift, 'en', 1)}× as often"
                    tail_es = f"los MQL convierten {fmt.number(lift, 'es', 1)} veces más"
                else:  # no comparison group, or every customer went through the MQL stage
                    status = "info"
                    tail_en = "no lead without an MQL date became a customer" if n0 else "no other leads to compare"
                    tail_es = "ningún lead sin fecha de MQL se convirtió en cliente" if n0 else "sin otros leads con los que comparar"
                rows.append(_indicator(
                    "mql_conversion", "lead_quality", rate, status, n,
                    f"{fmt.pct(rate, 'en')} of MQLs at least {cfg.analysis.min_age_days} days old became customers "
                    f"vs {fmt.pct(rate0, 'en')} of other leads ({tail_en})",
                    f"el {fmt.pct(rate, 'es')} de los MQL con al menos {cfg.analysis.min_age_days} días se convirtió en cliente "
                    f"frente al {fmt.pct(rate0, 'es')} del resto de leads ({tail_es})", lo, hi))
            else:
                rows.append(_indicator(
                    "mql_conversion", "lead_quality", rate, "info", n,
                    f"{fmt.pct(rate, 'en')} of leads became customers (no MQL stage to compare)",
                    f"el {fmt.pct(rate, 'es')} de los leads se convirtió en cliente (sin etapa MQL con la que comparar)",
                    lo, hi))
        won = out[out["won"] & out["duration_days"].notna()]
        if len(won):
            med = float(won["duration_days"].median())
            rows.append(_indicator(
                "sales_cycle", "goals", med, "info", int(len(won)),
                f"the median sales cycle (lead created to customer) is {fmt.number(med, 'en')} days "
                f"({fmt.number(len(won), 'en')} customers)",
                f"la mediana del ciclo de venta (de lead creado a cliente) es de {fmt.number(med, 'es')} días "
                f"({fmt.number(len(won), 'es')} clientes)", kind="days"))

    # definitions: does the CRM record the MQL stage?
    n_leads = len(leads)
    if n_leads:
        k = int(leads["mql_at"].notna().sum()) if "mql_at" in leads else 0
        share = k / n_leads
        rows.append(_indicator(
            "mql_recorded", "definitions", share, "weak" if k == 0 else "info", n_leads,
            (f"{fmt.pct(share, 'en')} of leads have an MQL date" if k else "the CRM records no MQL stage (no lead has an MQL date)"),
            (f"el {fmt.pct(share, 'es')} de los leads tiene fecha de MQL" if k else "el CRM no registra la etapa MQL (ningún lead tiene fecha de MQL)"),
            *wilson_interval(k, n_leads)))

    # closed loop: source recorded, deals linked
    if n_leads:
        k = int(leads["channel"].notna().sum()) if "channel" in leads else 0
        share = k / n_leads
        rows.append(_indicator(
            "source_recorded", "closed_loop", share, "weak" if share < th["source_share_min"] else "ok", n_leads,
            f"{fmt.pct(share, 'en')} of leads have a recorded source (channel)",
            f"el {fmt.pct(share, 'es')} de los leads tiene un origen (canal) registrado", *wilson_interval(k, n_leads)))
    if deals is not None and len(deals):
        k = int(deals["lead_id"].notna().sum()) if "lead_id" in deals else 0
        n = len(deals)
        share = k / n
        rows.append(_indicator(
            "deals_linked", "closed_loop", share, "weak" if share < th["linked_share_min"] else "ok", n,
            f"{fmt.pct(share, 'en')} of deals are linked to the lead they came from",
            f"el {fmt.pct(share, 'es')} de las oportunidades está vinculada al lead del que salió", *wilson_interval(k, n)))

    # lead volume trend
    months = _last_complete_months(end, 6)
    created = leads["created_at"]
    created = created.dt.tz_localize(None) if getattr(created.dt, "tz", None) is not None else created
    per_month = created.dt.to_period("M").value_counts().reindex(months, fill_value=0)
    first_month = created.min().to_period("M") if n_leads else None
    if n_leads and first_month is not None and first_month <= months[0]:
        before, recent = float(per_month.iloc[:3].mean()), float(per_month.iloc[3:].mean())
        change = recent / before - 1 if before > 0 else float("nan")
        status = "weak" if (not math.isnan(change) and change < th["volume_change_min"]) else "ok"
        rows.append(_indicator(
            "lead_volume", "lead_quality", change, status, int(per_month.sum()),
            f"{fmt.number(recent, 'en')} leads a month in the last 3 complete months vs {fmt.number(before, 'en')} "
            f"in the 3 before ({fmt.signed_change(change, 'en')})",
            f"{fmt.number(recent, 'es')} leads al mes en los últimos 3 meses completos frente a {fmt.number(before, 'es')} "
            f"en los 3 anteriores ({fmt.signed_change(change, 'es')})", kind="change"))
    cols = ["indicator", "dimension", "value", "kind", "ci_low", "ci_high", "n", "status", "fact_en", "fact_es"]
    return pd.DataFrame(rows, columns=cols)


def format_value(row: pd.Series | dict, lang: str = "en") -> str:
    """An indicator's value in the report language (percent, hours, days or change)."""
    v, kind = row["value"], row["kind"]
    if kind == "pct":
        return fmt.pct(v, lang)
    if kind == "hours":
        return fmt.duration_hours(v, lang)
    if kind == "days":
        return f"{fmt.number(v, lang)} {'días' if lang == 'es' else 'days'}"
    return fmt.signed_change(v, lang)


def _lc(label: str) -> str:
    """Lower-case the first letter of a label for use mid-sentence, keeping acronyms (``SLA``)."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def compare_evidence(evidence: pd.DataFrame, summary: pd.DataFrame, *, high: float = 3.5,
                     low: float = 3.0) -> pd.DataFrame:
    """Put each indicator next to its survey dimension: adds ``score, relation ('confirms' |
    'contradicts' | 'mixed' | 'info' | 'no survey'), sentence_en, sentence_es``.

    Rule: a weak indicator *contradicts* the survey when some team rates the dimension ≥ ``high``
    ("marketing rates follow-up 4.0/5, but 38 % of MQLs were never contacted") and *confirms* it
    when the balanced score is < ``low``; a good indicator confirms a balanced score ≥ ``high`` and
    contradicts one < ``low``. Anything else is mixed; 'info' indicators only inform."""
    s = summary.set_index("dimension") if len(summary) else pd.DataFrame()
    out = evidence.copy()
    rel, sen, ses, score = [], [], [], []
    for _, r in out.iterrows():
        fe, fs = r["fact_en"], r["fact_es"]
        if r["dimension"] not in s.index:
            rel.append("no survey"); score.append(float("nan"))
            sen.append(fe[0].upper() + fe[1:] + "."); ses.append(fs[0].upper() + fs[1:] + ".")
            continue
        d = s.loc[r["dimension"]]
        bal = float(d["score"])
        score.append(bal)
        team_means = {t: float(d[t]) for t in SURVEY_TEAMS if pd.notna(d[t])}
        top_t = max(team_means, key=lambda t: (team_means[t], t))
        low_t = min(team_means, key=lambda t: (team_means[t], t))
        le, ls = d["label_en"], d["label_es"]
        se = lambda v: fmt.number(v, "en", 1)  # noqa: E731
        ss = lambda v: fmt.number(v, "es", 1)  # noqa: E731
        if r["status"] == "weak" and team_means[top_t] >= high:
            rel.append("contradicts")
            sen.append(f"{TEAM_LABELS['en'][top_t].capitalize()} rates {_lc(le)} {se(team_means[top_t])}/5, but {fe}.")
            ses.append(f"{TEAM_LABELS['es'][top_t].capitalize()} puntúa «{_lc(ls)}» con {ss(team_means[top_t])}/5, pero {fs}.")
        elif r["status"] == "weak" and bal < low:
            rel.append("confirms")
            sen.append(f"{fe[0].upper() + fe[1:]}: this confirms the low score for {_lc(le)} ({se(bal)}/5).")
            ses.append(f"{fs[0].upper() + fs[1:]}: confirma la baja puntuación de «{_lc(ls)}» ({ss(bal)}/5).")
        elif r["status"] == "ok" and bal >= high:
            rel.append("confirms")
            sen.append(f"{fe[0].upper() + fe[1:]}, in line with the score for {_lc(le)} ({se(bal)}/5).")
            ses.append(f"{fs[0].upper() + fs[1:]}, en línea con la puntuación de «{_lc(ls)}» ({ss(bal)}/5).")
        elif r["status"] == "ok" and bal < low:
            rel.append("contradicts")
            sen.append(f"{TEAM_LABELS['en'][low_t].capitalize()} rates {_lc(le)} {se(team_means[low_t])}/5, yet {fe}: "
                       "the data look better than the perception.")
            ses.append(f"{TEAM_LABELS['es'][low_t].capitalize()} puntúa «{_lc(ls)}» con {ss(team_means[low_t])}/5, y sin embargo "
                       f"{fs}: los datos están mejor que la percepción.")
        else:
            rel.append("info" if r["status"] in ("info", "n/a") else "mixed")
            sen.append(f"{fe[0].upper() + fe[1:]} (survey: {_lc(le)} {se(bal)}/5).")
            ses.append(f"{fs[0].upper() + fs[1:]} (encuesta: «{_lc(ls)}» {ss(bal)}/5).")
    out["score"], out["relation"], out["sentence_en"], out["sentence_es"] = score, rel, sen, ses
    return out


# --------------------------------------------------------------------------------------------
# 5. Verdict and priorities
# --------------------------------------------------------------------------------------------
def level_from_score(score: float) -> int:
    """Base level: 1 below 1.8, 2 from 1.8, 3 from 2.6, 4 from 3.4, 5 from 4.2 (equal bins of 0.8)."""
    return 1 + sum(score >= e for e in LEVEL_EDGES)


@dataclass
class Verdict:
    level: int | None
    name_en: str
    name_es: str
    score: float
    steps_en: list[str] = field(default_factory=list)
    steps_es: list[str] = field(default_factory=list)
    cautions_en: list[str] = field(default_factory=list)
    cautions_es: list[str] = field(default_factory=list)

    def name(self, lang: str = "en") -> str:
        return self.name_es if lang == "es" else self.name_en

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"level": self.level, "name_en": self.name_en, "name_es": self.name_es,
                              "score": self.score}])


def maturity(summary: pd.DataFrame, evidence: pd.DataFrame | None = None) -> Verdict:
    """Maturity level 1–5 (:data:`MATURITY`), derived in three steps:

    1. S = mean over dimensions of the balanced score (mean of team means); base level from S
       (:func:`level_from_score`: bins 1.8 / 2.6 / 3.4 / 4.2);
    2. weak pillar: if any dimension scores below 2.5, the level is at most 3;
    3. data over opinions: if 2 or more data indicators are weak, the level drops by one (min 1);
    4. one side only: without answers from both sales and marketing, the level is at most 3.
    """
    if summary.empty:
        return Verdict(None, "Not enough data", "Datos insuficientes", float("nan"),
                       cautions_en=["No valid survey answers."], cautions_es=["No hay respuestas válidas de la encuesta."])
    S = float(summary["score"].mean())
    level = level_from_score(S)
    se, ss = fmt.number(S, "en", 2), fmt.number(S, "es", 2)
    steps_en = [f"Mean score over {len(summary)} dimensions (each team weighs the same): {se}/5 → level {level}."]
    steps_es = [f"Puntuación media de {len(summary)} dimensiones (cada equipo pesa igual): {ss}/5 → nivel {level}."]
    weakest = summary.sort_values(["score", "dimension"], kind="stable").iloc[0]
    if weakest["score"] < WEAK_PILLAR and level > 3:
        level = 3
        steps_en.append(f"{weakest['label_en']} scores {fmt.number(weakest['score'], 'en', 1)}/5 (below 2.5): at most level 3.")
        steps_es.append(f"«{weakest['label_es']}» puntúa {fmt.number(weakest['score'], 'es', 1)}/5 (menos de 2,5): como mucho nivel 3.")
    n_weak = int((evidence["status"] == "weak").sum()) if evidence is not None and len(evidence) else 0
    if n_weak >= WEAK_EVIDENCE_FOR_PENALTY and level > 1:
        level -= 1
        steps_en.append(f"{n_weak} indicators from the data are weak (data over opinions): one level down → {level}.")
        steps_es.append(f"{n_weak} indicadores de los datos son débiles (datos antes que opiniones): un nivel menos → {level}.")
    teams = [t for t in SURVEY_TEAMS if summary[t].notna().any()]
    if not {"sales", "marketing"} <= set(teams) and level > ONE_SIDE_CAP:
        level = ONE_SIDE_CAP
        steps_en.append(f"Sales or marketing did not answer: alignment cannot be shown from one side, at most level {level}.")
        steps_es.append(f"Ventas o marketing no respondió: la alineación no se puede demostrar desde un solo lado, como mucho nivel {level}.")
    cautions_en, cautions_es = [], []
    n_resp = int(summary["n_all"].max())
    if n_resp < 2 * MIN_TEAM_N:
        cautions_en.append(f"Only {n_resp} respondent(s): read the scores as an indication, not a measurement.")
        cautions_es.append(f"Solo {n_resp} persona(s) respondieron: lea las puntuaciones como una indicación, no como una medida.")
    if not {"sales", "marketing"} <= set(teams):
        te = ", ".join(TEAM_LABELS["en"][t] for t in teams) or "none"
        ts = ", ".join(TEAM_LABELS["es"][t] for t in teams) or "ninguno"
        cautions_en.append(f"Only these teams answered: {te}. Alignment needs both sides' view; perception gaps cannot be measured.")
        cautions_es.append(f"Solo respondieron estos equipos: {ts}. La alineación necesita la visión de ambos lados; no se pueden medir brechas de percepción.")
    return Verdict(level, MATURITY[level]["en"], MATURITY[level]["es"], S, steps_en, steps_es, cautions_en, cautions_es)


def priorities(summary: pd.DataFrame, dims: pd.DataFrame, evidence: pd.DataFrame | None = None,
               *, top: int = 3) -> pd.DataFrame:
    """Top ``top`` dimensions to work on: ``rank, dimension, label_en, label_es, priority_score,
    score, gap, n_weak, notebook, notebook_en, notebook_es, why_en, why_es, action_en, action_es``.

    priority_score = (5 − balanced score) + |sales − marketing gap| (0 if not measurable)
    + 1 per weak data indicator of the dimension. Ties: questionnaire order."""
    cols = ["rank", "dimension", "label_en", "label_es", "priority_score", "score", "gap", "n_weak", "notebook",
            "notebook_en", "notebook_es", "why_en", "why_es", "action_en", "action_es"]
    if summary.empty:
        return pd.DataFrame(columns=cols)
    ev = evidence if evidence is not None else pd.DataFrame(columns=["dimension", "status", "fact_en", "fact_es"])
    weak = ev[ev["status"] == "weak"]
    df = summary.merge(dims[["dimension", "notebook", "action_en", "action_es", "order"]], on="dimension", how="left")
    df["n_weak"] = df["dimension"].map(weak.groupby("dimension").size()).fillna(0).astype(int)
    df["priority_score"] = (LIKERT[1] - df["score"]) + df["abs_gap"].fillna(0) + df["n_weak"]
    df = df.sort_values(["priority_score", "order"], ascending=[False, True], kind="stable").head(top).reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    why_en, why_es = [], []
    for _, r in df.iterrows():
        e = [f"scores {fmt.number(r['score'], 'en', 1)}/5"]
        s = [f"puntúa {fmt.number(r['score'], 'es', 1)}/5"]
        if pd.notna(r["gap"]) and abs(r["gap"]) >= 0.5:
            hi_en, lo_en = ("sales", "marketing") if r["gap"] > 0 else ("marketing", "sales")
            hi_es, lo_es = ("ventas", "marketing") if r["gap"] > 0 else ("marketing", "ventas")
            e.append(f"{hi_en} rates it {fmt.number(abs(r['gap']), 'en', 1)} points higher than {lo_en}")
            s.append(f"{hi_es} la puntúa {fmt.number(abs(r['gap']), 'es', 1)} puntos más que {lo_es}")
        for _, w in weak[weak["dimension"] == r["dimension"]].iterrows():
            e.append(w["fact_en"])
            s.append(w["fact_es"])
        why_en.append("; ".join(e))
        why_es.append("; ".join(s))
    df["why_en"], df["why_es"] = why_en, why_es
    df["notebook_en"] = df["notebook"].map(lambda n: NOTEBOOKS.get(n, {}).get("en", fmt.MISSING) if n else fmt.MISSING)
    df["notebook_es"] = df["notebook"].map(lambda n: NOTEBOOKS.get(n, {}).get("es", fmt.MISSING) if n else fmt.MISSING)
    return df[cols]


# --------------------------------------------------------------------------------------------
# 6. The whole audit
# --------------------------------------------------------------------------------------------
@dataclass
class AlignmentAudit:
    """Everything notebook 01 shows. ``summary()`` is the per-dimension table."""

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

    def summary(self) -> pd.DataFrame:
        return self.dimension_table

    @property
    def n_respondents(self) -> int:
        return int(self.answers["respondent"].nunique()) if len(self.answers) else 0


def audit(client, *, alpha: float | None = None, thresholds: dict[str, float] | None = None,
          seed: int = SEED) -> AlignmentAudit:
    """Run the whole alignment audit on a :class:`smk.Client` (see the module docstring)."""
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
    return AlignmentAudit(bank, dims, answers, resp, scores, gaps, table, evidence, verdict, prio)


# --------------------------------------------------------------------------------------------
# 7. Display helpers (tidy frames already labelled and formatted for the report language)
# --------------------------------------------------------------------------------------------
def score_table(a: AlignmentAudit, lang: str = "en") -> pd.DataFrame:
    """Per dimension: label, balanced score, each team's mean with n and 95 % t-interval, formatted."""
    fmt.check_lang(lang)
    L = LABELS[lang]
    rows = []
    for _, d in a.dimension_table.iterrows():
        row = {L["dimension"]: d[f"label_{lang}"], L["score"]: fmt.number(d["score"], lang, 1)}
        for t in SURVEY_TEAMS:
            s = a.scores[(a.scores["dimension"] == d["dimension"]) & (a.scores["team"] == t)]
            if len(s):
                s = s.iloc[0]
                ci = fmt.ci(s["ci_low"], s["ci_high"], lang, kind="number") if s["n"] >= 2 else fmt.MISSING
                mark = " ⚠" if s["too_few"] else ""
                row[L[t]] = f"{fmt.number(s['mean'], lang, 1)} {ci} (n={s['n']}){mark}"
            else:
                row[L[t]] = fmt.MISSING
        rows.append(row)
    return pd.DataFrame(rows)


def _signed(x: float, lang: str, decimals: int = 1) -> str:
    """A signed score difference: ``+1.7``, ``−2.6``, ``0.0`` (no ``-0.0``)."""
    if pd.isna(x):
        return fmt.MISSING
    r = round(float(x), decimals)
    if r == 0:
        return fmt.number(0, lang, decimals)
    return ("+" if r > 0 else "−") + fmt.number(abs(r), lang, decimals)


def gap_table(a: AlignmentAudit, lang: str = "en") -> pd.DataFrame:
    """Per dimension: sales and marketing means, gap, p-value, BH q-value, caution — formatted."""
    fmt.check_lang(lang)
    L = LABELS[lang]
    labels = a.dims.set_index("dimension")[f"label_{lang}"]
    yes, no = ("sí", "no") if lang == "es" else ("yes", "no")
    few = "pocos encuestados" if lang == "es" else "few respondents"
    rows = []
    for _, g in a.gaps.iterrows():
        rows.append({
            L["dimension"]: labels[g["dimension"]],
            L["sales"]: f"{fmt.number(g['sales'], lang, 1)} (n={g['n_sales']})",
            L["marketing"]: f"{fmt.number(g['marketing'], lang, 1)} (n={g['n_marketing']})",
            L["gap"]: _signed(g["gap"], lang),
            L["pvalue"]: fmt.number(g["pvalue"], lang, 3),
            L["qvalue"]: fmt.number(g["qvalue"], lang, 3),
            L["significant"]: yes if g["significant"] else no,
            L["caution"]: few if g["caution"] else "",
        })
    return pd.DataFrame(rows)


def evidence_table(a: AlignmentAudit, lang: str = "en") -> pd.DataFrame:
    """Per indicator: dimension, value (formatted, with its interval for shares), survey vs data, sentence."""
    fmt.check_lang(lang)
    L = LABELS[lang]
    names = INDICATOR_NAMES[lang]
    labels = a.dims.set_index("dimension")[f"label_{lang}"]
    rel = RELATION_LABELS[lang]
    rows = []
    for _, r in a.evidence.iterrows():
        v = format_value(r, lang)
        if r["kind"] == "pct" and pd.notna(r["ci_low"]):
            v += " " + fmt.ci(r["ci_low"], r["ci_high"], lang)
        rows.append({L["indicator"]: names.get(r["indicator"], r["indicator"]),
                     L["dimension"]: labels.get(r["dimension"], r["dimension"]),
                     L["value"]: v, L["relation"]: rel.get(r["relation"], r["relation"]),
                     L["sentence"]: r[f"sentence_{lang}"]})
    return pd.DataFrame(rows)


def priority_table(a: AlignmentAudit, lang: str = "en") -> pd.DataFrame:
    """Top priorities: rank, dimension, why, what to do, and the notebook that addresses it."""
    fmt.check_lang(lang)
    L = LABELS[lang]
    return pd.DataFrame({
        L["rank"]: a.priorities["rank"].astype(int),
        L["dimension"]: a.priorities[f"label_{lang}"],
        L["why"]: a.priorities[f"why_{lang}"],
        L["action"]: a.priorities[f"action_{lang}"],
        L["notebook"]: a.priorities[f"notebook_{lang}"],
    })


def question_table(a: AlignmentAudit, lang: str = "en") -> pd.DataFrame:
    """The questionnaire as asked: dimension, question id, statement in ``lang``, respondents and
    mean answer (answers 1–5: 1 = strongly disagree, 5 = strongly agree)."""
    fmt.check_lang(lang)
    L = LABELS[lang]
    per_q = a.answers.groupby("question_id")["answer"].agg(["size", "mean"]) if len(a.answers) else pd.DataFrame(
        columns=["size", "mean"])
    return pd.DataFrame({
        L["dimension"]: a.bank[f"label_{lang}"].to_numpy(),
        L["question_id"]: a.bank["id"].to_numpy(),
        L["text"] + (" (1–5)" if lang == "en" else " (1–5)"): a.bank[f"text_{lang}"].to_numpy(),
        L["answers"]: [int(per_q["size"].get(q, 0)) for q in a.bank["id"]],
        L["mean"]: [fmt.number(per_q["mean"].get(q, float("nan")), lang, 1) for q in a.bank["id"]],
    })


INDICATOR_NAMES = {
    "en": {"mql_contacted": "MQLs ever contacted", "contacted_within_sla": "MQLs contacted within the SLA", "hours_to_first_contact": "Median time to first contact",
           "mql_conversion": "MQL → customer", "mql_recorded": "Leads with an MQL date",
           "sales_cycle": "Median sales cycle", "source_recorded": "Leads with a recorded source",
           "deals_linked": "Deals linked to a lead", "lead_volume": "Lead volume trend"},
    "es": {"mql_contacted": "MQL contactados alguna vez", "contacted_within_sla": "MQL contactados dentro del SLA", "hours_to_first_contact": "Mediana hasta el primer contacto",
           "mql_conversion": "MQL → cliente", "mql_recorded": "Leads con fecha de MQL",
           "sales_cycle": "Mediana del ciclo de venta", "source_recorded": "Leads con origen registrado",
           "deals_linked": "Oportunidades vinculadas a un lead", "lead_volume": "Tendencia del volumen de leads"},
}
RELATION_LABELS = {
    "en": {"confirms": "confirms the survey", "contradicts": "contradicts the survey", "mixed": "mixed",
           "info": "for information", "no survey": "no survey question"},
    "es": {"confirms": "confirma la encuesta", "contradicts": "contradice la encuesta", "mixed": "mixto",
           "info": "informativo", "no survey": "sin pregunta en la encuesta"},
}


def narrative(a: AlignmentAudit, lang: str = "en") -> dict[str, str]:
    """Bilingual sentences for the notebook: ``verdict``, ``derivation``, ``cautions``,
    ``weakest``, ``largest_gap``, ``respondents`` (each in ``lang``)."""
    fmt.check_lang(lang)
    es = lang == "es"
    v = a.verdict
    out: dict[str, str] = {}
    n_r = a.n_respondents
    by_team = a.answers.groupby("team")["respondent"].nunique() if len(a.answers) else pd.Series(dtype=int)
    parts = ", ".join(f"{TEAM_LABELS[lang].get(t, t)} {int(by_team[t])}" for t in SURVEY_TEAMS if t in by_team)
    out["respondents"] = (f"{n_r} personas respondieron ({parts}); {len(a.answers)} respuestas válidas."
                          if es else f"{n_r} people answered ({parts}); {len(a.answers)} valid answers.")
    if v.level is None:
        out["verdict"] = ("No hay respuestas válidas: no se puede dar un nivel de madurez."
                          if es else "No valid answers: no maturity level can be given.")
    else:
        desc = MATURITY[v.level]["desc_es" if es else "desc_en"]
        out["verdict"] = (f"Nivel de madurez {v.level} de 5: {v.name_es} ({desc})." if es
                          else f"Maturity level {v.level} of 5: {v.name_en} ({desc}).")
    out["derivation"] = " ".join(v.steps_es if es else v.steps_en)
    out["cautions"] = " ".join(v.cautions_es if es else v.cautions_en)
    t = a.dimension_table
    if len(t):
        w = t.sort_values(["score", "dimension"], kind="stable").iloc[0]
        out["weakest"] = (f"La dimensión más débil es «{w['label_es']}» ({fmt.number(w['score'], 'es', 1)}/5)." if es
                          else f"The weakest dimension is {_lc(w['label_en'])} ({fmt.number(w['score'], 'en', 1)}/5).")
    else:
        out["weakest"] = ""
    g = largest_gap(a)
    if g is None:
        out["largest_gap"] = ("No se puede medir la brecha de percepción: hacen falta respuestas de ventas y de marketing."
                              if es else "No perception gap can be measured: it needs answers from both sales and marketing.")
    else:
        lab = a.dims.set_index("dimension").loc[g["dimension"], f"label_{lang}"]
        hi, lo = ("sales", "marketing") if g["gap"] > 0 else ("marketing", "sales")
        sig = (("es estadísticamente significativa" if es else "is statistically significant") if g["significant"] else
               ("no es concluyente con tan pocos encuestados" if es and g["caution"] else
                "is not conclusive with so few respondents" if g["caution"] else
                "no es estadísticamente significativa" if es else "is not statistically significant"))
        q = fmt.number(g["qvalue"], lang, 3)
        if es:
            out["largest_gap"] = (f"La mayor brecha de percepción está en «{lab}»: {TEAM_LABELS['es'][hi]} puntúa "
                                  f"{fmt.number(g[hi], 'es', 1)} y {TEAM_LABELS['es'][lo]} {fmt.number(g[lo], 'es', 1)} "
                                  f"({fmt.number(abs(g['gap']), 'es', 1)} puntos; q = {q}); la diferencia {sig}.")
        else:
            out["largest_gap"] = (f"The largest perception gap is on {_lc(lab)}: {hi} scores "
                                  f"{fmt.number(g[hi], 'en', 1)} and {lo} {fmt.number(g[lo], 'en', 1)} "
                                  f"({fmt.number(abs(g['gap']), 'en', 1)} points; q = {q}); the difference {sig}.")
    return out


def largest_gap(a: AlignmentAudit) -> pd.Series | None:
    """The dimension with the largest |sales − marketing| gap (ties: questionnaire order), or None."""
    g = a.gaps.dropna(subset=["gap"])
    if g.empty:
        return None
    return g.sort_values("abs_gap", ascending=False, kind="stable").iloc[0]


def headlines(a: AlignmentAudit, lang: str = "en") -> list[dict[str, Any]]:
    """Headline figures for the index tile (``ctx.save_headlines('01', ...)``): maturity level,
    weakest dimension, largest perception gap. Each item: ``label_en, label_es, value, display``
    (``display`` in ``lang``). Items that cannot be computed are left out."""
    fmt.check_lang(lang)
    es = lang == "es"
    items: list[dict[str, Any]] = []
    v = a.verdict
    if v.level is not None:
        items.append({"label_en": "Maturity level", "label_es": "Nivel de madurez", "value": int(v.level),
                      "display": f"{v.level}/5 · {v.name(lang)}"})
    t = a.dimension_table
    if len(t):
        w = t.sort_values(["score", "dimension"], kind="stable").iloc[0]
        items.append({"label_en": "Weakest dimension", "label_es": "Dimensión más débil",
                      "value": round(float(w["score"]), 2),
                      "display": f"{w[f'label_{lang}']} ({fmt.number(w['score'], lang, 1)}/5)"})
    g = largest_gap(a)
    if g is not None:
        lab = a.dims.set_index("dimension").loc[g["dimension"], f"label_{lang}"]
        items.append({"label_en": "Largest perception gap", "label_es": "Mayor brecha de percepción",
                      "value": round(float(g["gap"]), 2),
                      "display": (f"{lab}: ventas {fmt.number(g['sales'], lang, 1)} · marketing {fmt.number(g['marketing'], lang, 1)}"
                                  if es else
                                  f"{lab}: sales {fmt.number(g['sales'], lang, 1)} · marketing {fmt.number(g['marketing'], lang, 1)}")})
    return items


def say(a: AlignmentAudit, *keys: str, lang: str = "en"):
    """The :func:`narrative` sentences ``keys`` as one paragraph for the notebook (``smk.report.Html``)."""
    import html as _html

    from smk.views.html import Html

    n = narrative(a, lang)
    text = " ".join(n[k] for k in keys if n.get(k))
    return Html(f"<p>{_html.escape(text)}</p>", text)


def verdict_box(a: AlignmentAudit, lang: str = "en"):
    """The verdict as a boxed note: level and name, how it was derived, cautions (``smk.report.Html``)."""
    import html as _html

    from smk.views.html import Html

    n = narrative(a, lang)
    parts = [f"<p><strong>{_html.escape(n['verdict'])}</strong></p>"]
    if n["derivation"]:
        parts.append(f"<p>{_html.escape(n['derivation'])}</p>")
    if n["cautions"]:
        parts.append(f"<p><em>{_html.escape(n['cautions'])}</em></p>")
    text = "\n".join(x for x in (n["verdict"], n["derivation"], n["cautions"]) if x)
    return Html('<div class="smk-note smk-note">' + "".join(parts) + "</div>", text)


def set_aside_answers(client, lang: str = "en") -> pd.DataFrame:
    """Survey rows set aside in the ledger (after :func:`clean_survey`): row in the file, column,
    value and the reason in ``lang``."""
    from smk.io.ledger import REASONS

    fmt.check_lang(lang)
    led = client.ledger.set_aside("survey")
    i = 0 if lang == "en" else 1
    cols = {"en": ["Row in the file", "Column", "Value", "Reason"], "es": ["Fila en el archivo", "Columna", "Valor", "Motivo"]}[lang]
    return pd.DataFrame({cols[0]: led["source_row"].astype("Int64").to_numpy(), cols[1]: led["column"].to_numpy(),
                         cols[2]: led["value"].to_numpy(), cols[3]: led["reason"].map(lambda r: REASONS[r][i]).to_numpy()})


# --------------------------------------------------------------------------------------------
# 8. Plot
# --------------------------------------------------------------------------------------------
def plot_dimension_scores(a: AlignmentAudit, *, lang: str = "en", ax=None):
    """Horizontal bars: each dimension's mean score per team side by side (1–5), with 95 %
    t-interval whiskers where a team has ≥ 2 respondents; dashed line at the neutral 3."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("tall"))
    s = a.scores[a.scores["team"].isin(SURVEY_TEAMS)]
    dims = [d for d in a.dims["dimension"] if d in set(s["dimension"])]
    teams = [t for t in SURVEY_TEAMS if t in set(s["team"])]
    labels = a.dims.set_index("dimension")[f"label_{lang}"]
    h = 0.8 / max(len(teams), 1)
    y = np.arange(len(dims))
    for i, t in enumerate(teams):
        st = s[s["team"] == t].set_index("dimension").reindex(dims)
        pos = y - 0.4 + h * (i + 0.5)
        ax.barh(pos, st["mean"] - 1, left=1, height=h, color=theme.COLORS[t], label=TEAM_LABELS[lang][t].capitalize())
        err_lo = (st["mean"] - st["ci_low"]).to_numpy(float)
        err_hi = (st["ci_high"] - st["mean"]).to_numpy(float)
        ax.errorbar(st["mean"], pos, xerr=np.vstack([err_lo, err_hi]), fmt="none", ecolor="#333333",
                    elinewidth=0.8, capsize=2)
    ax.axvline(3, color=theme.COLORS["neutral"], linestyle="--", linewidth=1)
    ax.set_yticks(y, [labels[d] for d in dims])
    ax.invert_yaxis()
    ax.set_xlim(1, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    _ = ax.set_xlabel("Puntuación media (1 = nada de acuerdo, 5 = totalmente de acuerdo)" if lang == "es"
                      else "Mean score (1 = strongly disagree, 5 = strongly agree)")
    _ = ax.set_title("Alineación por dimensión y equipo" if lang == "es" else "Alignment by dimension and team", pad=28)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=max(len(teams), 1), frameon=False,
              borderaxespad=0.2)
    return ax


# --------------------------------------------------------------------------------------------
# 9. Saving questionnaire answers (used by the widget form; testable without widgets)
# --------------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(v: Any) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection: prefix with ')."""
    s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
    if s and s[0] in _FORMULA_START and not _is_number(s):
        return "'" + s
    return s


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _stamp(v: Any, config, tc) -> str:
    """``answered_at`` as the file expects it: the table's ``date_formats.answered_at`` or
    ``date_format`` from client.yml (default ``%Y-%m-%d %H:%M``), tz-aware values first converted to
    the client's timezone (naive values are taken as already in it, as the loader reads them)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)) or (isinstance(v, str) and not v.strip()):
        return ""
    t = pd.Timestamp(v)
    if t.tzinfo is not None:
        t = t.tz_convert(config.tz).tz_localize(None)
    return t.strftime(tc.date_formats.get("answered_at") or tc.date_format or "%Y-%m-%d %H:%M")


def save_answers(config, answers: pd.DataFrame | list[dict], *, client_dir: str | Path | None = None,
                 bank: pd.DataFrame | None = None) -> Path:
    """Append questionnaire answers to the client's survey CSV (``tables.survey.file`` in client.yml).

    ``answers``: rows with ``respondent, team, question_id, answer`` and optionally ``answered_at``
    (pass it explicitly: the library never reads the clock). Columns are written under the
    client's own names (``tables.survey.columns`` maps canonical → source) and team values in the
    client's own vocabulary (reverse of ``tables.survey.values.team``); an existing file keeps its
    header, delimiter and encoding. Every answer is validated first (known question, team in
    sales/marketing/management, whole number 1–5): nothing is written if one is wrong
    (ValueError naming the row). Returns the file path.
    """
    tc = config.tables.get("survey")
    if tc is None:
        raise ConfigError("client.yml has no `tables.survey`: add e.g. `survey: {file: survey.csv}` under `tables:` "
                          "so answers have a file to go to.")
    if client_dir is not None:
        base = Path(client_dir)
        base = base.parent if base.is_file() else base
    else:
        base = config.path.parent if config.path else Path(".")
    path = base / tc.file
    if path.suffix.lower() not in (".csv", ".txt", ""):
        raise ConfigError(f"{path}: answers can only be appended to a CSV file; point `tables.survey.file` to a .csv.")
    df = pd.DataFrame(answers).copy()
    bank = question_bank(config.survey) if bank is None else bank
    need = ["respondent", "team", "question_id", "answer"]
    missing = [c for c in need if c not in df]
    if missing:
        raise ValueError(f"answers lack column(s): {', '.join(missing)}")
    if "answered_at" not in df:
        df["answered_at"] = None
    for i, r in df.reset_index(drop=True).iterrows():
        if not str(r["respondent"] or "").strip():
            raise ValueError(f"answer {i + 1}: the respondent is empty")
        if r["team"] not in SURVEY_TEAMS:
            raise ValueError(f"answer {i + 1}: team must be one of {', '.join(SURVEY_TEAMS)}, got {r['team']!r}")
        if r["question_id"] not in set(bank["id"]):
            raise ValueError(f"answer {i + 1}: unknown question {r['question_id']!r}")
        a = r["answer"]
        if isinstance(a, bool) or not _is_number(str(a)) or float(a) != round(float(a)) or not LIKERT[0] <= float(a) <= LIKERT[1]:
            raise ValueError(f"answer {i + 1}: answers are whole numbers from 1 to 5, got {a!r}")
    src_name = {c: tc.columns.get(c, c) for c in ("respondent", "team", "question_id", "answer", "answered_at")}
    team_map = tc.values.get("team", {})
    reverse_team: dict[str, str] = {}
    for source_value, canonical in team_map.items():
        reverse_team.setdefault(canonical, source_value)
    encoding = tc.encoding or "utf-8"
    delimiter = tc.delimiter
    header: list[str] | None = None
    if path.exists() and path.stat().st_size > 0:
        with open(path, encoding=encoding if encoding != "utf-8" else "utf-8-sig", newline="") as fh:
            first = fh.readline()
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = ","
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
        header = [h.strip() for h in header]
    delimiter = delimiter or ","
    if header is None:
        header = [src_name[c] for c in ("respondent", "team", "question_id", "answer", "answered_at")]
    canonical_by_source = {v: k for k, v in src_name.items()}
    absent = [src_name[c] for c in need if src_name[c] not in header]
    if absent:
        raise ConfigError(f"{path}: the header lacks column(s) {', '.join(absent)} (as mapped in client.yml); "
                          "answers cannot be appended safely.")
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    for _, r in df.iterrows():
        values = {"respondent": str(r["respondent"]).strip(), "team": reverse_team.get(r["team"], r["team"]),
                  "question_id": r["question_id"], "answer": int(float(r["answer"])),
                  "answered_at": _stamp(r["answered_at"], config, tc)}
        w.writerow([_safe_cell(values.get(canonical_by_source.get(h, ""), "")) for h in header])
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    needs_newline = False
    if not new:
        with open(path, "rb") as fh:
            fh.seek(-1, 2)
            needs_newline = fh.read(1) not in (b"\n", b"\r")
    with open(path, "a", encoding=encoding, newline="") as fh:
        if new:
            csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerow(header)
        elif needs_newline:
            fh.write("\n")
        fh.write(buf.getvalue())
    return path


def questionnaire_form(client, *, lang: str = "en", answered_at: Any = None):
    # ``answered_at`` None: the moment *Save* is pressed, in the client's timezone (the one place the
    # library reads the clock: it stamps a live answer, it never enters an analysis as "now").
    """An ipywidgets form to run the questionnaire live (JupyterLab only; never under papermill):
    respondent name, team, one 1–5 toggle per question, and a Save button that appends the answers
    with :func:`save_answers` and reports how many were written. ``answered_at`` (optional): a
    timestamp or a callable returning one; default: the time of *Save* in the client's timezone."""
    import ipywidgets as w

    fmt.check_lang(lang)
    es = lang == "es"
    bank = question_bank(client.config.survey)
    name = w.Text(description="Nombre" if es else "Name", placeholder="ana.garcia")
    team = w.Dropdown(options=[(TEAM_LABELS[lang][t].capitalize(), t) for t in SURVEY_TEAMS],
                      description="Equipo" if es else "Team")
    scale = (("1 Nada de acuerdo", 1), ("2", 2), ("3", 3), ("4", 4), ("5 Totalmente de acuerdo", 5)) if es else \
            (("1 Strongly disagree", 1), ("2", 2), ("3", 3), ("4", 4), ("5 Strongly agree", 5))
    toggles = {}
    rows = []
    for _, q in bank.iterrows():
        t = w.ToggleButtons(options=scale, value=None, style={"button_width": "auto"})
        toggles[q["id"]] = t
        rows.append(w.VBox([w.HTML(f"<b>{q[f'label_{lang}']}</b> — {q[f'text_{lang}']}"), t]))
    status = w.HTML()
    button = w.Button(description="Guardar respuestas" if es else "Save answers", button_style="primary")

    def on_save(_):
        picked = [{"respondent": name.value, "team": team.value, "question_id": qid, "answer": t.value,
                   "answered_at": (answered_at() if callable(answered_at) else answered_at) if answered_at is not None
                   else pd.Timestamp.now(tz=client.config.tz)}
                  for qid, t in toggles.items() if t.value is not None]
        if not picked:
            status.value = "Marque al menos una respuesta." if es else "Pick at least one answer."
            return
        try:
            path = save_answers(client.config, picked, bank=bank,
                                client_dir=None if client.config.path else client.path)
        except (ValueError, ConfigError) as exc:
            status.value = f"<span style='color:#D55E00'>{exc}</span>"
            return
        status.value = (f"{len(picked)} respuestas guardadas en {path.name}." if es
                        else f"{len(picked)} answers saved to {path.name}.")
        for t in toggles.values():
            t.value = None

    button.on_click(on_save)
    return w.VBox([w.HBox([name, team]), *rows, button, status])


__all__ = [
    "AlignmentAudit", "LABELS", "MATURITY", "NOTEBOOKS", "THRESHOLDS", "Verdict", "audit", "clean_survey",
    "compare_evidence", "data_evidence", "dimension_summary", "dimensions", "evidence_table", "gap_table", "gap_test",
    "headlines", "largest_gap", "say", "set_aside_answers", "verdict_box", "level_from_score", "maturity", "narrative", "perception_gaps", "plot_dimension_scores",
    "priorities", "priority_table", "question_bank", "question_table", "questionnaire_form", "respondent_scores", "save_answers",
    "score_table", "t_interval", "team_scores",
]
