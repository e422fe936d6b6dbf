"""Notebook 02: defining the MQL with data — activity close rates, fit × interest, scoring, threshold.

Method: seed 000 chapter 2 (``../shared/docs/DOMAIN.md`` §2), seeds 003 and 004.

- :func:`activity_close_rates` — the seed's method: per activity (or asset), customers who did it ÷
  leads who did it, with Wilson 95 % intervals; the *average activity close rate* is the unweighted
  mean of the per-activity close rates (as the seed computes it); each activity is tested against
  it (exact binomial test) with Benjamini–Hochberg correction; small groups are flagged, not ranked.
  Only activity before the lead's outcome (or MQL) date counts.
- :func:`fit_interest` / :func:`quadrant_table` — the seed's 2 × 2 matrix with its actions.
- Rules engine: :mod:`smk.analyses.rules`; learned scorecard and evaluation: :mod:`smk.analyses.scorecard`.
- :func:`threshold_table`, :func:`sales_capacity`, :func:`recommend_threshold`,
  :func:`mql_definition` — the MQL threshold sales can honour, in words both teams can sign.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.views import fmt
from smk.analyses.features import activity_done
from smk.errors import ConfigError
from smk.analyses.rules import SEED_EXAMPLE_RULES, Rule, apply_rules, config_rules, parse_rules, rules_table  # noqa: F401
from smk.analyses.scorecard import Scorecard, feature_cutoffs, learn_scorecard  # noqa: F401  (re-exported)
from smk.analyses.stats import bh_adjust, wilson_interval

LABELS = {
    "en": {"activity": "Activity", "activity_type": "Activity type", "asset": "Asset / offer", "n": "Leads who did it",
           "customers": "Customers", "rate": "Close rate", "ci": "95 % CI", "lift_vs_average": "Lift vs average",
           "lift_vs_base": "Lift vs base rate", "qvalue": "q-value (BH)", "too_small": "Too small to judge",
           "significant": "Significant", "direction": "vs average", "rank": "Rank",
           "quadrant": "Quadrant", "action": "Recommended action", "share": "Share of leads",
           "threshold": "Threshold (points)", "mqls": "MQLs", "share_of_leads": "Share of leads",
           "mqls_per_month": "MQLs per month", "close_rate": "Close rate", "capture": "Customers captured",
           "within_capacity": "Within sales capacity"},
    "es": {"activity": "Actividad", "activity_type": "Tipo de actividad", "asset": "Recurso / oferta",
           "n": "Leads que la hicieron", "customers": "Clientes", "rate": "Tasa de cierre", "ci": "IC 95 %",
           "lift_vs_average": "Lift vs promedio", "lift_vs_base": "Lift vs tasa base", "qvalue": "valor q (BH)",
           "too_small": "Muy pequeño para juzgar", "significant": "Significativa", "direction": "vs promedio",
           "rank": "Puesto", "quadrant": "Cuadrante", "action": "Acción recomendada", "share": "Proporción de leads",
           "threshold": "Umbral (puntos)", "mqls": "MQL", "share_of_leads": "Proporción de leads",
           "mqls_per_month": "MQL por mes", "close_rate": "Tasa de cierre", "capture": "Clientes captados",
           "within_capacity": "Dentro de la capacidad de ventas"},
}

#: The seed's four quadrants (seed 000 ch. 2) with their recommended actions.
QUADRANTS: dict[str, dict[str, str]] = {
    "high_fit_high_interest": {
        "en": "High fit, high interest", "es": "Gran valor, gran interés",
        "action_en": "Sales follows up immediately (usually within 24 hours)",
        "action_es": "Ventas da seguimiento inmediato (normalmente en menos de 24 horas)"},
    "high_fit_low_interest": {
        "en": "High fit, low interest", "es": "Gran valor, poco interés",
        "action_en": "Marketing nurtures them", "action_es": "Marketing los nutre"},
    "low_fit_high_interest": {
        "en": "Low fit, high interest", "es": "Poco valor, mucho interés",
        "action_en": "Worth a sales contact (non-traditional buyer)",
        "action_es": "Vale la pena un contacto de ventas (cliente no tradicional)"},
    "low_fit_low_interest": {
        "en": "Low fit, low interest", "es": "Poco valor, poco interés",
        "action_en": "Drop from lists", "action_es": "Eliminarlos de las listas"},
}

ACTIVITY_NAMES = {
    "en": {"page_view": "Page view", "pricing_page_view": "Pricing page view", "form_submission": "Form submission",
           "content_download": "Content download", "webinar_registration": "Webinar registration",
           "webinar_attended": "Webinar attended", "demo_request": "Demo request", "email_open": "Email open",
           "email_click": "Email click", "social": "Social interaction", "event": "Event", "chat": "Chat"},
    "es": {"page_view": "Visita a página", "pricing_page_view": "Visita a la página de precios",
           "form_submission": "Formulario enviado", "content_download": "Descarga de contenido",
           "webinar_registration": "Inscripción a webinar", "webinar_attended": "Asistencia a webinar",
           "demo_request": "Solicitud de demo", "email_open": "Apertura de email", "email_click": "Clic en email",
           "social": "Interacción social", "event": "Evento", "chat": "Chat"},
}


FIELD_NAMES = {
    "en": {"offer": "First conversion", "channel": "Original source", "industry": "Industry", "country": "Country",
           "job_title": "Job title", "employees": "Number of employees", "company": "Company name", "email": "Email",
           "team": "Team", "owner": "Owner"},
    "es": {"offer": "Primera conversión", "channel": "Fuente original", "industry": "Industria", "country": "País",
           "job_title": "Cargo", "employees": "Número de empleados", "company": "Nombre de la empresa",
           "email": "Email", "team": "Equipo", "owner": "Responsable"},
}


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


def field_label(field: str, lang: str = "en", names: dict[str, str] | None = None) -> str:
    """How a rule's field is shown: the client's CRM column when mapped, else a readable name
    (``n_demo_request`` → ``'Demo request (count)'`` / ``'Solicitud de demo (número)'``)."""
    fmt.check_lang(lang)
    if names and field in names:
        return names[field]
    if field.startswith("n_"):
        return f"{activity_name(field[2:], lang)} ({'count' if lang == 'en' else 'número'})"
    return FIELD_NAMES[lang].get(field, field)


def describe_rule(rule: Rule, lang: str = "en", names: dict[str, str] | None = None,
                  values: dict[str, dict[str, str]] | None = None) -> str:
    """A rule's condition in plain words: ``'Demo request (at least once)'``, ``'Job title is Student'``."""
    if rule.field.startswith("n_") and rule.operator == ">=" and float(rule.value) == 1 and not (names and rule.field in names):
        return f"{activity_name(rule.field[2:], lang)} ({'at least once' if lang == 'en' else 'al menos una vez'})"
    if rule.field.startswith("n_") and rule.operator == ">=" and not (names and rule.field in names):
        v = fmt.number(rule.value, lang, 0)
        return (f"{activity_name(rule.field[2:], lang)} ({v} times or more)" if lang == "en"
                else f"{activity_name(rule.field[2:], lang)} ({v} veces o más)")
    value = rule.value
    if isinstance(value, float):
        value = fmt.number(value, lang, 0 if value.is_integer() else 2)
    elif values and rule.field in values and isinstance(value, str):
        value = values[rule.field].get(value, value)
    return Rule(field_label(rule.field, lang, names), rule.operator, value, rule.points).describe(lang)


