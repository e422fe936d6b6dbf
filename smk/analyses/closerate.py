"""Notebook 03: which channels, offers, segments and reps turn leads into customers, how fast,
and whether the differences are real.

Method (../shared/docs/DOMAIN.md §1, §2, §5; seed 000 "sistema de reporte de ciclo cerrado" and
"el ciclo de ventas"):

- close rate = customers ÷ leads per group, Wilson 95 % interval, Fisher test of each group
  against the rest with a Benjamini–Hochberg correction, chi-square test of "does the dimension
  matter at all" (``smk.analyses.stats.rate_table``); groups under ``analysis.min_group_size`` are shown but
  never called different;
- censoring: by default a lead counts as a customer only if it was won within
  ``analysis.close_window_days`` (N) of its creation, and only leads created at least N days
  before ``client.data_end`` enter (``smk.analyses.outcomes.old_enough`` / ``won_within``). Cumulative
  close curves are Aalen–Johansen incidences with *lost* as a competing event (``smk.analyses.survival``);
- funnel by channel: visits → leads → MQL → SQL → customers, step rates against the overall step
  rate (a channel "leaks" at a step when its rate is significantly below the overall one);
- sales cycle: days from lead (or MQL) to won, quartiles among won leads, and a Kaplan–Meier
  median where many leads are still open.

Every function is vectorised (groupby / cumulative sums on event-time aggregates): no per-lead
Python loops.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from smk.views import fmt
from smk.analyses import stats
from smk.analyses import survival
from smk.errors import NotEnoughData
from smk.analyses.features import activity_counts
from smk.analyses.outcomes import lead_outcomes, old_enough, won_within

#: Dimensions close rates can be broken down by (lead columns, plus derived ones).
DIMENSIONS: tuple[str, ...] = ("channel", "offer", "activity", "industry", "size_band", "country", "owner",
                               "team", "cohort")
TOTAL = "(all)"
MISSING = "(missing)"
STEPS: tuple[str, ...] = ("visit_to_lead", "lead_to_mql", "mql_to_sql", "sql_to_customer")
_STEP_COUNTS = {"visit_to_lead": ("visits", "leads"), "lead_to_mql": ("leads", "mqls"),
                "mql_to_sql": ("mqls", "sqls"), "sql_to_customer": ("sqls", "customers")}

#: Client-facing labels (columns, dimensions, steps), applied at display time.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "dimension": "Dimension", "group": "Group", "n": "Leads", "successes": "Customers",
        "rate": "Close rate", "ci_low": "95 % CI low", "ci_high": "95 % CI high", "lift": "vs overall (×)",
        "pvalue": "p-value", "qvalue": "q-value (BH)", "too_small": "Too small to judge",
        "significant": "Different from overall", "direction": "Direction",
        "channel": "Channel", "offer": "Offer (first conversion)", "activity": "Activity",
        "industry": "Industry", "size_band": "Company size", "country": "Country", "owner": "Sales rep",
        "team": "Team", "cohort": "Month created",
        "leads": "Leads", "won": "Customers", "lost": "Lost", "open": "Still open",
        "naive_rate": "Customers ÷ leads (so far)", "decided_rate": "Won ÷ (won + lost)",
        "window_rate": "Won within N days", "window_n": "Leads old enough",
        "cif_window": "P(won by day N), Aalen–Johansen", "km_window": "1 − Kaplan–Meier at day N (biased)",
        "median_days_to_won": "Median days to win", "median_days_to_lost": "Median days to loss",
        "open_share": "Share still open",
        "visits": "Visits", "mqls": "MQLs", "sqls": "SQLs", "customers": "Customers",
        "visit_to_lead": "Visit → lead", "lead_to_mql": "Lead → MQL", "mql_to_sql": "MQL → SQL",
        "sql_to_customer": "SQL → customer", "lead_to_customer": "Lead → customer",
        "visits_per_lead": "Visits per lead", "leads_per_customer": "Leads per customer",
        "step": "Step", "from_n": "Entered step", "to_n": "Passed step", "overall_rate": "Overall rate",
        "diff": "Difference (pp)", "leak": "Leaks here",
        "start": "From", "n_won": "Customers", "n_open": "Still open", "median_days": "Median days (won)",
        "q1_days": "Q1 days (won)", "q3_days": "Q3 days (won)",
        "adj_median_days": "Median days, adjusted for open leads", "km_median_days": "Median days (Kaplan–Meier)",
        "km_median_low": "KM median CI low", "km_median_high": "KM median CI high",
        "time": "Days since lead created", "cif": "Cumulative close rate",
        TOTAL: "All", MISSING: "(missing)", "lead": "lead created", "mql": "MQL",
    },
    "es": {
        "dimension": "Dimensión", "group": "Grupo", "n": "Leads", "successes": "Clientes",
        "rate": "Tasa de cierre", "ci_low": "IC 95 % inf.", "ci_high": "IC 95 % sup.", "lift": "vs. total (×)",
        "pvalue": "valor p", "qvalue": "valor q (BH)", "too_small": "Muy pequeño para juzgar",
        "significant": "Distinto del total", "direction": "Sentido",
        "channel": "Canal", "offer": "Oferta (primera conversión)", "activity": "Actividad",
        "industry": "Industria", "size_band": "Tamaño de empresa", "country": "País", "owner": "Vendedor",
        "team": "Equipo", "cohort": "Mes de creación",
        "leads": "Leads", "won": "Clientes", "lost": "Perdidos", "open": "Aún abiertos",
        "naive_rate": "Clientes ÷ leads (hasta hoy)", "decided_rate": "Ganados ÷ (ganados + perdidos)",
        "window_rate": "Ganados en N días", "window_n": "Leads con antigüedad suficiente",
        "cif_window": "P(ganado al día N), Aalen–Johansen", "km_window": "1 − Kaplan–Meier al día N (sesgado)",
        "median_days_to_won": "Mediana de días hasta ganar", "median_days_to_lost": "Mediana de días hasta perder",
        "open_share": "Proporción aún abierta",
        "visits": "Visitas", "mqls": "MQL", "sqls": "SQL", "customers": "Clientes",
        "visit_to_lead": "Visita → lead", "lead_to_mql": "Lead → MQL", "mql_to_sql": "MQL → SQL",
        "sql_to_customer": "SQL → cliente", "lead_to_customer": "Lead → cliente",
        "visits_per_lead": "Visitas por lead", "leads_per_customer": "Leads por cliente",
        "step": "Paso", "from_n": "Entraron al paso", "to_n": "Pasaron", "overall_rate": "Tasa total",
        "diff": "Diferencia (pp)", "leak": "Fuga aquí",
        "start": "Desde", "n_won": "Clientes", "n_open": "Aún abiertos", "median_days": "Mediana de días (ganados)",
        "q1_days": "Q1 días (ganados)", "q3_days": "Q3 días (ganados)",
        "adj_median_days": "Mediana de días, ajustada por abiertos",
        "km_median_days": "Mediana de días (Kaplan–Meier)",
        "km_median_low": "IC inf. mediana KM", "km_median_high": "IC sup. mediana KM",
        "time": "Días desde la creación del lead", "cif": "Tasa de cierre acumulada",
        TOTAL: "Total", MISSING: "(sin dato)", "lead": "creación del lead", "mql": "MQL",
    },
}

_TESTS = {
    "en": {"chi_square": "Chi-square", "fisher_exact": "Fisher exact", "none": "not testable",
           "none (groups overlap)": "none (groups overlap)",
           "chi_square (some expected counts < 5: approximate)": "Chi-square (approximate: small expected counts)"},
    "es": {"chi_square": "Chi-cuadrado", "fisher_exact": "Exacta de Fisher", "none": "no se puede probar",
           "none (groups overlap)": "ninguna (grupos solapados)",
           "chi_square (some expected counts < 5: approximate)": "Chi-cuadrado (aproximada: frecuencias esperadas pequeñas)"},
}
_EXTRA_LABELS = {
    "en": {"test": "Test", "groups": "Groups judged", "statistic": "Statistic", "matters": "Makes a difference",
           "diff_ci": "Difference 95 % CI", "cif_window_ci": "95 % CI", "window_ci": "95 % CI",
           "spread": "Spread across models", "ci": "95 % CI", "step_rate": "Step rate",
           "real_difference": "Real difference"},
    "es": {"test": "Prueba", "groups": "Grupos evaluados", "statistic": "Estadístico", "matters": "Marca diferencia",
           "diff_ci": "IC 95 % diferencia", "cif_window_ci": "IC 95 %", "window_ci": "IC 95 %",
           "spread": "Diferencia entre modelos", "ci": "IC 95 %", "step_rate": "Tasa del paso",
           "real_difference": "Diferencia real"},
}

_DIRECTION = {"en": {"above": "above", "below": "below", "": ""},
              "es": {"above": "por encima", "below": "por debajo", "": ""}}


def _merge_labels() -> None:
    from smk.analyses import attribution as _attr

    for lg in ("en", "es"):
        LABELS[lg] = {**_attr.LABELS[lg], **_EXTRA_LABELS[lg], **LABELS[lg]}


def label(key: str, lang: str = "en") -> str:
    """Client-facing label of a column / dimension / step name (the key itself when unknown)."""
    return LABELS[fmt.check_lang(lang)].get(key, key)


# --------------------------------------------------------------------------------------------
# the per-lead table
# --------------------------------------------------------------------------------------------
def size_band_labels(bands) -> list[str]:
    """Labels for ``analysis.size_bands`` edges ``[0, 10, 50, 200, 1000]`` →
    ``['0–9', '10–49', '50–199', '200–999', '1000+']`` (lower edge included, upper excluded)."""
    edges = [float(b) for b in bands]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        out.append(f"{lo:g}–{hi - 1:g}")
    out.append(f"{edges[-1]:g}+")
    return out


def size_band(employees: pd.Series, bands) -> pd.Series:
    """Company size band of each headcount (see :func:`size_band_labels`); missing stays missing."""
    edges = [float(b) for b in bands] + [np.inf]
    cut = pd.cut(pd.to_numeric(employees, errors="coerce"), bins=edges, right=False,
                 labels=size_band_labels(bands))
    return cut.astype(object).where(cut.notna(), None)


def _month_labels(ts: pd.Series) -> pd.Series:
    """'YYYY-MM' of each timestamp (vectorised through year·100 + month codes)."""
    code = ts.dt.year * 100 + ts.dt.month
    uniq = pd.unique(code.dropna())
    names = {c: f"{int(c) // 100:04d}-{int(c) % 100:02d}" for c in uniq}
    return code.map(names)


def lead_table(client, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per lead: :func:`smk.analyses.outcomes.lead_outcomes` plus the dimensions close rates are cut by
    (``channel, offer, industry, country, owner, team`` when the leads table has them, ``size_band``
    from ``employees`` and ``analysis.size_bands``, ``cohort`` = month of creation 'YYYY-MM') and, with
    N = ``analysis.close_window_days``: ``old_enough`` (created ≥ N days before ``data_end``) and
    ``won_in_window`` (won within N days of creation)."""
    if outcomes is not None and "won_in_window" in outcomes.columns:
        return outcomes  # already a lead table (analyse() builds it once)
    out = lead_outcomes(client) if outcomes is None else outcomes.copy()
    leads = client.leads
    for col in ("channel", "offer", "industry", "country", "owner", "team"):
        if col in leads:
            out[col] = leads[col].to_numpy()
    if "employees" in leads:
        out["size_band"] = size_band(leads["employees"], client.config.analysis.size_bands).to_numpy()
    out["cohort"] = _month_labels(out["created_at"])
    n_days = int(client.config.analysis.close_window_days)
    out["old_enough"] = old_enough(out, client.data_end, n_days).to_numpy()
    out["won_in_window"] = won_within(out, n_days).fillna(False).to_numpy(dtype=bool)
    out.attrs["window_days"] = n_days
    return out