def activity_name(activity: str, lang: str = "en") -> str:
    """Client-facing name of an activity type (``'demo_request'`` → ``'Demo request'`` / ``'Solicitud de demo'``)."""
    fmt.check_lang(lang)
    if " · " in str(activity):
        t, a = str(activity).split(" · ", 1)
        return f"{activity_name(t, lang)} · {a}"
    return ACTIVITY_NAMES[lang].get(str(activity), str(activity).replace("_", " ").capitalize())


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
        from smk.analyses.outcomes import won_within

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
    ``analysis.close_window_days``, among leads at least that old (as notebook 03)."""
    from smk.analyses.outcomes import lead_outcomes

    a = client.config.analysis
    oc = outcomes if outcomes is not None else lead_outcomes(client)
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
    """Counts, close rate (Wilson CI) and the seed's action for each quadrant (all four, always).

    ``outcome``: boolean per row of ``per_lead`` (e.g. won). Columns: ``quadrant, label_en, label_es,
    n, share, customers, rate, ci_low, ci_high, too_small, action_en, action_es``."""
    y = np.asarray(outcome, dtype=bool)
    rows = []
    for q, meta in QUADRANTS.items():
        m = (per_lead["quadrant"] == q).to_numpy()
        n, k = int(m.sum()), int((m & y).sum())
        rows.append({"quadrant": q, "label_en": meta["en"], "label_es": meta["es"], "n": n,
                     "share": n / max(len(per_lead), 1), "customers": k, "rate": k / n if n else np.nan,
                     "action_en": meta["action_en"], "action_es": meta["action_es"]})
    df = pd.DataFrame(rows)
    df["ci_low"], df["ci_high"] = wilson_interval(df["customers"], df["n"], alpha)
    df["too_small"] = df["n"] < min_group_size
    return df[["quadrant", "label_en", "label_es", "n", "share", "customers", "rate", "ci_low", "ci_high",
               "too_small", "action_en", "action_es"]]


def default_fit_interest_rules(scorecard: Scorecard) -> tuple[list[Rule], list[Rule]]:
    """Fit and interest rules when client.yml has none: the learned scorecard's rules split by group."""
    return ([r for r in scorecard.rules if r.group != "interest"],
            [r for r in scorecard.rules if r.group == "interest"])


def quadrants(client, scorecard: Scorecard | None = None,
              outcomes: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-lead quadrants, quadrant table) for a client: rules from ``scoring.fit_rules`` /
    ``scoring.interest_rules``, else the learned scorecard split by group; population and outcome as
    in :func:`close_rates` (won within N days, leads at least N days old); activity counted before the
    outcome date and within the N-day window, as the scorecard learned it."""
    from smk.analyses.outcomes import lead_outcomes

    cfg = client.config.scoring
    fit_r, int_r = parse_rules(cfg.fit_rules, default_group="fit"), parse_rules(cfg.interest_rules, default_group="interest")
    source = "config"
    if (not fit_r or not int_r) and scorecard is not None:
        dfit, dint = default_fit_interest_rules(scorecard)
        fit_r, int_r = fit_r or dfit, int_r or dint
        source = "learned"
    from smk.analyses.outcomes import won_within

    oc = lead_outcomes(client) if outcomes is None else outcomes
    a = client.config.analysis
    age = (pd.Timestamp(client.data_end) - oc["created_at"]).dt.total_seconds() / 86400
    keep = (age >= a.close_window_days).fillna(False).to_numpy()
    leads = client.leads.reset_index(drop=True)[keep]
    oc = oc[keep].reset_index(drop=True)
    oc = oc.assign(won=won_within(oc, a.close_window_days).to_numpy(dtype=bool))
    per = fit_interest(leads, fit_r, int_r, activities=client.activities,
                       as_of=(feature_cutoffs(oc, a.close_window_days).fillna(pd.Timestamp(client.data_end))
                              if client.activities is not None else None),
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
    ``scoring.exclude_features``, ``points_to_double_odds``, ``base_points``, ``analysis.min_group_size``."""
    from smk.analyses.outcomes import lead_outcomes

    s, a = client.config.scoring, client.config.analysis
    return learn_scorecard(client.leads, lead_outcomes(client), client.activities, data_end=client.data_end,
                           window_days=a.close_window_days, exclude_features=s.exclude_features, leakage=leakage,
                           points_to_double_odds=s.points_to_double_odds, base_points=s.base_points,
                           min_support=a.min_group_size, test_share=s.test_share if test_share is None else test_share,
                           seed=seed, alpha=a.alpha)