def available_dimensions(client) -> list[str]:
    """The :data:`DIMENSIONS` this client's data can be cut by."""
    leads = client.leads
    have = []
    for d in DIMENSIONS:
        if d == "cohort":
            have.append(d)
        elif d == "size_band":
            if "employees" in leads and leads["employees"].notna().any():
                have.append(d)
        elif d == "activity":
            counters = [c for c in leads.columns if c.startswith("n_") and c not in ("n_attempts", "n_connects")]
            if (client.activities is not None and len(client.activities)) or counters:
                have.append(d)
        elif d in leads and leads[d].notna().any():
            have.append(d)
    return have


# --------------------------------------------------------------------------------------------
# close rates by dimension
# --------------------------------------------------------------------------------------------
def _window(client, within_days) -> int | None:
    if within_days == "config":
        return int(client.config.analysis.close_window_days)
    return None if within_days is None else int(within_days)


def _sample(client, table: pd.DataFrame, days: int | None) -> tuple[pd.DataFrame, pd.Series]:
    """Leads that enter a rate and their outcome: all leads and ``won`` (naive), or leads old enough
    and won within ``days``."""
    if days is None:
        return table, table["won"]
    keep = old_enough(table, client.data_end, days)
    sub = table[keep.to_numpy()]
    return sub, won_within(sub, days).fillna(False)


def close_rates(client, by: str, *, within_days: int | Literal["config"] | None = "config",
                outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Close rate per group of ``by`` (one of :data:`DIMENSIONS` or any leads column): a
    ``smk.analyses.stats.rate_table`` with a leading ``dimension`` column.

    Columns: ``dimension, group, n, successes, rate, ci_low, ci_high, lift, pvalue, qvalue, too_small,
    significant, direction``. ``attrs``: ``overall_rate``, ``independence`` (chi-square / Fisher across
    groups big enough to judge), ``window_days``, ``n_total``, ``excluded_recent`` (leads too young to
    judge), ``dimension``.

    ``within_days='config'`` (default): rate = won within N = ``analysis.close_window_days`` days,
    among leads created at least N days before ``client.data_end`` (fair to recent leads);
    ``within_days=None``: the naive "customers so far ÷ leads", biased low for recent leads.
    ``by='activity'``: for each activity type, customers among the leads who did it (before they were
    won) ÷ leads who did it, tested against leads who did not (groups overlap, so there is no
    across-group test). No lead old enough gives an empty table, never an error; a ``by`` column the
    leads table does not have raises ``NotEnoughData``.
    """
    table = lead_table(client, outcomes)
    days = _window(client, within_days)
    sample, y = _sample(client, table, days)
    cfg = client.config.analysis
    if by == "activity":
        res = _activity_rates(client, sample, y, min_group_size=cfg.min_group_size, alpha=cfg.alpha)
    else:
        if by not in sample:
            raise NotEnoughData([by], f"not enough data: the leads table has no {by!r} column")
        df = pd.DataFrame({by: sample[by].to_numpy(), "y": y.to_numpy(dtype=bool)})
        res = stats.rate_table(df, by, "y", min_group_size=cfg.min_group_size, alpha=cfg.alpha,
                               missing_label=MISSING)
        attrs = dict(res.attrs)
        res = res.copy()
        res.attrs = attrs
    res.insert(0, "dimension", by)
    res.attrs.update({"window_days": days, "dimension": by, "excluded_recent": int(len(table) - len(sample)),
                      "n_leads": int(len(table))})
    return res


def _activity_rates(client, sample: pd.DataFrame, y: pd.Series, *, min_group_size: int, alpha: float) -> pd.DataFrame:
    """Close rate among leads who did each activity (events before the lead was won)."""
    yv = y.to_numpy(dtype=bool)
    acts = client.activities
    if acts is None or not len(acts):
        # per-lead counters (no dates: every counted activity counts)
        src = client.leads.set_index("lead_id").reindex(sample["lead_id"].to_numpy()).reset_index()
        counts = activity_counts(src, None)
        did = counts.to_numpy() > 0
        groups = list(counts.columns)
        n = did.sum(axis=0).astype(int)
        k = (did & yv[:, None]).sum(axis=0).astype(int)
        source = counts.attrs.get("source", "none")
    else:
        # the log, as integer codes: distinct (lead, activity type) pairs before the lead was won
        from smk.analyses.attribution import _events_before_win, _unique_sorted

        vc, types = pd.factorize(acts["activity_type"], sort=True)
        code, _, tcode = _events_before_win(acts, sample.reset_index(drop=True), vc)
        m = max(len(types), 1)
        pair = _unique_sorted(code * m + tcode)
        lead_of, type_of = pair // m, pair % m
        n = np.bincount(type_of, minlength=len(types)).astype(int)
        k = np.bincount(type_of[yv[lead_of]], minlength=len(types)).astype(int)
        groups = [str(t) for t in types]
        source = "log"
    n_total, k_total = int(len(yv)), int(yv.sum())
    res = pd.DataFrame({"group": groups, "n": n, "successes": k})
    overall = k_total / n_total if n_total else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        res["rate"] = res["successes"] / res["n"]
    res["ci_low"], res["ci_high"] = stats.wilson_interval(res["successes"], res["n"], alpha)
    res["lift"] = res["rate"] / overall if overall else np.nan
    res["pvalue"] = [stats.group_vs_rest_pvalue(a, b, k_total, n_total) for a, b in zip(k, n)]  # per activity
    res["too_small"] = res["n"] < min_group_size
    res["qvalue"] = stats.bh_adjust(res["pvalue"].where(~res["too_small"]))
    res["significant"] = (res["qvalue"] < alpha) & ~res["too_small"]
    res["direction"] = np.where(res["significant"], np.where(res["rate"] > overall, "above", "below"), "")
    res = res.sort_values(["rate", "group"], ascending=[False, True], kind="stable", na_position="last")
    res = res.reset_index(drop=True)[["group", "n", "successes", "rate", "ci_low", "ci_high", "lift", "pvalue",
                                      "qvalue", "too_small", "significant", "direction"]]
    res.attrs.update({"overall_rate": overall, "n_total": n_total, "successes_total": k_total,
                      "independence": {"test": "none (groups overlap)", "statistic": np.nan, "dof": 0,
                                       "pvalue": np.nan, "groups": int(len(res))},
                      "source": source})
    return res


def close_rates_all(client, dims=None, *, within_days: int | Literal["config"] | None = "config",
                    outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`close_rates` for several dimensions stacked (default: every available dimension);
    ``attrs['tests']`` is :func:`dimension_tests` for the same dimensions."""
    dims = available_dimensions(client) if dims is None else [d for d in dims if d in available_dimensions(client)]
    outcomes = lead_outcomes(client) if outcomes is None else outcomes
    parts, tests = [], []
    for d in dims:  # a handful of dimensions, not leads
        r = close_rates(client, d, within_days=within_days, outcomes=outcomes)
        parts.append(r)
        tests.append({"dimension": d, **r.attrs["independence"]})
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out.attrs["tests"] = _tests_frame(tests, client.config.analysis.alpha)
    out.attrs["dimensions"] = list(dims)
    return out


def _tests_frame(tests: list[dict], alpha: float) -> pd.DataFrame:
    t = pd.DataFrame(tests, columns=["dimension", "test", "statistic", "dof", "pvalue", "groups"])
    t["qvalue"] = stats.bh_adjust(t["pvalue"]) if len(t) else []
    t["matters"] = t["qvalue"] < alpha
    return t


def dimension_tests(client, dims=None, *, within_days: int | Literal["config"] | None = "config") -> pd.DataFrame:
    """Does each dimension matter at all? One row per dimension: ``dimension, test, statistic, dof,
    pvalue, groups, qvalue`` (BH across dimensions), ``matters`` (q < alpha). Only groups big
    enough to judge enter the test; ``activity`` has none (its groups overlap)."""
    return close_rates_all(client, dims, within_days=within_days).attrs["tests"]


def best_and_worst(rates: pd.DataFrame) -> dict:
    """Best and worst group by close rate among groups big enough to judge (ties: by name).
    Returns {'best': row dict | None, 'worst': row dict | None}."""
    ok = rates[~rates["too_small"] & rates["rate"].notna()]
    if ok.empty:
        return {"best": None, "worst": None}
    ok = ok.sort_values(["rate", "group"], ascending=[False, True], kind="stable")
    return {"best": ok.iloc[0].to_dict(), "worst": ok.iloc[-1].to_dict() if len(ok) > 1 else None}


# --------------------------------------------------------------------------------------------
# censoring: cohorts, cumulative curves, naive vs fair
# --------------------------------------------------------------------------------------------
def cohort_table(client, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per month of lead creation: ``cohort, leads, won, open, naive_rate (won so far ÷ leads) with
    naive_ci_low/high, open_share, old_enough (whole cohort ≥ N days old), window_rate`` (won within N
    days, only for cohorts old enough; NaN otherwise) ``with window_ci_low/high``.

    The naive rate of recent cohorts is biased low: their leads have had less time to close.
    """
    t = lead_table(client, outcomes)
    n_days = t.attrs["window_days"]
    t = t.assign(is_open=t["status"].eq("open"), win_ok=t["won_in_window"] & t["old_enough"])
    g = t.groupby("cohort", sort=True)
    res = g.agg(leads=("lead_id", "size"), won=("won", "sum"), open=("is_open", "sum"),
                old=("old_enough", "sum"), won_window=("win_ok", "sum")).reset_index()
    res["naive_rate"] = res["won"] / res["leads"]
    res["naive_ci_low"], res["naive_ci_high"] = stats.wilson_interval(res["won"], res["leads"])
    res["open_share"] = res["open"] / res["leads"]
    res["old_enough"] = res["old"] == res["leads"]
    n_w = res["leads"].where(res["old_enough"], 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        res["window_rate"] = np.where(res["old_enough"], res["won_window"] / res["leads"], np.nan)
    res["window_ci_low"], res["window_ci_high"] = stats.wilson_interval(res["won_window"].where(res["old_enough"], 0), n_w)
    res.attrs["window_days"] = n_days
    return res[["cohort", "leads", "won", "open", "naive_rate", "naive_ci_low", "naive_ci_high", "open_share",
                "old_enough", "window_rate", "window_ci_low", "window_ci_high"]]


def _days(duration_days: pd.Series) -> np.ndarray:
    """Whole days, rounded up (an event after 0 < x ≤ 1 day is on day 1, consistent with
    ``won_within``'s ≤ N days)."""
    return np.ceil(duration_days.to_numpy(dtype=float) - 1e-9).clip(min=0)


def close_curves(client, by: str | None = "channel", *, outcomes: pd.DataFrame | None = None,
                 alpha: float | None = None) -> pd.DataFrame:
    """Cumulative close rate over days since lead creation, per group: Aalen–Johansen incidence of
    *won* with *lost* as a competing event and open leads censored at ``client.data_end``
    (``smk.analyses.survival.cumulative_incidence``). Times are whole days (rounded up).
    Leads won or lost without a date are left out (``attrs['undated']`` counts them)."""
    t = lead_table(client, outcomes)
    ok = t["duration_days"].notna()
    t = t[ok]
    groups = None if by is None else t[by].astype(object).where(t[by].notna(), MISSING).to_numpy()
    res = survival.cumulative_incidence(_days(t["duration_days"]), t["event"].to_numpy(), event="won",
                                        groups=groups, alpha=alpha or client.config.analysis.alpha)
    res.attrs.update({"undated": int((~ok).sum()), "by": by})
    return res


def naive_vs_fair(client, by: str = "channel", *, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Side by side per group, to show what censoring does to a close rate (N = close_window_days):

    ``group, leads, won, lost, open, naive_rate`` (won ÷ leads, so far: biased low where many are
    open), ``decided_rate`` (won ÷ (won + lost): flatters fast-closing groups, whose wins are already
    in while slower groups' wins are still pending), ``window_n, window_rate`` (won within N days
    among leads old enough: fair), ``cif_window`` with ``cif_low/cif_high`` (Aalen–Johansen P(won by
    day N), uses every lead), ``km_window`` (1 − Kaplan–Meier with lost leads censored: overstates,
    because it treats lost leads as if they could still win), ``median_days_to_won``,
    ``median_days_to_lost`` (among decided leads).
    """
    t = lead_table(client, outcomes)
    n_days = t.attrs["window_days"]
    key = t[by].astype(object).where(t[by].notna(), MISSING) if by is not None else pd.Series(TOTAL, index=t.index)
    t = t.assign(_g=key.to_numpy(), is_open=t["status"].eq("open"),
                 win_ok=t["won_in_window"] & t["old_enough"],
                 won_days=t["duration_days"].where(t["won"]), lost_days=t["duration_days"].where(t["lost"]))
    g = t.groupby("_g", sort=True)
    res = g.agg(leads=("lead_id", "size"), won=("won", "sum"), lost=("lost", "sum"), open=("is_open", "sum"),
                window_n=("old_enough", "sum"), window_won=("win_ok", "sum"),
                median_days_to_won=("won_days", "median"), median_days_to_lost=("lost_days", "median"))
    res.index.name = "group"
    res = res.reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        res["naive_rate"] = res["won"] / res["leads"]
        dec = res["won"] + res["lost"]
        res["decided_rate"] = np.where(dec > 0, res["won"] / dec.where(dec > 0, 1), np.nan)
        res["window_rate"] = np.where(res["window_n"] > 0, res["window_won"] / res["window_n"].where(res["window_n"] > 0, 1), np.nan)
    ok = t["duration_days"].notna()
    days = _days(t.loc[ok, "duration_days"])
    grp = t.loc[ok, "_g"].to_numpy()
    cif = survival.cumulative_incidence(days, t.loc[ok, "event"].to_numpy(), event="won", groups=grp)
    at = survival.value_at(cif, n_days).rename(columns={"cif": "cif_window", "ci_low": "cif_low", "ci_high": "cif_high"})
    km = survival.kaplan_meier(days, t.loc[ok, "event"].eq("won").to_numpy(), groups=grp)
    km_at = survival.value_at(km, n_days, columns=("survival",))
    km_at["km_window"] = 1 - km_at["survival"]
    res = res.merge(at, on="group", how="left").merge(km_at[["group", "km_window"]], on="group", how="left")
    res.attrs["window_days"] = n_days
    return res[["group", "leads", "won", "lost", "open", "naive_rate", "decided_rate", "window_n", "window_rate",
                "cif_window", "cif_low", "cif_high", "km_window", "median_days_to_won", "median_days_to_lost"]]


# --------------------------------------------------------------------------------------------
# funnel
# --------------------------------------------------------------------------------------------
def funnel(client, by: str = "channel", *, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Funnel counts and ratios per group, plus a last row ``group == '(all)'``.

    Columns: ``group, visits, leads, mqls, sqls, customers, visit_to_lead, lead_to_mql, mql_to_sql,
    sql_to_customer, lead_to_customer, visits_per_lead, leads_per_customer``.

    A lead "reached" a stage if it has that stage's date or a later one (a customer without an
    ``sql_at`` still passed SQL). ``visits`` come from ``web_traffic`` summed by channel over its own
    date range and are compared with the leads created in that range (NaN without web traffic, or for
    channels the traffic table does not list). MQL / SQL steps are NaN when the leads table has no
    ``mql_at`` / ``sql_at`` column. Seed 000: visits per lead and leads per customer ("relación entre
    visitas y leads").
    """
    t = lead_table(client, outcomes)
    has_mql = "mql_at" in client.leads and client.leads["mql_at"].notna().any()
    has_sql = "sql_at" in client.leads and client.leads["sql_at"].notna().any()
    key = t[by].astype(object).where(t[by].notna(), MISSING) if by is not None else pd.Series(TOTAL, index=t.index)
    cust = t["won"].to_numpy(dtype=bool)
    sql = (t["sql_at"].notna().to_numpy() | cust) if has_sql else np.zeros(len(t), bool)
    mql = (t["mql_at"].notna().to_numpy() | sql | cust) if has_mql else np.zeros(len(t), bool)
    wt = client.web_traffic
    in_range = np.zeros(len(t), bool)
    if wt is not None and len(wt):
        d0, d1 = pd.Timestamp(wt["date"].min()), pd.Timestamp(wt["date"].max()) + pd.Timedelta(days=1)
        created_day = t["created_at"].dt.tz_localize(None) if t["created_at"].dt.tz is not None else t["created_at"]
        in_range = ((created_day >= d0) & (created_day < d1)).to_numpy()
    df = pd.DataFrame({"group": key.to_numpy(), "leads": 1, "mqls": mql, "sqls": sql, "customers": cust,
                       "leads_traffic": in_range})
    agg = df.groupby("group", sort=True)[["leads", "mqls", "sqls", "customers", "leads_traffic"]].sum()
    total = agg.sum().rename(TOTAL)
    if wt is not None and len(wt):
        v = wt.groupby("channel", sort=True)["visits"].sum().astype(float) if by == "channel" else pd.Series(dtype=float)
        agg["visits"] = agg.index.map(v).astype(float) if by == "channel" else np.nan
        total["visits"] = float(wt["visits"].sum())
    else:
        agg["visits"] = np.nan
        total["visits"] = np.nan
    res = pd.concat([agg, total.to_frame().T]).reset_index(names="group")
    for c in ("leads", "mqls", "sqls", "customers", "leads_traffic"):
        res[c] = res[c].astype("int64")
    if not has_mql:
        res["mqls"] = pd.array([pd.NA] * len(res), dtype="Int64")
    if not has_sql:
        res["sqls"] = pd.array([pd.NA] * len(res), dtype="Int64")
    f = res[["visits", "leads", "mqls", "sqls", "customers", "leads_traffic"]].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        res["visit_to_lead"] = (f["leads_traffic"] / f["visits"]).where(f["visits"] > 0)
        res["lead_to_mql"] = (f["mqls"] / f["leads"]).where(f["leads"] > 0)
        res["mql_to_sql"] = (f["sqls"] / f["mqls"]).where(f["mqls"] > 0)
        res["sql_to_customer"] = (f["customers"] / f["sqls"]).where(f["sqls"] > 0)
        res["lead_to_customer"] = (f["customers"] / f["leads"]).where(f["leads"] > 0)
        res["visits_per_lead"] = (f["visits"] / f["leads_traffic"]).where(f["leads_traffic"] > 0)
        res["leads_per_customer"] = (f["leads"] / f["customers"]).where(f["customers"] > 0)
    res.attrs.update({"by": by, "has_mql": bool(has_mql), "has_sql": bool(has_sql),
                      "has_traffic": bool(wt is not None and len(wt))})
    return res[["group", "visits", "leads", "leads_traffic", "mqls", "sqls", "customers", *STEPS, "lead_to_customer",
                "visits_per_lead", "leads_per_customer"]]


def funnel_steps(client, by: str = "channel", *, funnel_table: pd.DataFrame | None = None,
                 outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each group's rate at each funnel step against the overall rate of that step (long table).

    Columns: ``group, step, from_n, to_n, rate, ci_low, ci_high, overall_rate, diff (rate − overall),
    pvalue`` (Fisher, group vs the other groups at that step), ``qvalue`` (BH over every group × step),
    ``too_small`` (from_n < min_group_size), ``leak`` (significantly below the overall rate).
    Steps whose counts are unknown (no traffic, no MQL dates) are left out; the visit → lead step is
    left out for a group with more leads than visits (traffic not tagged with that channel).
    """
    ft = funnel(client, by, outcomes=outcomes) if funnel_table is None else funnel_table
    cfg = client.config.analysis
    groups = ft[ft["group"] != TOTAL]
    total = ft[ft["group"] == TOTAL].iloc[0]
    rows = []
    for step in STEPS:  # four steps
        a, b = _STEP_COUNTS[step]
        a = "visits" if a == "visits" else a
        b = "leads_traffic" if step == "visit_to_lead" else b
        fa = pd.to_numeric(groups[a], errors="coerce").astype(float)
        fb = pd.to_numeric(groups[b], errors="coerce").astype(float)
        ok = fa.notna() & fb.notna() & (fa > 0) & (fb <= fa)
        if not ok.any():
            continue
        part = pd.DataFrame({"group": groups.loc[ok, "group"].to_numpy(), "step": step,
                             "from_n": fa[ok].to_numpy(), "to_n": fb[ok].to_numpy()})
        n_tot, k_tot = part["from_n"].sum(), part["to_n"].sum()
        part["overall_rate"] = k_tot / n_tot
        part["pvalue"] = [stats.group_vs_rest_pvalue(int(k), int(n), int(k_tot), int(n_tot))
                          for k, n in zip(part["to_n"], part["from_n"])]  # one test per group
        rows.append(part)
    cols = ["group", "step", "from_n", "to_n", "rate", "ci_low", "ci_high", "overall_rate", "diff", "pvalue",
            "qvalue", "too_small", "leak"]
    if not rows:
        return pd.DataFrame(columns=cols)
    res = pd.concat(rows, ignore_index=True)
    res["rate"] = res["to_n"] / res["from_n"]
    res["ci_low"], res["ci_high"] = stats.wilson_interval(res["to_n"], res["from_n"], cfg.alpha)
    res["diff"] = res["rate"] - res["overall_rate"]
    res["too_small"] = res["from_n"] < cfg.min_group_size
    res["qvalue"] = stats.bh_adjust(res["pvalue"].where(~res["too_small"]))
    res["leak"] = (res["qvalue"] < cfg.alpha) & (res["diff"] < 0) & ~res["too_small"]
    for c in ("from_n", "to_n"):
        res[c] = res[c].astype("int64")
    del total
    return res[cols]


def leaks(steps: pd.DataFrame) -> pd.DataFrame:
    """Where each channel leaks: the steps significantly below the overall step rate, worst first
    (``group, step, rate, overall_rate, diff, qvalue``)."""
    cols = ["group", "step", "rate", "overall_rate", "diff", "qvalue"]
    if steps.empty or not set(cols) | {"leak"} <= set(steps.columns):  # no funnel steps (e.g. no MQL/SQL dates)
        return pd.DataFrame(columns=cols)
    lk = steps[steps["leak"]].sort_values(["diff", "group", "step"], kind="stable")
    return lk[cols].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# sales cycle
# --------------------------------------------------------------------------------------------
def sales_cycle(client, by: str | None = None, *, start: Literal["lead", "mql"] = "lead",
                outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Days from lead creation (``start='lead'``) or from MQL (``start='mql'``) to won, per group.

    Columns:
    - ``start, group, leads, n_won, n_open, open_share``;
    - ``median_days, q1_days, q3_days``: among won leads (what seed 000 calls the sales cycle);
    - ``adj_median_days``: median adjusted for leads still open, from the Aalen–Johansen cumulative
      incidence F of winning (lost competing, open censored at ``data_end``, whole days): the first day
      t with F(t) ≥ ½·F(t_max), i.e. the median time to win among leads that win within the longest
      follow-up, with recent leads weighted in through the product-limit instead of being dropped;
    - ``km_median_days, km_median_low, km_median_high``: Kaplan–Meier median of time to win with open
      leads censored and lost leads left out (log(−log) 95 % interval). It assumes every open lead will
      eventually win, so it leans long and is "not reached" (NaN) when fewer than half of the non-lost
      leads ever win (typical of lead-level data full of silent leads).
    Where many leads are still open, the won-only median is too short (only the fast ones have closed
    yet); the adjusted median is the better read. ``by=None`` gives one row ``group == '(all)'``.
    Groups with no won lead have NaN medians. Durations before the start are clipped to 0.
    """
    t = lead_table(client, outcomes)
    if start == "mql":
        t = t[t["mql_at"].notna()]
        origin = t["mql_at"]
    elif start == "lead":
        origin = t["created_at"]
    else:
        raise ValueError("start must be 'lead' or 'mql'")
    key = (t[by].astype(object).where(t[by].notna(), MISSING) if by is not None
           else pd.Series(TOTAL, index=t.index, dtype=object))
    data_end = pd.Series(pd.Timestamp(client.data_end), index=t.index).astype(t["created_at"].dtype)
    end = t["won_at"].where(t["won"], t["lost_at"].where(t["lost"], data_end))
    days = ((end - origin).dt.total_seconds() / 86400).clip(lower=0)
    d = pd.DataFrame({"group": key.to_numpy(), "days": days.to_numpy(float), "won": t["won"].to_numpy(bool),
                      "open": t["status"].eq("open").to_numpy(bool), "event": t["event"].to_numpy()})
    g = d.assign(won_days=d["days"].where(d["won"])).groupby("group", sort=True)
    res = g.agg(leads=("won", "size"), n_won=("won", "sum"), n_open=("open", "sum"),
                median_days=("won_days", "median"))
    res["q1_days"] = g["won_days"].quantile(0.25)
    res["q3_days"] = g["won_days"].quantile(0.75)
    res = res.reset_index()
    res["open_share"] = res["n_open"] / res["leads"]
    dated = d[d["days"].notna()]
    whole = np.ceil(dated["days"].to_numpy() - 1e-9).clip(min=0)
    res["adj_median_days"] = np.nan
    if len(dated):
        cif = survival.cumulative_incidence(whole, dated["event"].to_numpy(), event="won",
                                            groups=dated["group"].to_numpy())
        fmax = cif.groupby("group", sort=False)["cif"].transform("max")
        hit = cif[(fmax > 0) & (cif["cif"] >= 0.5 * fmax - 1e-12)]
        res["adj_median_days"] = res["group"].map(hit.groupby("group")["time"].min()).astype(float)
    km_mask = (dated["won"] | dated["open"]).to_numpy()
    if km_mask.any():
        km = survival.kaplan_meier(whole[km_mask], dated["won"].to_numpy()[km_mask],
                                   groups=dated["group"].to_numpy()[km_mask])
        q = survival.km_quantiles(km, quantiles=(0.5,)).rename(
            columns={"q50": "km_median_days", "q50_low": "km_median_low", "q50_high": "km_median_high"})
        res = res.merge(q, on="group", how="left")
    else:
        res["km_median_days"] = res["km_median_low"] = res["km_median_high"] = np.nan
    res.insert(0, "start", start)
    res.attrs["start"] = start
    return res[["start", "group", "leads", "n_won", "n_open", "open_share", "median_days", "q1_days", "q3_days",
                "adj_median_days", "km_median_days", "km_median_low", "km_median_high"]]


# --------------------------------------------------------------------------------------------
# words
# --------------------------------------------------------------------------------------------
def explain_censoring(lang: str = "en", *, window_days: int = 90, cohorts: pd.DataFrame | None = None) -> str:
    """Why the naive close rate of recent cohorts is biased low (with the client's numbers when
    ``cohorts`` from :func:`cohort_table` is given)."""
    fmt.check_lang(lang)
    if lang == "es":
        text = (f"Un lead creado hace pocas semanas todavía no ha tenido tiempo de convertirse en cliente: "
                f"muchos siguen abiertos y cuentan como «no ganados» aunque algunos se ganarán más adelante. "
                f"Por eso la tasa «clientes ÷ leads» de los meses recientes sale más baja de lo que será. "
                f"Para comparar con justicia usamos la tasa de cierre en {window_days} días, solo con leads "
                f"que ya tienen al menos {window_days} días, y curvas acumuladas que tratan a los abiertos "
                f"como «aún sin resultado», no como perdidos.")
    else:
        text = (f"A lead created a few weeks ago has not had time to become a customer yet: many are still "
                f"open and count as \"not won\" although some will be won later. That is why the "
                f"\"customers ÷ leads\" rate of recent months comes out lower than it will end up. To compare "
                f"fairly we use the close rate within {window_days} days, only on leads at least "
                f"{window_days} days old, and cumulative curves that treat open leads as \"no result yet\", "
                f"not as lost.")
    if cohorts is not None and len(cohorts):
        old = cohorts[cohorts["old_enough"]]
        recent = cohorts[~cohorts["old_enough"]]
        if len(old) and len(recent):
            o_rate = old["won"].sum() / old["leads"].sum()
            r_rate = recent["won"].sum() / recent["leads"].sum()
            r_open = recent["open"].sum() / recent["leads"].sum()
            if lang == "es":
                text += (f" En estos datos, los meses con leads de menos de {window_days} días muestran "
                         f"{fmt.pct(r_rate, lang)} de clientes hasta hoy ({fmt.pct(r_open, lang)} sigue abierto), "
                         f"frente a {fmt.pct(o_rate, lang)} en los meses anteriores.")
            else:
                text += (f" In this data, the months with leads younger than {window_days} days show "
                         f"{fmt.pct(r_rate, lang)} customers so far ({fmt.pct(r_open, lang)} still open), "
                         f"against {fmt.pct(o_rate, lang)} in earlier months.")
    return text


def explain_decided_ratio(lang: str = "en", *, table: pd.DataFrame | None = None) -> str:
    """Why won ÷ (won + lost) flatters fast-closing channels (with the client's numbers when
    ``table`` from :func:`naive_vs_fair` is given)."""
    fmt.check_lang(lang)
    if lang == "es":
        text = ("«Ganados ÷ (ganados + perdidos)» solo mira los leads que ya tienen resultado. En un canal "
                "rápido casi todas las ventas ya ocurrieron; en uno lento muchas ventas siguen pendientes "
                "mientras que las pérdidas tempranas ya están contadas. Así el cociente favorece a los "
                "canales rápidos y castiga a los lentos, aunque al final cierren igual. La probabilidad "
                "acumulada de ganar (Aalen–Johansen, con «perdido» como evento competidor) compara a todos "
                "en el mismo plazo.")
    else:
        text = ("\"Won ÷ (won + lost)\" only looks at leads that already have a result. In a fast channel "
                "almost all sales have already happened; in a slow one many sales are still pending while "
                "early losses are already counted. So the ratio favours fast channels and penalises slow "
                "ones, even if in the end they close just as well. The cumulative probability of winning "
                "(Aalen–Johansen, with \"lost\" as a competing event) compares everyone over the same time.")
    if table is not None and len(table):
        t = table.dropna(subset=["decided_rate", "cif_window", "median_days_to_won"])
        t = t[t["won"] > 0]
        if len(t) >= 2:
            fast = t.sort_values(["median_days_to_won", "group"], kind="stable").iloc[0]
            slow = t.sort_values(["median_days_to_won", "group"], kind="stable").iloc[-1]
            n = table.attrs.get("window_days", 90)
            if lang == "es":
                text += (f" Aquí, {fast['group']} (mediana {fmt.number(fast['median_days_to_won'], lang)} días hasta "
                         f"ganar) muestra {fmt.pct(fast['decided_rate'], lang)} ganados sobre decididos y "
                         f"{fmt.pct(fast['cif_window'], lang)} de probabilidad de ganar en {n} días; "
                         f"{slow['group']} (mediana {fmt.number(slow['median_days_to_won'], lang)} días) muestra "
                         f"{fmt.pct(slow['decided_rate'], lang)} y {fmt.pct(slow['cif_window'], lang)}.")
            else:
                text += (f" Here, {fast['group']} (median {fmt.number(fast['median_days_to_won'], lang)} days to win) "
                         f"shows {fmt.pct(fast['decided_rate'], lang)} won among decided leads and "
                         f"{fmt.pct(fast['cif_window'], lang)} probability of winning within {n} days; "
                         f"{slow['group']} (median {fmt.number(slow['median_days_to_won'], lang)} days) shows "
                         f"{fmt.pct(slow['decided_rate'], lang)} and {fmt.pct(slow['cif_window'], lang)}.")
    return text


def _ptext(p: float, lang: str) -> str:
    """'p < 0.001' / 'p = 0.034' in the report language."""
    if p < 0.001:
        return f"p < {fmt.number(0.001, lang, 3)}"
    return f"p = {fmt.number(p, lang, 3)}"


def describe_rates(rates: pd.DataFrame, lang: str = "en") -> str:
    """One or two sentences on a :func:`close_rates` table: overall rate, whether the dimension matters,
    which groups are above / below, how many are too small to judge."""
    fmt.check_lang(lang)
    dim = label(rates.attrs.get("dimension", "group"), lang).lower()
    overall = rates.attrs.get("overall_rate", np.nan)
    n_days = rates.attrs.get("window_days")
    test = rates.attrs.get("independence", {}) or {}
    p = test.get("pvalue", np.nan)
    small = int(rates["too_small"].sum()) if len(rates) else 0
    above = rates.loc[rates["direction"] == "above", "group"].astype(str).tolist()
    below = rates.loc[rates["direction"] == "below", "group"].astype(str).tolist()
    if lang == "es":
        base = (f"Tasa de cierre global {fmt.pct(overall, lang)}"
                + (f" (ganados en {n_days} días, leads con al menos {n_days} días)" if n_days else " (clientes hasta hoy)") + ". ")
        if pd.notna(p):
            base += (f"La dimensión «{dim}» {'sí' if p < 0.05 else 'no'} marca una diferencia clara ({_ptext(p, lang)}). ")
        if above:
            base += f"Por encima del total: {', '.join(above)}. "
        if below:
            base += f"Por debajo: {', '.join(below)}. "
        if small:
            base += f"{small} grupo(s) son demasiado pequeños para juzgar."
    else:
        base = (f"Overall close rate {fmt.pct(overall, lang)}"
                + (f" (won within {n_days} days, leads at least {n_days} days old)" if n_days else " (customers so far)") + ". ")
        if pd.notna(p):
            base += (f"The dimension \"{dim}\" {'does' if p < 0.05 else 'does not'} make a clear difference ({_ptext(p, lang)}). ")
        if above:
            base += f"Above overall: {', '.join(above)}. "
        if below:
            base += f"Below: {', '.join(below)}. "
        if small:
            base += f"{small} group(s) are too small to judge."
    return base.strip()


def headlines(client, lang: str = "en", *, rates: pd.DataFrame | None = None,
              cycle: pd.DataFrame | None = None) -> list[dict]:
    """Index-tile figures: best and worst channel by close rate (with intervals) and the median sales
    cycle, as ``smk.report`` headline items ``{'label_en', 'label_es', 'value', 'display'}`` (display
    in ``lang``)."""
    fmt.check_lang(lang)
    if rates is None and "channel" in client.leads:
        rates = close_rates(client, "channel")
    cycle = sales_cycle(client) if cycle is None else cycle
    bw = best_and_worst(rates) if rates is not None else {"best": None, "worst": None}
    items = []
    for key, en, es in (("best", "Best channel (close rate)", "Mejor canal (tasa de cierre)"),
                        ("worst", "Worst channel (close rate)", "Peor canal (tasa de cierre)")):
        row = bw[key]
        if row is None:
            continue
        items.append({"label_en": en, "label_es": es, "value": float(row["rate"]),
                      "display": f"{row['group']}: {fmt.pct(row['rate'], lang)} {fmt.ci(row['ci_low'], row['ci_high'], lang)}"})
    if len(cycle) and pd.notna(cycle["median_days"].iloc[0]):
        row = cycle.iloc[0]
        unit = "días" if lang == "es" else "days"
        display = (f"{fmt.number(row['median_days'], lang)} {unit} "
                   f"(Q1–Q3 {fmt.number(row['q1_days'], lang)}–{fmt.number(row['q3_days'], lang)})")
        items.append({"label_en": "Median sales cycle (lead to won)", "label_es": "Ciclo de venta mediano (lead a ganado)",
                      "value": float(row["median_days"]), "display": display})
    return items


def localize(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Copy with the playbook's own values translated for display: ``(all)`` / ``(missing)`` groups,
    dimension, step and start names. Column names are left alone (``ctx.table(..., labels=LABELS)``)."""
    fmt.check_lang(lang)
    out = df.copy()
    for c in ("group", "key"):
        if c in out:
            out[c] = out[c].map(lambda v: label(v, lang) if v in (TOTAL, MISSING) else v)
    for c in ("dimension", "step", "start"):
        if c in out:
            out[c] = out[c].map(lambda v: label(str(v), lang))
    if "direction" in out:
        out["direction"] = out["direction"].map(lambda v: _DIRECTION[lang].get(v, v))
    return out


_VIEWS: dict[str, list[str]] = {
    "rates": ["group", "n", "successes", "rate", "ci_low", "ci_high", "lift", "qvalue", "too_small", "direction"],
    "rates_long": ["dimension", "group", "n", "successes", "rate", "ci_low", "ci_high", "qvalue", "too_small",
                   "direction"],
    "tests": ["dimension", "test", "groups", "statistic", "pvalue", "qvalue", "matters"],
    "cohorts": ["cohort", "leads", "won", "open_share", "naive_rate", "window_rate", "window_ci_low", "window_ci_high"],
    "naive_fair": ["group", "leads", "won", "lost", "open", "naive_rate", "decided_rate", "window_rate", "cif_window",
                   "cif_window_ci_low", "cif_window_ci_high", "km_window", "median_days_to_won", "median_days_to_lost"],
    "funnel": ["group", "visits", "leads", "mqls", "sqls", "customers", "visit_to_lead", "lead_to_mql", "mql_to_sql",
               "sql_to_customer", "visits_per_lead", "leads_per_customer"],
    "leaks": ["group", "step", "step_rate", "overall_rate", "diff", "qvalue"],
    "cycle": ["group", "leads", "n_won", "open_share", "median_days", "q1_days", "q3_days", "adj_median_days",
              "km_median_days"],
    "assists": ["asset", "customers_touched", "share_customers", "non_customers_touched", "share_non_customers",
                "difference", "diff_ci_low", "diff_ci_high", "qvalue", "real_difference"],
    "landing": ["asset", "views", "submissions", "submission_rate", "ci_low", "ci_high", "new_contacts"],
    "attribution": ["key", "first_touch", "last_touch", "linear", "u_shaped", "spread"],
}


def view(df: pd.DataFrame | None, kind: str, lang: str = "en", *, max_rows: int | None = None) -> pd.DataFrame:
    """The columns of a result table that the notebook shows, with playbook values translated
    (:func:`localize`); ``None`` (part not available) gives an empty table with those columns.
    ``kind``: rates, rates_long, tests, cohorts, naive_fair, funnel, leaks, cycle, assists, landing,
    attribution (a :func:`smk.analyses.attribution.attribution` long table, shown side by side)."""
    from smk.analyses import attribution as attr

    cols = _VIEWS[kind]
    if df is None:
        return pd.DataFrame(columns=cols)
    d = df
    if kind == "attribution":
        d = attr.attribution_wide(df)
    elif kind == "naive_fair":
        d = df.rename(columns={"cif_low": "cif_window_ci_low", "cif_high": "cif_window_ci_high"})
    elif kind == "assists":
        d = df.rename(columns={"diff_low": "diff_ci_low", "diff_high": "diff_ci_high", "significant": "real_difference"})
    elif kind == "leaks":
        d = df.rename(columns={"rate": "step_rate"})
    elif kind == "tests":
        d = df.assign(test=df["test"].map(lambda v: _TESTS[lang].get(v, v)))
    elif kind == "cohorts":
        d = df.assign(cohort=df["cohort"].map(lambda m: fmt.month(m, lang, short=True)))
    out = localize(d[[c for c in cols if c in d.columns]], lang)
    if kind == "attribution":
        out["key"] = out["key"].map(lambda v: label(v, lang) if v in LABELS[lang] and v.startswith("(") else v)
    return out.head(max_rows) if max_rows else out


#: ``ctx.table`` formats for the tables of this module.
FORMATS: dict[str, str] = {
    "rate": "pct", "ci": "ci", "lift": "number:2", "pvalue": "number:3", "qvalue": "number:3",
    "naive_rate": "pct", "decided_rate": "pct", "window_rate": "pct", "cif_window": "pct", "km_window": "pct",
    "open_share": "pct", "overall_rate": "pct", "diff": "pp", "visit_to_lead": "pct", "lead_to_mql": "pct",
    "mql_to_sql": "pct", "sql_to_customer": "pct", "lead_to_customer": "pct", "visits_per_lead": "number:1",
    "leads_per_customer": "number:1", "median_days": "number:0", "q1_days": "number:0", "q3_days": "number:0",
    "km_median_days": "number:0", "adj_median_days": "number:0", "km_median_low": "number:0", "km_median_high": "number:0",
    "median_days_to_won": "number:0", "median_days_to_lost": "number:0", "visits": "int",
    "window_ci": "ci", "cif_window_ci": "ci", "statistic": "number:1", "share_customers": "pct",
    "share_non_customers": "pct", "difference": "pp", "diff_ci": "ci", "submission_rate": "pct",
    "first_touch": "number:1", "last_touch": "number:1", "linear": "number:1", "u_shaped": "number:1",
    "spread": "number:1", "mqls": "int", "sqls": "int", "step_rate": "pct",
}

#: formats per view (``ctx.table(view(df, kind), formats=FORMATS_BY_VIEW[kind], labels=LABELS)``)
FORMATS_BY_VIEW: dict[str, dict[str, str]] = {
    kind: {**{k: v for k, v in FORMATS.items() if k in cols},
           **({"ci": "ci"} if "ci_low" in cols else {}),
           **({"window_ci": "ci"} if "window_ci_low" in cols else {}),
           **({"cif_window_ci": "ci"} if "cif_window_ci_low" in cols else {}),
           **({"diff_ci": "ci"} if "diff_ci_low" in cols else {})}
    for kind, cols in _VIEWS.items()
}


# --------------------------------------------------------------------------------------------
# the whole analysis in one call (the notebook's data)
# --------------------------------------------------------------------------------------------
@dataclass
class CloseRateResult:
    """Everything notebook 03 shows; tables are None when the client's data cannot support them."""

    lang_default: str
    window_days: int
    outcomes: pd.DataFrame
    channel: pd.DataFrame | None = None
    offer: pd.DataFrame | None = None
    others: pd.DataFrame | None = None
    tests: pd.DataFrame | None = None
    cohorts: pd.DataFrame | None = None
    naive_fair: pd.DataFrame | None = None
    curves: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None
    steps: pd.DataFrame | None = None
    leaks: pd.DataFrame | None = None
    cycle_channel: pd.DataFrame | None = None
    cycle_offer: pd.DataFrame | None = None
    cycle_segment: pd.DataFrame | None = None
    cycle_all: pd.DataFrame | None = None
    cycle_mql: pd.DataFrame | None = None
    assists: pd.DataFrame | None = None
    landing: pd.DataFrame | None = None
    attribution_channel: pd.DataFrame | None = None
    attribution_asset: pd.DataFrame | None = None
    missing: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Which parts were computed (``part, available``)."""
        parts = [f for f in self.__dataclass_fields__ if f not in ("lang_default", "window_days", "outcomes", "missing")]
        return pd.DataFrame({"part": parts, "available": [getattr(self, p) is not None for p in parts]})


def analyse(client) -> CloseRateResult:
    """Run every part of notebook 03 on ``client`` (lead outcomes computed once)."""
    from smk.analyses import attribution as attr

    o = lead_table(client)
    dims = available_dimensions(client)
    res = CloseRateResult(lang_default=client.config.lang, window_days=int(client.config.analysis.close_window_days),
                          outcomes=o)
    if "channel" in dims:
        res.channel = close_rates(client, "channel", outcomes=o)
    if "offer" in dims:
        res.offer = close_rates(client, "offer", outcomes=o)
    others = [d for d in dims if d not in ("channel", "offer")]
    allr = close_rates_all(client, ["channel", "offer", *others], outcomes=o)
    res.tests = allr.attrs["tests"]
    res.others = allr[allr["dimension"].isin(others)].reset_index(drop=True) if others else None
    res.cohorts = cohort_table(client, o)
    by = "channel" if "channel" in dims else None
    res.naive_fair = naive_vs_fair(client, by, outcomes=o)
    res.curves = close_curves(client, by, outcomes=o)
    res.funnel = funnel(client, by, outcomes=o)
    res.steps = funnel_steps(client, by, funnel_table=res.funnel, outcomes=o)
    res.leaks = leaks(res.steps)
    res.cycle_all = sales_cycle(client, None, outcomes=o)
    res.cycle_channel = sales_cycle(client, by, outcomes=o) if by else None
    res.cycle_offer = sales_cycle(client, "offer", outcomes=o) if "offer" in dims else None
    seg = next((d for d in ("size_band", "industry") if d in dims), None)
    res.cycle_segment = sales_cycle(client, seg, outcomes=o) if seg else None
    if o["mql_at"].notna().any():
        res.cycle_mql = sales_cycle(client, None, start="mql", outcomes=o)
    for name, fn in (("assists", lambda: attr.conversion_assists(client, outcomes=o)),
                     ("landing", lambda: attr.landing_pages(client)),
                     ("attribution_channel", lambda: attr.attribution(client, "channel", outcomes=o)),
                     ("attribution_asset", lambda: attr.attribution(client, "asset", outcomes=o))):
        try:
            setattr(res, name, fn())
        except NotEnoughData:
            res.missing.append(name)
    return res


def _p(text: str):
    from smk.views.html import Html
    import html as _html

    return Html(f"<p>{_html.escape(text)}</p>", text)


def describe_curves(nf: pd.DataFrame, lang: str = "en") -> str:
    """P(won by day N) per group from :func:`naive_vs_fair`: highest and lowest with intervals."""
    fmt.check_lang(lang)
    n = nf.attrs.get("window_days", 90)
    t = nf.dropna(subset=["cif_window"]).sort_values(["cif_window", "group"], ascending=[False, True], kind="stable")
    if t.empty:
        return ""
    hi, lo = t.iloc[0], t.iloc[-1]
    g = lambda r: label(r["group"], lang) if r["group"] in (TOTAL, MISSING) else r["group"]  # noqa: E731
    if lang == "es":
        return (f"Probabilidad de ganar en {n} días (Aalen–Johansen): la más alta es {g(hi)}, "
                f"{fmt.pct(hi['cif_window'], lang)} {fmt.ci(hi['cif_low'], hi['cif_high'], lang)}; la más baja, {g(lo)}, "
                f"{fmt.pct(lo['cif_window'], lang)} {fmt.ci(lo['cif_low'], lo['cif_high'], lang)}. Una curva que sigue "
                f"subiendo a la derecha indica leads que se cierran después de {n} días.")
    return (f"Probability of winning within {n} days (Aalen–Johansen): highest {g(hi)}, "
            f"{fmt.pct(hi['cif_window'], lang)} {fmt.ci(hi['cif_low'], hi['cif_high'], lang)}; lowest {g(lo)}, "
            f"{fmt.pct(lo['cif_window'], lang)} {fmt.ci(lo['cif_low'], lo['cif_high'], lang)}. A curve still rising on "
            f"the right means leads keep closing after {n} days.")


def describe_funnel(ft: pd.DataFrame, lk: pd.DataFrame, lang: str = "en") -> str:
    """Where channels leak (steps significantly below the overall step rate) and the seed's ratios."""
    fmt.check_lang(lang)
    parts = [f"{r.group}: {label(r.step, lang)} ({fmt.pct(r.rate, lang)} vs {fmt.pct(r.overall_rate, lang)})"
             for r in lk.itertuples()]  # one per leak
    tot = ft[ft["group"] == TOTAL].iloc[0]
    ratios_en = (f"Overall, {fmt.number(tot['visits_per_lead'], lang, 1)} visits per lead and "
                 f"{fmt.number(tot['leads_per_customer'], lang, 1)} leads per customer.")
    ratios_es = (f"En total, {fmt.number(tot['visits_per_lead'], lang, 1)} visitas por lead y "
                 f"{fmt.number(tot['leads_per_customer'], lang, 1)} leads por cliente.")
    if lang == "es":
        head = ("Fugas (pasos con tasa claramente por debajo del total, tras corrección BH): " + "; ".join(parts) + "."
                if parts else "Ningún canal está claramente por debajo del total en ningún paso.")
        return f"{head} {ratios_es}" if pd.notna(tot["visits_per_lead"]) else f"{head} En total, {fmt.number(tot['leads_per_customer'], lang, 1)} leads por cliente."
    head = ("Leaks (steps with a rate clearly below the overall rate, after BH correction): " + "; ".join(parts) + "."
            if parts else "No channel is clearly below the overall rate at any step.")
    return f"{head} {ratios_en}" if pd.notna(tot["visits_per_lead"]) else f"{head} Overall, {fmt.number(tot['leads_per_customer'], lang, 1)} leads per customer."


def describe_cycle(all_: pd.DataFrame, by: pd.DataFrame | None, lang: str = "en") -> str:
    """Median sales cycle (won-only and adjusted for open leads), fastest and slowest group."""
    fmt.check_lang(lang)
    r = all_.iloc[0]
    unit = "días" if lang == "es" else "days"
    if pd.isna(r["median_days"]):
        return "Aún no hay clientes ganados." if lang == "es" else "No customer has been won yet."
    if lang == "es":
        text = (f"Ciclo de venta mediano {fmt.number(r['median_days'], lang)} {unit} (Q1–Q3 "
                f"{fmt.number(r['q1_days'], lang)}–{fmt.number(r['q3_days'], lang)}) entre los {fmt.number(r['n_won'], lang)} "
                f"clientes; ajustado por el {fmt.pct(r['open_share'], lang, 0)} de leads aún abiertos, "
                f"{fmt.number(r['adj_median_days'], lang)} {unit}.")
    else:
        text = (f"Median sales cycle {fmt.number(r['median_days'], lang)} {unit} (Q1–Q3 "
                f"{fmt.number(r['q1_days'], lang)}–{fmt.number(r['q3_days'], lang)}) among the {fmt.number(r['n_won'], lang)} "
                f"customers; adjusted for the {fmt.pct(r['open_share'], lang, 0)} of leads still open, "
                f"{fmt.number(r['adj_median_days'], lang)} {unit}.")
    if by is not None:
        b = by[by["n_won"] >= 5].dropna(subset=["median_days"]).sort_values(["median_days", "group"], kind="stable")
        if len(b) >= 2:
            f, s_ = b.iloc[0], b.iloc[-1]
            text += (f" Más rápido: {f['group']} ({fmt.number(f['median_days'], lang)} {unit}); más lento: {s_['group']} "
                     f"({fmt.number(s_['median_days'], lang)} {unit}); solo grupos con al menos 5 clientes."
                     if lang == "es" else
                     f" Fastest: {f['group']} ({fmt.number(f['median_days'], lang)} {unit}); slowest: {s_['group']} "
                     f"({fmt.number(s_['median_days'], lang)} {unit}); groups with at least 5 customers only.")
    return text


def say(res: CloseRateResult, part: str, lang: str = "en"):
    """A sentence (HTML paragraph) saying what a result means, in ``lang``.

    ``part``: channel, offer, cohorts, decided, curves, funnel, cycle, assists, landing,
    attribution_channel, attribution_asset.
    """
    from smk.analyses import attribution as attr

    fmt.check_lang(lang)
    if part in ("channel", "offer"):
        t = getattr(res, part)
        return _p(describe_rates(t, lang) if t is not None else "")
    if part == "cohorts":
        return _p(explain_censoring(lang, window_days=res.window_days, cohorts=res.cohorts))
    if part == "decided":
        return _p(explain_decided_ratio(lang, table=res.naive_fair))
    if part == "curves":
        return _p(describe_curves(res.naive_fair, lang))
    if part == "funnel":
        return _p(describe_funnel(res.funnel, res.leaks, lang))
    if part == "cycle":
        return _p(describe_cycle(res.cycle_all, res.cycle_channel, lang))
    if part == "assists":
        return _p(attr.describe_assists(res.assists, lang) if res.assists is not None else "")
    if part == "landing":
        return _p(attr.describe_landing_pages(res.landing, lang) if res.landing is not None else "")
    if part in ("attribution_channel", "attribution_asset"):
        t = getattr(res, part)
        return _p(attr.describe_attribution(attr.attribution_wide(t), lang) if t is not None else "")
    raise ValueError(f"unknown part {part!r}")


# --------------------------------------------------------------------------------------------
# display and plots
# --------------------------------------------------------------------------------------------
def plot_rates(rates: pd.DataFrame, *, lang: str = "en", ax=None, title: str | None = None):
    """Horizontal dot-and-interval chart of a :func:`close_rates` table; groups too small to judge in
    grey, overall rate as a dashed line. Returns the Axes."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("normal"))
    r = rates.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(r))
    colors = np.where(r["too_small"], theme.COLORS["neutral"],
                      np.where(r["direction"] == "above", theme.COLORS["good"],
                               np.where(r["direction"] == "below", theme.COLORS["bad"], theme.COLORS["highlight"])))
    err = np.vstack([(r["rate"] - r["ci_low"]).fillna(0).clip(lower=0), (r["ci_high"] - r["rate"]).fillna(0).clip(lower=0)])
    for i in range(len(r)):  # one marker per group (a handful), colour by verdict
        ax.errorbar(r["rate"].iloc[i], y[i], xerr=err[:, i:i + 1], fmt="o", color=colors[i], capsize=3)
    overall = rates.attrs.get("overall_rate")
    if overall is not None and pd.notna(overall):
        ax.axvline(overall, ls="--", color=theme.COLORS["goal"], lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels([label(str(g), lang) if g in (TOTAL, MISSING) else str(g) for g in r["group"]])
    theme.format_axis(ax, "x", "pct", lang)
    _ = ax.set_xlabel(label("rate", lang))
    dim = rates.attrs.get("dimension", "")
    _ = ax.set_title(title if title is not None else f"{label('rate', lang)}: {label(dim, lang).lower()}")
    return ax


def plot_close_curves(curves: pd.DataFrame, *, lang: str = "en", ax=None, max_days: float | None = None,
                      window_days: int | None = None, band: bool | None = None):
    """Step plot of :func:`close_curves` (cumulative close rate vs days), one line per group, with the
    95 % band (by default only when there are at most 3 groups, to stay readable); a dotted vertical
    line at the close window. Returns the Axes."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("wide"))
    c = survival.with_origin(curves, "cif", 0.0)
    if max_days is not None:
        c = c[c["time"] <= max_days]
    groups = list(pd.unique(c["group"]))
    band = len(groups) <= 3 if band is None else band
    for i, (g, colour) in enumerate(zip(groups, theme.palette(len(groups)))):  # one line per group
        s = c[c["group"] == g]
        ax.step(s["time"], s["cif"], where="post", color=colour, label=label(g, lang) if g in (TOTAL, MISSING) else g)
        if band:
            ax.fill_between(s["time"], s["ci_low"].fillna(s["cif"]), s["ci_high"].fillna(s["cif"]), step="post",
                            color=colour, alpha=0.12, lw=0)
    if window_days:
        ax.axvline(window_days, ls=":", color=theme.COLORS["goal"], lw=1)
    theme.format_axis(ax, "y", "pct", lang)
    _ = ax.set_xlabel(label("time", lang))
    _ = ax.set_ylabel(label("cif", lang))
    _ = ax.set_title({"en": "Cumulative close rate (lost = competing event)",
                      "es": "Tasa de cierre acumulada (perdido = evento competidor)"}[lang])
    if len(groups) > 1:
        ax.legend(loc="upper left", fontsize=9)
    return ax


def plot_cohorts(cohorts: pd.DataFrame, *, lang: str = "en", ax=None):
    """Naive close rate (customers so far ÷ leads) and close rate within N days by month of creation:
    the naive line falls for recent months because their leads are still open."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("wide"))
    x = np.arange(len(cohorts))
    n = cohorts.attrs.get("window_days", 90)
    ax.plot(x, cohorts["naive_rate"], marker="o", color=theme.PALETTE[1], label=label("naive_rate", lang))
    ax.plot(x, cohorts["window_rate"], marker="s", color=theme.PALETTE[0],
            label=label("window_rate", lang).replace("N", str(n)))
    ax.fill_between(x, cohorts["window_ci_low"], cohorts["window_ci_high"], color=theme.PALETTE[0], alpha=0.12, lw=0)
    ax.set_xticks(x)
    ax.set_xticklabels([fmt.month(m, lang, short=True) for m in cohorts["cohort"]], rotation=45, ha="right")
    theme.format_axis(ax, "y", "pct", lang)
    _ = ax.set_title({"en": "Close rate by month of lead creation", "es": "Tasa de cierre por mes de creación del lead"}[lang])
    ax.legend(loc="best", fontsize=9)
    return ax


def plot_funnel(steps: pd.DataFrame, *, lang: str = "en", ax=None):
    """Heat map of step rates (rows: groups, columns: steps); colour = rate ÷ overall rate of the step
    (red: below, green: above); the cell text is the rate, with '!' on significant leaks."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("normal"))
    steps_present = [s for s in STEPS if s in set(steps["step"])]
    groups = sorted(pd.unique(steps["group"]).tolist(), key=str)
    piv = steps.pivot(index="group", columns="step", values="rate").reindex(index=groups, columns=steps_present)
    ovr = steps.groupby("step")["overall_rate"].first().reindex(steps_present)
    lk = steps.pivot(index="group", columns="step", values="leak").reindex(index=groups, columns=steps_present)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log2((piv / ovr).astype(float).to_numpy())
    ratio = np.clip(np.nan_to_num(ratio, nan=0.0, neginf=-1.5, posinf=1.5), -1.5, 1.5)
    ax.imshow(ratio, cmap="RdYlGn", vmin=-1.5, vmax=1.5, aspect="auto")
    for i in range(len(groups)):  # annotate cells (groups × 4 steps)
        for j in range(len(steps_present)):
            v = piv.iat[i, j]
            txt = fmt.pct(v, lang) + (" !" if lk.iat[i, j] is True else "")
            ax.text(j, i, txt, ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(steps_present)))
    ax.set_xticklabels([label(s, lang) for s in steps_present])
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels(groups)
    ax.grid(False)
    _ = ax.set_title({"en": "Funnel step rates by channel (red: below overall)",
                      "es": "Tasas por paso del embudo y canal (rojo: por debajo del total)"}[lang])
    return ax


def plot_sales_cycle(cycle: pd.DataFrame, *, lang: str = "en", ax=None):
    """Sales cycle per group: bar from Q1 to Q3 of days to win (won leads), dot at the median,
    hollow diamond at the median adjusted for open leads (``adj_median_days``)."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("normal"))
    c = cycle.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(c))
    ax.barh(y, (c["q3_days"] - c["q1_days"]).fillna(0), left=c["q1_days"].fillna(0), color=theme.PALETTE[4],
            alpha=0.5, label="Q1–Q3")
    ax.plot(c["median_days"], y, "o", color=theme.PALETTE[0], label=label("median_days", lang))
    ax.plot(c["adj_median_days"], y, "D", mfc="none", color=theme.PALETTE[5], label=label("adj_median_days", lang))
    ax.set_yticks(y)
    ax.set_yticklabels([label(str(g), lang) if g in (TOTAL, MISSING) else str(g) for g in c["group"]])
    _ = ax.set_xlabel({"en": "Days to win", "es": "Días hasta ganar"}[lang])
    start = cycle.attrs.get("start", "lead")
    _ = ax.set_title({"en": f"Sales cycle (from {label(start, 'en')})",
                      "es": f"Ciclo de venta (desde {label(start, 'es')})"}[lang])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=9)
    return ax


__all__ = [
    "CloseRateResult", "DIMENSIONS", "LABELS", "analyse", "available_dimensions", "describe_curves", "describe_cycle",
    "describe_funnel", "say", "best_and_worst", "close_curves", "close_rates",
    "close_rates_all", "cohort_table", "describe_rates", "dimension_tests", "explain_censoring",
    "explain_decided_ratio", "FORMATS", "FORMATS_BY_VIEW", "localize", "view", "funnel", "funnel_steps", "headlines", "label", "lead_table", "leaks",
    "naive_vs_fair", "plot_close_curves", "plot_cohorts", "plot_funnel", "plot_rates", "plot_sales_cycle",
    "sales_cycle", "size_band", "size_band_labels",
]

_merge_labels()