def scorecard_table(sc: Scorecard, lang: str = "en", names: dict[str, str] | None = None,
                    values: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """The learned rules in the CRM's Field / Operator / Value / Points form (what to type into the
    CRM), fields named as in the client's CRM (``names``, see :func:`crm_names`) or readable names,
    with each rule's coefficient interval (log-odds) and the leads it applies to in the training window.
    ``values`` (see :func:`crm_values`) shows category values as the CRM spells them."""
    def shown(r: Rule):
        if isinstance(r.value, float):
            return fmt.number(r.value, lang, 0 if float(r.value).is_integer() else 2)
        if values and r.field in values and isinstance(r.value, str):
            return values[r.field].get(r.value, r.value)
        return r.value

    tab = rules_table([Rule(field_label(r.field, lang, names), r.operator, shown(r), r.points, group=r.group)
                       for r in sc.rules], lang=lang)
    coefs = sc.coefficients.set_index("rule")
    texts = [r.text for r in sc.rules]
    extra = pd.DataFrame({"n": [int(coefs.loc[t, "n"]) for t in texts], "rate": [coefs.loc[t, "rate"] for t in texts],
                          "ci_low": [coefs.loc[t, "ci_low"] for t in texts], "ci_high": [coefs.loc[t, "ci_high"] for t in texts]})
    group_names = {"fit": ("Fit", "Valor"), "interest": ("Interest", "Interés")}
    gcol = LABELS_SCORECARD[lang]["group"]
    if gcol in tab:
        tab[gcol] = tab[gcol].map(lambda g: group_names.get(g, (g, g))[0 if lang == "en" else 1])
    out = pd.concat([tab, extra.rename(columns=LABELS_SCORECARD[lang])], axis=1)
    return out


LABELS_SCORECARD = {
    "en": {"group": "Group", "n": "Leads (training)", "rate": "Close rate (training)", "ci_low": "β CI low",
           "ci_high": "β CI high"},
    "es": {"group": "Grupo", "n": "Leads (entrenamiento)", "rate": "Tasa de cierre (entrenamiento)",
           "ci_low": "β IC inferior", "ci_high": "β IC superior"},
}


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


def mql_definition(rec: dict | None, rules: list[Rule], *, lang: str = "en", window_days: int | None = 90,
                   top: int = 5, names: dict[str, str] | None = None,
                   values: dict[str, dict[str, str]] | None = None) -> str:
    """The MQL definition in plain words both teams can sign (``lang`` 'es' or 'en')."""
    fmt.check_lang(lang)
    if rec is None:
        return ("No threshold can be recommended yet: set scoring.target_close_rate or costs.reps in client.yml."
                if lang == "en" else
                "Aún no se puede recomendar un umbral: indique scoring.target_close_rate o costs.reps en client.yml.")
    pos = sorted([r for r in rules if r.points > 0], key=lambda r: (-r.points, r.text))[:top]
    neg = sorted([r for r in rules if r.points < 0], key=lambda r: (r.points, r.text))[:3]

    def words(r: Rule) -> str:
        return describe_rule(r, lang, names, values)

    t = fmt.number(rec["threshold"], lang, 0)
    n = fmt.number(rec["mqls_per_month"], lang, 0)
    cr = fmt.pct(rec["close_rate"], lang)
    cap = fmt.pct(rec["capture"], lang, 0)
    win = window_days or 0
    plus = "; ".join(f"{words(r)} {'+' if r.points > 0 else ''}{fmt.number(r.points, lang, 0)}" for r in pos)
    minus = "; ".join(f"{words(r)} {fmt.number(r.points, lang, 0)}" for r in neg)
    if lang == "en":
        text = (f"A lead is a marketing-qualified lead (MQL) when its score reaches {t} points. "
                f"Points come mostly from: {plus}.")
        if minus:
            text += f" Points are taken away for: {minus}."
        text += (f" At this threshold marketing would hand sales about {n} MQLs a month; about {cr} of them "
                 f"become customers within {win} days, and they include {cap} of all customers.")
    else:
        text = (f"Un lead es un lead calificado por marketing (MQL) cuando su puntuación llega a {t} puntos. "
                f"Los puntos vienen sobre todo de: {plus}.")
        if minus:
            text += f" Restan puntos: {minus}."
        text += (f" Con este umbral, marketing entregaría a ventas unos {n} MQL al mes; cerca del {cr} se convierte "
                 f"en cliente en {win} días, y entre ellos está el {cap} de todos los clientes.")
    return text


def recommendation_text(rec: dict | None, cap: dict, lang: str = "en") -> str:
    """Why this threshold: the capacity arithmetic or the target close rate, in words."""
    fmt.check_lang(lang)
    if rec is None:
        return mql_definition(None, [], lang=lang)
    parts = []
    if cap.get("capacity"):
        c = cap
        if lang == "en":
            parts.append(f"Sales can work about {fmt.number(c['capacity'], lang, 0)} MQLs a month "
                         f"({c['reps']} reps × {fmt.number(c['calling_hours_per_month'], lang, 0)} calling hours × "
                         f"{fmt.number(c['attempts_per_hour'], lang, 1)} attempts per hour ÷ {c['attempts_per_lead']} attempts per lead).")
        else:
            parts.append(f"Ventas puede trabajar unos {fmt.number(c['capacity'], lang, 0)} MQL al mes "
                         f"({c['reps']} comerciales × {fmt.number(c['calling_hours_per_month'], lang, 0)} horas de llamadas × "
                         f"{fmt.number(c['attempts_per_hour'], lang, 1)} intentos por hora ÷ {c['attempts_per_lead']} intentos por lead).")
    basis = {"capacity": ("the lowest threshold whose volume fits that capacity",
                          "el umbral más bajo cuyo volumen cabe en esa capacidad"),
             "target_close_rate": ("the lowest threshold whose MQLs close at the target rate",
                                   "el umbral más bajo cuyos MQL cierran a la tasa objetivo"),
             "both": ("the lowest threshold that fits capacity and meets the target close rate",
                      "el umbral más bajo que cabe en la capacidad y alcanza la tasa de cierre objetivo"),
             "capture": (f"the highest threshold that still keeps {fmt.pct(rec.get('min_capture', 0.9), 'en', 0)} of customers "
                         "(sales could work every lead, so the threshold only removes work that brings no customers)",
                         f"el umbral más alto que aún conserva el {fmt.pct(rec.get('min_capture', 0.9), 'es', 0)} de los clientes "
                         "(ventas podría trabajar todos los leads, así que el umbral solo quita trabajo que no trae clientes)"),
             "configured": ("the threshold set in client.yml (scoring.mql_threshold)",
                            "el umbral fijado en client.yml (scoring.mql_threshold)")}[rec["basis"]]
    t = fmt.number(rec["threshold"], lang, 0)
    parts.append(f"Recommended threshold: {t} points, {basis[0]}." if lang == "en"
                 else f"Umbral recomendado: {t} puntos, {basis[1]}.")
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------
# Headlines, plots, interactive
# ------------------------------------------------------------------------------------------------
def headlines(rates: pd.DataFrame, sc: Scorecard | None, rec: dict | None, lang: str = "en") -> list[dict[str, Any]]:
    """Index-tile figures: top activities by lift, model AUC, recommended threshold, MQLs per month."""
    items: list[dict[str, Any]] = []
    ranked = rates[rates["rank"].notna()].head(2) if rates is not None else pd.DataFrame(columns=["activity"])
    for row in ranked.itertuples(index=False):
        items.append({"label_en": f"Lift: {activity_name(row.activity, 'en')}",
                      "label_es": f"Lift: {activity_name(row.activity, 'es')}",
                      "value": float(row.lift_vs_average),
                      "display": f"×{fmt.number(row.lift_vs_average, lang, 1)}"})
    if sc is not None:
        timed = sc.split_kind == "time"
        items.append({"label_en": "Scoring model AUC (recent leads)" if timed else "Scoring model AUC (random hold-out, no dates)",
                      "label_es": "AUC del modelo (leads recientes)" if timed else "AUC del modelo (muestra aleatoria, sin fechas)",
                      "value": float(sc.auc["auc"]), "display": fmt.number(sc.auc["auc"], lang, 2)})
    if rec is not None:
        items.append({"label_en": "Recommended MQL threshold", "label_es": "Umbral MQL recomendado",
                      "value": float(rec["threshold"]),
                      "display": f"{fmt.number(rec['threshold'], lang, 0)} {'points' if lang == 'en' else 'puntos'}"})
        items.append({"label_en": "MQLs per month at that threshold", "label_es": "MQL por mes con ese umbral",
                      "value": float(rec["mqls_per_month"]), "display": fmt.number(rec["mqls_per_month"], lang, 0)})
    return items


def _err(v, lo, hi) -> list:
    """Error-bar lengths (never negative: a Wilson bound can sit a rounding error past the rate)."""
    v, lo, hi = (np.asarray(x, dtype=float) for x in (v, lo, hi))
    return [np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)]


def _ax(ax, size: str = "normal"):
    import matplotlib.pyplot as plt

    from smk.views import theme

    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize(size))
    return ax


def plot_activity_close_rates(rates: pd.DataFrame, *, lang: str = "en", ax=None):
    """Horizontal bars: close rate per activity with its 95 % interval; lines at the average activity
    close rate and at the base rate. Too-small activities are drawn grey."""
    from smk.views import theme

    ax = _ax(ax, "wide")
    d = rates.iloc[::-1]
    names = [activity_name(a, lang) for a in d["activity"]]
    colors = [theme.COLORS["neutral"] if s else (theme.COLORS["good"] if sig and dr == "above" else theme.PALETTE[0])
              for s, sig, dr in zip(d["too_small"], d["significant"], d["direction"])]
    y = np.arange(len(d))
    ax.barh(y, d["rate"], color=colors)
    ax.errorbar(d["rate"], y, xerr=_err(d["rate"], d["ci_low"], d["ci_high"]), fmt="none",
                ecolor="#333333", capsize=3, lw=1)
    ax.set_yticks(y, names)
    avg, base = rates.attrs.get("average_rate"), rates.attrs.get("base_rate")
    if avg is not None:
        ax.axvline(avg, color=theme.COLORS["goal"], ls="--", lw=1,
                   label=("Average activity close rate" if lang == "en" else "Tasa de cierre promedio de actividades"))
    if base is not None:
        ax.axvline(base, color=theme.COLORS["bad"], ls=":", lw=1.5,
                   label=("Base rate (all leads)" if lang == "en" else "Tasa base (todos los leads)"))
    theme.format_axis(ax, "x", "pct", lang)
    _ = ax.set_xlabel("Close rate" if lang == "en" else "Tasa de cierre")
    _ = ax.set_title("Close rate by activity" if lang == "en" else "Tasa de cierre por actividad")
    ax.legend(loc="lower right")
    return ax


def plot_quadrants(table: pd.DataFrame, *, lang: str = "en", ax=None):
    """The seed's 2 × 2 matrix: fit (rows) × interest (columns), each cell with leads and close rate."""
    import matplotlib.colors as mcolors
    from matplotlib.patches import Rectangle

    ax = _ax(ax, "square")
    pos = {"high_fit_low_interest": (0, 1), "high_fit_high_interest": (1, 1),
           "low_fit_low_interest": (0, 0), "low_fit_high_interest": (1, 0)}
    rates = table.set_index("quadrant")["rate"]
    vmax = float(np.nanmax(rates.to_numpy())) if rates.notna().any() else 1.0
    cmap = mcolors.LinearSegmentedColormap.from_list("smk", ["#f7f7f7", "#009E73"])
    for q, (x, yy) in pos.items():
        row = table.set_index("quadrant").loc[q]
        val = 0.0 if pd.isna(row["rate"]) else float(row["rate"]) / (vmax or 1)
        ax.add_patch(Rectangle((x, yy), 1, 1, facecolor=cmap(val), edgecolor="white", lw=3))
        label = row["label_en"] if lang == "en" else row["label_es"]
        txt = (f"{label}\n{fmt.number(row['n'], lang)} leads\n"
               f"{'close rate' if lang == 'en' else 'tasa de cierre'} {fmt.pct(row['rate'], lang)}")
        ax.text(x + 0.5, yy + 0.5, txt, ha="center", va="center", fontsize=10)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], ["Low" if lang == "en" else "Bajo", "High" if lang == "en" else "Alto"])
    ax.set_yticks([0.5, 1.5], ["Low" if lang == "en" else "Bajo", "High" if lang == "en" else "Alto"])
    ax.grid(False)
    _ = ax.set_xlabel("Interest (behaviour)" if lang == "en" else "Interés (comportamiento)")
    _ = ax.set_ylabel("Fit (profile)" if lang == "en" else "Valor (perfil)")
    _ = ax.set_title("Fit × interest" if lang == "en" else "Valor × interés")
    return ax


def plot_gains(gains: pd.DataFrame, *, lang: str = "en", ax=None):
    """Cumulative gains: share of customers captured (y) by share of leads contacted, best-scored first."""
    from smk.views import theme

    ax = _ax(ax)
    x = np.concatenate([[0], gains["cum_leads_share"].to_numpy()])
    y = np.concatenate([[0], gains["cum_customers_share"].to_numpy()])
    ax.plot(x, y, marker="o", color=theme.PALETTE[0], label="Scorecard" if lang == "en" else "Modelo de puntos")
    ax.plot([0, 1], [0, 1], ls="--", color=theme.COLORS["neutral"], label="Random" if lang == "en" else "Al azar")
    theme.format_axis(ax, "x", "pct", lang)
    theme.format_axis(ax, "y", "pct", lang)
    _ = ax.set_xlabel("Leads contacted (best scores first)" if lang == "en" else "Leads contactados (mejor puntuación primero)")
    _ = ax.set_ylabel("Customers captured" if lang == "en" else "Clientes captados")
    _ = ax.set_title("Gains on recent leads" if lang == "en" else "Ganancia en leads recientes")
    ax.legend(loc="lower right")
    return ax


def plot_deciles(gains: pd.DataFrame, *, lang: str = "en", ax=None):
    """Close rate by score decile (1 = top 10 %) with Wilson intervals."""
    from smk.views import theme

    ax = _ax(ax)
    x = gains["decile"].to_numpy()
    ax.bar(x, gains["close_rate"], color=theme.PALETTE[0])
    ax.errorbar(x, gains["close_rate"], yerr=_err(gains["close_rate"], gains["ci_low"], gains["ci_high"]),
                fmt="none", ecolor="#333333", capsize=3, lw=1)
    ax.set_xticks(x)
    theme.format_axis(ax, "y", "pct", lang)
    _ = ax.set_xlabel("Score decile (1 = top 10 %)" if lang == "en" else "Decil de puntuación (1 = 10 % superior)")
    _ = ax.set_ylabel("Close rate" if lang == "en" else "Tasa de cierre")
    _ = ax.set_title("Close rate by score decile" if lang == "en" else "Tasa de cierre por decil de puntuación")
    return ax


def plot_calibration(calibration: pd.DataFrame, *, lang: str = "en", ax=None):
    """Predicted probability (x) vs observed close rate (y) by band, with Wilson intervals."""
    from smk.views import theme

    ax = _ax(ax, "square")
    c = calibration
    ax.errorbar(c["predicted"], c["observed"], yerr=_err(c["observed"], c["ci_low"], c["ci_high"]),
                fmt="o", color=theme.PALETTE[0], capsize=3)
    hi = float(max(c["ci_high"].max(), c["predicted"].max(), 0.05)) * 1.05
    ax.plot([0, hi], [0, hi], ls="--", color=theme.COLORS["neutral"])
    theme.format_axis(ax, "x", "pct", lang)
    theme.format_axis(ax, "y", "pct", lang)
    _ = ax.set_xlabel("Predicted probability" if lang == "en" else "Probabilidad prevista")
    _ = ax.set_ylabel("Observed close rate" if lang == "en" else "Tasa de cierre observada")
    _ = ax.set_title("Calibration on recent leads" if lang == "en" else "Calibración en leads recientes")
    return ax


def plot_thresholds(table: pd.DataFrame, rec: dict | None = None, *, lang: str = "en", ax=None):
    """MQLs per month (bars, left axis; share of leads when volume is unknown) and close rate and
    capture (lines, right axis) by threshold; the recommendation and capacity marked."""
    from smk.views import theme

    ax = _ax(ax, "wide")
    x = table["threshold"].to_numpy()
    per_month = table["mqls_per_month"].notna().any()
    vol = table["mqls_per_month"] if per_month else table["share_of_leads"]
    ax.fill_between(x, 0, vol, step="post", color=theme.COLORS["marketing"], alpha=0.35,
                    label=("MQLs per month" if lang == "en" else "MQL por mes") if per_month
                    else ("Share of leads" if lang == "en" else "Proporción de leads"))
    cap = table.attrs.get("capacity")
    if cap and per_month:
        ax.axhline(cap, color=theme.COLORS["sales"], ls="--", lw=1,
                   label="Sales capacity" if lang == "en" else "Capacidad de ventas")
    top = float(np.nanmax(vol.to_numpy(dtype=float))) if len(vol) else 1.0
    ax.set_ylim(0, max(top, cap or 0) * 1.1 if per_month else 1.05)
    if not per_month:
        theme.format_axis(ax, "y", "pct", lang)
    _ = ax.set_ylabel(("MQLs per month" if lang == "en" else "MQL por mes") if per_month
                      else ("Share of leads" if lang == "en" else "Proporción de leads"))
    ax2 = ax.twinx()
    ax2.plot(x, table["close_rate"], color=theme.COLORS["good"], marker="o", ms=3,
             label="Close rate (right)" if lang == "en" else "Tasa de cierre (dcha.)")
    ax2.plot(x, table["capture"], color=theme.COLORS["sales"], marker="s", ms=3,
             label="Customers captured (right)" if lang == "en" else "Clientes captados (dcha.)")
    ax2.set_ylim(0, 1.05)
    theme.format_axis(ax2, "y", "pct", lang)
    ax2.grid(False)
    if rec is not None:
        ax.axvline(rec["threshold"], color=theme.COLORS["goal"], lw=1.5,
                   label="Recommended" if lang == "en" else "Recomendado")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=9)
    _ = ax.set_xlabel("MQL threshold (points)" if lang == "en" else "Umbral MQL (puntos)")
    _ = ax.set_title("What each threshold means" if lang == "en" else "Qué implica cada umbral")
    return ax


def threshold_slider(table: pd.DataFrame, *, lang: str = "en", value: float | None = None):
    """An ipywidgets slider over the thresholds that shows volume, close rate and capture live
    (JupyterLab only; notebooks call it in a cell tagged ``interactive`` under ``if ctx.interactive``)."""
    import ipywidgets as widgets

    opts = [float(t) for t in table["threshold"]]
    start = value if value in opts else opts[len(opts) // 2]
    slider = widgets.SelectionSlider(options=opts, value=start,
                                     description="Threshold" if lang == "en" else "Umbral",
                                     continuous_update=True, layout=widgets.Layout(width="70%"))
    out = widgets.HTML()

    def show(change=None):
        row = table[table["threshold"] == slider.value].iloc[0]
        vol = (fmt.number(row["mqls_per_month"], lang, 0) if not pd.isna(row["mqls_per_month"])
               else fmt.pct(row["share_of_leads"], lang))
        if lang == "en":
            out.value = (f"<b>{vol}</b> MQLs per month · close rate <b>{fmt.pct(row['close_rate'], lang)}</b> "
                         f"{fmt.ci(row['ci_low'], row['ci_high'], lang)} · captures <b>{fmt.pct(row['capture'], lang, 0)}</b> of customers")
        else:
            out.value = (f"<b>{vol}</b> MQL al mes · tasa de cierre <b>{fmt.pct(row['close_rate'], lang)}</b> "
                         f"{fmt.ci(row['ci_low'], row['ci_high'], lang)} · capta el <b>{fmt.pct(row['capture'], lang, 0)}</b> de los clientes")

    slider.observe(show, names="value")
    show()
    return widgets.VBox([slider, out])




# ------------------------------------------------------------------------------------------------
# Everything for the notebook: analyse → view (tables) / say (sentences)
# ------------------------------------------------------------------------------------------------
@dataclass
class ScoringResult:
    """Every part of notebook 02 for one client (see :func:`analyse`)."""

    activities: pd.DataFrame | None  # activity_close_rates by activity type (None: no activity data)
    assets: pd.DataFrame | None  # by asset within type (None: no log with assets)
    scorecard: Scorecard | None
    quadrant_leads: pd.DataFrame | None
    quadrants: pd.DataFrame | None
    thresholds: pd.DataFrame | None
    recommendation: dict | None
    capacity: dict
    client_rules: pd.DataFrame | None  # client.yml rules applied to the leads (lead_id, score, fired)
    rules: list  # the rules applied (client.yml's, or the seed's example when client.yml has none)
    rules_source: str  # 'config' | 'seed example'
    window_days: int
    names: dict  # canonical -> CRM column names
    values: dict  # canonical -> CRM values per column
    notes: list = field(default_factory=list)  # (en, es) cautions to show


def analyse(client, *, test_share: float | None = None, seed: int = 0) -> ScoringResult:
    """Run every part of notebook 02 on ``client`` (outcomes computed once)."""
    from smk.analyses.outcomes import lead_outcomes
    from smk.analyses.scorecard import LeakageWarning, NotEnoughToLearn

    oc = lead_outcomes(client)
    a = client.config.analysis
    notes: list[tuple[str, str]] = []
    has_log = client.activities is not None and len(client.activities) > 0
    has_counters = any(c.startswith("n_") and c not in ("n_attempts", "n_connects") for c in client.leads.columns)
    counts_source = "log" if has_log else ("counters" if has_counters else "none")
    acts = close_rates(client, outcomes=oc) if counts_source != "none" else None
    assets = None
    if client.activities is not None and "asset" in client.activities and client.activities["asset"].notna().any():
        assets = close_rates(client, by="asset", outcomes=oc)
    if counts_source == "counters":
        notes.append(("Activity comes from per-lead counters, which carry no dates: activity after a lead became a "
                      "customer cannot be told apart and is counted too.",
                      "La actividad viene de contadores por lead, que no tienen fechas: la actividad posterior a "
                      "convertirse en cliente no se puede separar y también se cuenta."))
    try:
        import warnings

        with warnings.catch_warnings():  # leakage warnings are shown as notes, not as stderr noise
            warnings.simplefilter("ignore", LeakageWarning)
            sc = learn(client, test_share=test_share, seed=seed)
        for row in sc.leakage[sc.leakage["reason"].isin(["auc", "separation"])].itertuples(index=False):
            notes.append((f"Possible leakage: '{row.feature}' {row.reason_en} (AUC alone {fmt.number(row.auc, 'en', 2)}); "
                          "it was left out of the model. Check how and when this field is filled in.",
                          f"Posible fuga de información: '{row.feature}' {row.reason_es} (AUC sola "
                          f"{fmt.number(row.auc, 'es', 2)}); se dejó fuera del modelo. Revise cómo y cuándo se rellena."))
    except NotEnoughToLearn as exc:
        sc = None
        notes.append((f"The scoring model could not be learned: {exc.en}", f"No se pudo aprender el modelo: {exc.es}"))
    per, quad = quadrants(client, sc, outcomes=oc) if (sc is not None or client.config.scoring.fit_rules) else (None, None)
    table, rec, cap = thresholds(client, sc) if sc is not None else (None, None, sales_capacity(client))
    cfg_rules = config_rules(client.config.scoring)
    if cfg_rules:
        rules, source = cfg_rules, "config"
    else:
        rules, source = parse_rules(SEED_EXAMPLE_RULES), "seed example"
    try:
        applied = apply_rules(client.leads, rules, activities=client.activities, as_of=client.data_end,
                              group_caps=client.config.scoring.group_caps,
                              base_points=client.config.scoring.base_points)
    except ConfigError as exc:
        applied = None
        notes.append((f"The scoring rules could not be applied: {exc}", f"No se pudieron aplicar las reglas: {exc}"))
    return ScoringResult(activities=acts, assets=assets, scorecard=sc, quadrant_leads=per, quadrants=quad,
                         thresholds=table, recommendation=rec, capacity=cap, client_rules=applied, rules=rules,
                         rules_source=source, window_days=int(a.close_window_days), names=crm_names(client),
                         values=crm_values(client),
                         notes=notes)


#: Column formats for ``ctx.table`` per view (see :func:`view`).
FORMATS: dict[str, dict[str, str]] = {
    "activities": {"n": "int", "customers": "int", "rate": "pct", "ci": "ci", "lift_vs_average": "number:1",
                   "lift_vs_base": "number:1", "qvalue": "number:3"},
    "quadrants": {"leads": "int", "share": "pct:0", "customers": "int", "rate": "pct", "ci": "ci"},
    "client_rules": {"points": "number:0", "fired": "int", "share": "pct"},
    "scorecard": {"points": "int", "leads": "int", "rate": "pct", "ci_low": "number:2", "ci_high": "number:2"},
    "coefficients": {"points": "int", "leads": "int", "rate": "pct", "beta": "number:2", "ci_low": "number:2",
                     "ci_high": "number:2"},
    "excluded": {"auc": "number:2"},
    "calibration": {"leads": "int", "predicted": "pct", "observed": "pct", "ci": "ci"},
    "gains": {"decile": "int", "leads": "int", "customers": "int", "min_score": "int", "close_rate": "pct", "ci": "ci",
              "lift": "number:1", "cum_customers_share": "pct:0"},
    "thresholds": {"threshold": "int", "mqls_per_month": "number:0", "share_of_leads": "pct:0", "close_rate": "pct",
                   "ci": "ci", "capture": "pct:0"},
    "leakage": {"auc": "number:2"},
}
FORMATS["assets"] = FORMATS["activities"]

VIEW_LABELS = {
    "en": {**LABELS["en"], "verdict": "Verdict", "rule": "Rule", "feature": "Field or rule", "reason": "Why",
           "beta": "β (log-odds)", "ci": "95 % CI", "points": "Points", "fired": "Leads matched", "band": "Predicted band",
           "predicted": "Predicted", "observed": "Observed", "decile": "Score decile", "min_score": "Lowest score",
           "lift": "Lift", "cum_customers_share": "Customers captured (cum.)", "auc": "AUC alone",
           "field": "Field", "operator": "Operator", "value": "Value", "group": "Group", "leads": "Leads",
           "ci_low": "β 95 % CI low", "ci_high": "β 95 % CI high", "share": "Share of leads", "quadrant": "Quadrant",
           "action": "Recommended action"},
    "es": {**LABELS["es"], "verdict": "Veredicto", "rule": "Regla", "feature": "Campo o regla", "reason": "Motivo",
           "beta": "β (log-odds)", "ci": "IC 95 %", "points": "Puntos", "fired": "Leads que cumplen",
           "band": "Banda prevista", "predicted": "Prevista", "observed": "Observada", "decile": "Decil de puntuación",
           "min_score": "Puntuación mínima", "lift": "Lift", "cum_customers_share": "Clientes captados (acum.)",
           "auc": "AUC sola", "field": "Campo", "operator": "Operador", "value": "Valor", "group": "Grupo", "leads": "Leads",
           "ci_low": "β IC 95 % inferior", "ci_high": "β IC 95 % superior", "share": "Proporción de leads",
           "quadrant": "Cuadrante", "action": "Acción recomendada"},
}

_VERDICT = {
    "above": ("significantly above average", "significativamente por encima del promedio"),
    "below": ("significantly below average", "significativamente por debajo del promedio"),
    "": ("no clear difference", "sin diferencia clara"),
    "small": ("too few leads to judge", "muy pocos leads para juzgar"),
}


def view(res: ScoringResult, part: str, lang: str = "en", *, max_rows: int | None = None) -> pd.DataFrame:
    """The table a notebook shows for ``part`` (activities, assets, quadrants, client_rules, scorecard,
    coefficients, excluded, calibration, gains, thresholds, leakage), values in ``lang``; labels in
    :data:`VIEW_LABELS`, formats in :data:`FORMATS` (assets use the activities formats)."""
    fmt.check_lang(lang)
    i = 0 if lang == "en" else 1
    if part in ("activities", "assets"):
        d = res.activities if part == "activities" else res.assets
        cols = ["activity", "n", "customers", "rate", "ci_low", "ci_high", "lift_vs_average", "lift_vs_base",
                "qvalue", "verdict"]
        if d is None:
            return pd.DataFrame(columns=cols)
        out = d.copy()
        out["activity"] = [activity_name(a, lang) for a in out["activity"]]
        out["verdict"] = [_VERDICT["small"][i] if s else _VERDICT[dr][i] for s, dr in zip(out["too_small"], out["direction"])]
        out = out[cols]
    elif part == "quadrants":
        cols = ["quadrant", "n", "share", "customers", "rate", "ci_low", "ci_high", "action"]
        if res.quadrants is None:
            return pd.DataFrame(columns=cols)
        q = res.quadrants
        out = pd.DataFrame({"quadrant": q["label_en" if lang == "en" else "label_es"], "n": q["n"], "share": q["share"],
                            "customers": q["customers"], "rate": q["rate"], "ci_low": q["ci_low"], "ci_high": q["ci_high"],
                            "action": q["action_en" if lang == "en" else "action_es"]})
    elif part == "client_rules":
        cols = ["field", "operator", "value", "points", "fired", "share"]
        if res.client_rules is None:
            return pd.DataFrame(columns=cols)
        fired = res.client_rules["fired"]
        out = pd.DataFrame({
            "field": [r.field for r in res.rules], "operator": [_op_words(r.operator, lang) for r in res.rules],
            "value": ["" if r.value is None else _value_str(r.value) for r in res.rules],
            "points": [r.points for r in res.rules],
            "fired": [int(fired.map(lambda t, x=r.text: x in t).sum()) for r in res.rules]})
        out["share"] = out["fired"] / max(len(fired), 1)
    elif part == "scorecard":
        cols = ["field", "operator", "value", "points", "group", "n", "rate", "ci_low", "ci_high"]
        if res.scorecard is None:
            return pd.DataFrame(columns=cols)
        t = scorecard_table(res.scorecard, lang, res.names, res.values)
        t.columns = cols
        t["field"] = [field_label(r.field, lang, res.names) for r in res.scorecard.rules]
        t["operator"] = [_op_words(r.operator, lang) for r in res.scorecard.rules]
        grp = {"fit": ("Fit", "Valor"), "interest": ("Interest", "Interés")}
        t["group"] = [grp.get(r.group, (r.group, r.group))[0 if lang == "en" else 1] for r in res.scorecard.rules]
        out = t
    elif part == "coefficients":
        cols = ["rule", "points", "n", "rate", "beta", "ci_low", "ci_high"]
        if res.scorecard is None:
            return pd.DataFrame(columns=cols)
        c = res.scorecard.coefficients
        out = c[cols].copy()
        out["rule"] = [describe_rule(Rule(f, o, v, 0.0), lang, None, res.values)
                       for f, o, v in zip(c["field"], c["operator"], c["value"])]
    elif part in ("excluded", "leakage"):
        cols = ["feature", "reason", "auc"]
        if res.scorecard is None:
            return pd.DataFrame(columns=cols)
        d = res.scorecard.excluded if part == "excluded" else res.scorecard.leakage
        feats = d["feature"].tolist()
        if "rule" in d:
            feats = [describe_rule(r, lang, None, res.values) if r is not None else f for f, r in zip(feats, d["rule"])]
        out = pd.DataFrame({"feature": feats, "reason": d["reason_en" if lang == "en" else "reason_es"],
                            "auc": d["auc"]})
        if part == "excluded":
            out = out[~d["reason"].isin(["sparse", "constant"]).to_numpy()]  # sparse levels: counted in say()
    elif part == "calibration":
        cols = ["band", "n", "predicted", "observed", "ci_low", "ci_high"]
        if res.scorecard is None or res.scorecard.calibration.empty:
            return pd.DataFrame(columns=cols)
        out = res.scorecard.calibration[cols].copy()
        out["band"] = [f"{fmt.pct(lo, lang)} – {fmt.pct(hi, lang)}" for lo, hi in
                       zip(res.scorecard.calibration["p_lo"], res.scorecard.calibration["p_hi"])]
    elif part == "gains":
        cols = ["decile", "n", "customers", "min_score", "close_rate", "ci_low", "ci_high", "lift", "cum_customers_share"]
        if res.scorecard is None or res.scorecard.gains.empty:
            return pd.DataFrame(columns=cols)
        out = res.scorecard.gains[cols].copy()
    elif part == "thresholds":
        cols = ["threshold", "mqls_per_month", "share_of_leads", "close_rate", "ci_low", "ci_high", "capture"]
        if res.thresholds is None:
            return pd.DataFrame(columns=cols)
        out = res.thresholds[cols].copy()
        if out["mqls_per_month"].isna().all():
            out = out.drop(columns="mqls_per_month")
    else:
        raise ValueError(f"unknown part {part!r}")
    out = out.reset_index(drop=True)
    if part not in ("activities", "assets"):
        out = out.rename(columns={"n": "leads"})
    return out.head(max_rows) if max_rows else out


def _value_str(v) -> str:
    from smk.analyses.rules import _value_text

    return _value_text(v)


def _op_words(op: str, lang: str) -> str:
    from smk.analyses.rules import _OP_WORDS

    return _OP_WORDS[lang][op]


def _p(text: str):
    import html as _html

    from smk.views.html import Html

    return Html(f"<p>{_html.escape(text)}</p>", text)


def describe(res: ScoringResult, part: str, lang: str = "en") -> str:
    """What a result means, in one or two sentences in ``lang`` (see :func:`say`)."""
    fmt.check_lang(lang)
    en = lang == "en"
    N = res.window_days
    if part in ("activities", "assets"):
        d = res.activities if part == "activities" else res.assets
        if d is None or d.empty:
            return ("There is no activity data (no log and no per-lead counters)." if en
                    else "No hay datos de actividad (ni registro ni contadores por lead).")
        avg, base = d.attrs["average_rate"], d.attrs["base_rate"]
        above = d[(d["direction"] == "above")]
        small = int(d["too_small"].sum())
        names = [f"{activity_name(a, lang)} ({fmt.pct(r, lang)}, ×{fmt.number(l, lang, 1)})"
                 for a, r, l in zip(above["activity"], above["rate"], above["lift_vs_average"])]
        if en:
            t = (f"The average activity close rate is {fmt.pct(avg, lang)} (the mean of the activities' own rates, as the "
                 f"guide computes it); {fmt.pct(base, lang)} of all {fmt.number(d.attrs['n_leads'], lang)} leads became "
                 f"customers within {N} days. ")
            t += (f"Significantly above average: {', '.join(names)}. These belong in the MQL definition."
                  if names else "No activity closes significantly above the average.")
            if small:
                t += f" {small} with too few leads to judge are listed last, unranked."
        else:
            t = (f"La tasa de cierre promedio de las actividades es {fmt.pct(avg, lang)} (la media de las tasas de cada "
                 f"actividad, como la calcula la guía); el {fmt.pct(base, lang)} de los "
                 f"{fmt.number(d.attrs['n_leads'], lang)} leads se convirtió en cliente en {N} días. ")
            t += (f"Significativamente por encima del promedio: {', '.join(names)}. Estas van en la definición de MQL."
                  if names else "Ninguna actividad cierra significativamente por encima del promedio.")
            if small:
                t += f" {small} con muy pocos leads para juzgar aparecen al final, sin puesto."
        return t
    if part == "quadrants":
        if res.quadrants is None:
            return "Not available." if en else "No disponible."
        q = res.quadrants.set_index("quadrant")
        hh, ll = q.loc["high_fit_high_interest"], q.loc["low_fit_low_interest"]
        src = res.quadrants.attrs.get("rules_source")
        how = ({"learned": "fit and interest come from the learned scorecard's profile and behaviour rules",
                "config": "fit and interest come from scoring.fit_rules and scoring.interest_rules"}[src] if en else
               {"learned": "el valor y el interés vienen de las reglas de perfil y de comportamiento del modelo aprendido",
                "config": "el valor y el interés vienen de scoring.fit_rules y scoring.interest_rules"}[src])
        if en:
            return (f"High fit and high interest leads close at {fmt.pct(hh['rate'], lang)} "
                    f"{fmt.ci(hh['ci_low'], hh['ci_high'], lang)}; low fit and low interest at {fmt.pct(ll['rate'], lang)}. "
                    f"Here {how}; 'high' means above the median unless client.yml sets the thresholds.")
        return (f"Los leads de gran valor y gran interés cierran al {fmt.pct(hh['rate'], lang)} "
                f"{fmt.ci(hh['ci_low'], hh['ci_high'], lang)}; los de poco valor y poco interés, al {fmt.pct(ll['rate'], lang)}. "
                f"Aquí {how}; «alto» significa por encima de la mediana salvo que client.yml fije los umbrales.")
    if part == "client_rules":
        if res.client_rules is None:
            return "The rules could not be applied." if en else "No se pudieron aplicar las reglas."
        sc = res.client_rules["score"]
        if res.rules_source == "seed example":
            lead = ("client.yml has no scoring rules yet, so these are the guide's three example rules applied to your "
                    "leads, to show how a rules table works." if en else
                    "client.yml aún no tiene reglas de puntuación: estas son las tres reglas de ejemplo de la guía "
                    "aplicadas a sus leads, para mostrar cómo funciona una tabla de reglas.")
        else:
            lead = ("These are the rules in client.yml, applied to every lead." if en
                    else "Estas son las reglas de client.yml, aplicadas a cada lead.")
        return lead + (f" Median score {fmt.number(sc.median(), lang, 0)}, highest {fmt.number(sc.max(), lang, 0)}." if en
                       else f" Puntuación mediana {fmt.number(sc.median(), lang, 0)}, máxima {fmt.number(sc.max(), lang, 0)}.")
    sc = res.scorecard
    if sc is None:
        return "The scoring model could not be learned." if en else "No se pudo aprender el modelo de puntuación."
    if part == "scorecard":
        pdo = fmt.number(sc.points_to_double_odds, lang, 0)
        n_ex = int((sc.excluded["reason"].isin(["sparse", "constant"])).sum())
        ntrain = fmt.number((sc.scores['split'] == 'train').sum(), lang)
        if en:
            t = (f"{len(sc.rules)} rules, learned by logistic regression on {ntrain} leads "
                 f"({'oldest by creation date' if sc.split_kind == 'time' else 'a random 70 %: the data have no dates'}). "
                 f"Points are proportional to the log-odds: every {pdo} points double the odds of becoming a customer "
                 f"within {N} days (scoring.points_to_double_odds). They can be typed into the CRM as they are.")
            return t + (f" {n_ex} values with too few leads to estimate were left out." if n_ex else "")
        t = (f"{len(sc.rules)} reglas, aprendidas con una regresión logística sobre {ntrain} leads "
             f"({'los más antiguos por fecha de creación' if sc.split_kind == 'time' else 'un 70 % al azar: los datos no tienen fechas'}). "
             f"Los puntos son proporcionales al log-odds: cada {pdo} puntos duplican las probabilidades (odds) de convertirse "
             f"en cliente en {N} días (scoring.points_to_double_odds). Se pueden escribir en el CRM tal cual.")
        return t + (f" Se omitieron {n_ex} valores con muy pocos leads para estimar." if n_ex else "")
    if part == "excluded":
        r = sc.excluded["reason"].value_counts()
        lk = int(r.reindex(["configured", "name", "auc", "separation"]).fillna(0).sum())
        col = int(r.get("collinear", 0))
        ns = int(r.get("not_significant", 0))
        if en:
            return (f"Left out of the model, with the reason: {lk} fields that look filled in after the outcome, "
                    f"{col} features that repeat another one, {ns} without a clear effect once the others are counted.")
        return (f"Fuera del modelo, con su motivo: {lk} campos que parecen rellenarse después del resultado, "
                f"{col} variables que repiten otra, {ns} sin efecto claro una vez contadas las demás.")
    if part == "evaluation":
        a = sc.auc
        test_n = int((sc.scores["split"] == "test").sum())
        if sc.split_kind == "time":
            how = (f"trained on leads created before {fmt.date(sc.split_boundary, lang)} and tested on the "
                   f"{fmt.number(test_n, lang)} created since" if en else
                   f"entrenado con los leads creados antes del {fmt.date(sc.split_boundary, lang)} y probado con los "
                   f"{fmt.number(test_n, lang)} creados desde entonces")
        else:
            how = (f"the data have no creation dates, so it was tested on a random {fmt.number(test_n, lang)} leads "
                   f"(fixed seed) instead of the most recent ones" if en else
                   f"los datos no tienen fechas de creación, así que se probó con {fmt.number(test_n, lang)} leads al azar "
                   f"(semilla fija) en lugar de los más recientes")
        recent = (f" {fmt.number(sc.too_recent, lang)} leads younger than {N} days are left out: they have not had the chance to close."
                  if en else f" Se excluyen {fmt.number(sc.too_recent, lang)} leads con menos de {N} días: aún no han tenido ocasión de cerrar.") if sc.too_recent else ""
        if en:
            return (f"AUC {fmt.number(a['auc'], lang, 2)} {fmt.ci(a['ci_low'], a['ci_high'], lang, 'number', 2)} (DeLong 95 % interval): "
                    f"a customer outscores a non-customer {fmt.pct(a['auc'], lang, 0)} of the time. The model was {how}.{recent}")
        return (f"AUC {fmt.number(a['auc'], lang, 2)} {fmt.ci(a['ci_low'], a['ci_high'], lang, 'number', 2)} (intervalo DeLong del 95 %): "
                f"un cliente supera en puntos a un no cliente el {fmt.pct(a['auc'], lang, 0)} de las veces. El modelo fue {how}.{recent}")
    if part == "calibration":
        c = sc.calibration
        ok = int(c["within_ci"].sum())
        if en:
            return (f"The probability of becoming a customer within {N} days (the CRM's \"likelihood to close\") is the points "
                    f"passed through a logistic curve fitted on the training leads (Platt scaling). On recent leads the "
                    f"predicted rate falls inside the observed rate's interval in {ok} of {len(c)} bands.")
        return (f"La probabilidad de convertirse en cliente en {N} días (la «probabilidad de cierre» de los CRM) son los "
                f"puntos pasados por una curva logística ajustada con los leads de entrenamiento (escalado de Platt). En los "
                f"leads recientes la tasa prevista cae dentro del intervalo de la observada en {ok} de {len(c)} bandas.")
    if part == "gains":
        g = sc.gains
        top = g.iloc[0]
        k = g[g["cum_leads_share"] <= 0.3 + 1e-9]
        cap30 = float(k["cum_customers_share"].iloc[-1]) if len(k) else float("nan")
        if en:
            return (f"The top 10 % of recent leads by score close at {fmt.pct(top['close_rate'], lang)} "
                    f"(×{fmt.number(top['lift'], lang, 1)} the average); the top 30 % hold {fmt.pct(cap30, lang, 0)} of the customers.")
        return (f"El 10 % de leads recientes con más puntos cierra al {fmt.pct(top['close_rate'], lang)} "
                f"(×{fmt.number(top['lift'], lang, 1)} el promedio); el 30 % superior reúne el {fmt.pct(cap30, lang, 0)} de los clientes.")
    if part == "leakage":
        lk = sc.leakage
        if lk.empty:
            return ("No field looks recorded after the outcome: none is listed in scoring.exclude_features, none has a "
                    "sales-side name, and none predicts the outcome suspiciously well on its own." if en else
                    "Ningún campo parece registrarse después del resultado: ninguno está en scoring.exclude_features, "
                    "ninguno tiene nombre de campo de ventas y ninguno predice el resultado sospechosamente bien por sí solo.")
        names = ", ".join(lk["feature"])
        return (f"Left out as probable leakage (filled in by sales after the outcome): {names}. A model that used them "
                f"would look excellent and be useless for new leads." if en else
                f"Fuera por probable fuga de información (los rellena ventas después del resultado): {names}. Un modelo que "
                f"los usara parecería excelente y no serviría para leads nuevos.")
    if part == "threshold":
        return recommendation_text(res.recommendation, res.capacity, lang)
    if part == "definition":
        return mql_definition(res.recommendation, sc.rules, lang=lang, window_days=N, values=res.values)
    raise ValueError(f"unknown part {part!r}")


def show_notes(res: ScoringResult, lang: str = "en"):
    """The analysis' cautions (counters without dates, leakage, model not learned) as note boxes in
    ``lang``; an empty display when there is nothing to say."""
    from smk.views.html import Html, TEXT, note_html

    fmt.check_lang(lang)
    boxes = [note_html(en if lang == "en" else es, "note", TEXT["caution"][lang]) for en, es in res.notes]
    return Html("".join(b.html for b in boxes), "\n".join(b.text for b in boxes))


def say(res: ScoringResult, part: str, lang: str = "en"):
    """:func:`describe` as an HTML paragraph for the notebook."""
    return _p(describe(res, part, lang))


__all__ = [
    "ACTIVITY_NAMES", "FIELD_NAMES", "LABELS", "QUADRANTS", "crm_names", "describe_rule", "field_label", "activity_close_rates", "activity_name", "activity_rules_from_rates",
    "apply_rules", "close_rates", "config_rules", "default_fit_interest_rules", "fit_interest", "headlines", "learn",
    "leads_per_month", "learn_scorecard", "mql_definition", "parse_rules", "plot_activity_close_rates",
    "plot_calibration", "plot_deciles", "plot_gains", "plot_quadrants", "plot_thresholds", "quadrant_table",
    "quadrants", "recommend_threshold", "recommendation_text", "rules_table", "sales_capacity", "scorecard_table",
    "threshold_slider", "threshold_table", "thresholds", "ScoringResult", "analyse", "view", "say", "describe", "show_notes",
    "FORMATS", "VIEW_LABELS",
]
