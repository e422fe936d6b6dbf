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
Python loops. Compute only: ``analyse(client, period)`` returns a :class:`CloseRatesResult` of tidy
tables whose values are the playbook's codes; its tables, sentences and charts are drawn by
``smk.views.closerate``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from smk.analyses import attribution, stats, survival
from smk.analyses.base import Headline, Missing, Result
from smk.analyses.features import activity_counts
from smk.analyses.outcomes import lead_outcomes, old_enough, won_within
from smk.errors import NotEnoughData

#: Dimensions close rates can be broken down by (lead columns, plus derived ones).
DIMENSIONS: tuple[str, ...] = ("channel", "offer", "activity", "industry", "size_band", "country", "owner",
                               "team", "cohort")
TOTAL = "(all)"
MISSING = "(missing)"
STEPS: tuple[str, ...] = ("visit_to_lead", "lead_to_mql", "mql_to_sql", "sql_to_customer")
_STEP_COUNTS = {"visit_to_lead": ("visits", "leads"), "lead_to_mql": ("leads", "mqls"),
                "mql_to_sql": ("mqls", "sqls"), "sql_to_customer": ("sqls", "customers")}



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
            raise NotEnoughData([by], f"not enough data: the leads table has no {by!r} column",
                                reason="closerate.missing.no_column", params={"column": by})
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
        vc, types = pd.factorize(acts["activity_type"], sort=True)
        code, _, tcode = attribution.events_before_win(acts, sample.reset_index(drop=True), vc)
        m = max(len(types), 1)
        pair = attribution.unique_sorted(code * m + tcode)
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
                      "independence": {"test": "none_groups_overlap", "statistic": np.nan, "dof": 0,
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
# facts the notebook's sentences need (picked from the tables above)
# --------------------------------------------------------------------------------------------
def recent_vs_earlier(cohorts: pd.DataFrame) -> dict | None:
    """Customers so far among the leads of the months not yet old enough (``recent_rate``, with
    ``recent_open`` still open) against the months old enough (``earlier_rate``), from
    :func:`cohort_table`; None when the data do not have both kinds of month."""
    if cohorts is None or not len(cohorts):
        return None
    old, recent = cohorts[cohorts["old_enough"]], cohorts[~cohorts["old_enough"]]
    if not (len(old) and len(recent)):
        return None
    return {"recent_rate": recent["won"].sum() / recent["leads"].sum(),
            "recent_open": recent["open"].sum() / recent["leads"].sum(),
            "earlier_rate": old["won"].sum() / old["leads"].sum()}


def fast_and_slow(table: pd.DataFrame) -> dict | None:
    """The fastest- and slowest-winning groups of :func:`naive_vs_fair` (by median days to win,
    ties by name) among groups with a win and every rate known: ``{'fast': row, 'slow': row}``, or
    None with fewer than two such groups."""
    if table is None or not len(table):
        return None
    t = table.dropna(subset=["decided_rate", "cif_window", "median_days_to_won"])
    t = t[t["won"] > 0].sort_values(["median_days_to_won", "group"], kind="stable")
    if len(t) < 2:
        return None
    return {"fast": t.iloc[0].to_dict(), "slow": t.iloc[-1].to_dict()}


def highest_and_lowest(table: pd.DataFrame, column: str = "cif_window") -> dict | None:
    """Groups with the highest and lowest ``column`` (ties by name): ``{'high': row, 'low': row}``."""
    if table is None or not len(table):
        return None
    t = table.dropna(subset=[column]).sort_values([column, "group"], ascending=[False, True], kind="stable")
    if t.empty:
        return None
    return {"high": t.iloc[0].to_dict(), "low": t.iloc[-1].to_dict()}


def fastest_and_slowest(cycle: pd.DataFrame | None, min_won: int = 5) -> dict | None:
    """Groups of a :func:`sales_cycle` table with the shortest and longest won-only median among
    groups with at least ``min_won`` customers (ties by name); None with fewer than two."""
    if cycle is None:
        return None
    b = cycle[cycle["n_won"] >= min_won].dropna(subset=["median_days"])
    b = b.sort_values(["median_days", "group"], kind="stable")
    if len(b) < 2:
        return None
    return {"fast": b.iloc[0].to_dict(), "slow": b.iloc[-1].to_dict(), "min_won": min_won}


# --------------------------------------------------------------------------------------------
# the whole analysis in one call (the notebook's data)
# --------------------------------------------------------------------------------------------
#: The notebook's sections, in order (``ctx.show(res, name)``; views in smk.views.closerate).
SECTIONS: tuple[str, ...] = (
    "channel", "offer", "dimension_tests", "other_dimensions", "cohorts", "naive_fair", "curves", "funnel",
    "leaks", "cycle", "cycle_offer", "cycle_segment", "cycle_mql", "assists", "landing", "attribution_channel",
    "attribution_asset")


@dataclass(frozen=True)
class CloseRatesResult(Result):
    """Everything notebook 03 shows. Tables are None where the client's data cannot support them
    (``missing`` says why, per section). Values are the playbook's codes: ``(all)`` / ``(missing)``
    groups, dimension and step names, ``above`` / ``below``."""

    window_days: int
    outcomes: pd.DataFrame  # the per-lead table (lead_table)
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
    cycle_all: pd.DataFrame | None = None
    cycle_channel: pd.DataFrame | None = None
    cycle_offer: pd.DataFrame | None = None
    cycle_segment: pd.DataFrame | None = None
    cycle_mql: pd.DataFrame | None = None
    assists: pd.DataFrame | None = None
    landing: pd.DataFrame | None = None
    attribution_channel: pd.DataFrame | None = None
    attribution_asset: pd.DataFrame | None = None

    _TABLES = ("channel", "offer", "others", "tests", "cohorts", "naive_fair", "curves", "funnel", "steps", "leaks",
               "cycle_all", "cycle_channel", "cycle_offer", "cycle_segment", "cycle_mql", "assists", "landing",
               "attribution_channel", "attribution_asset")

    def summary(self) -> pd.DataFrame:
        """Which tables were computed (``part, available``)."""
        return pd.DataFrame({"part": list(self._TABLES),
                             "available": [getattr(self, p) is not None for p in self._TABLES]})

    def headlines(self) -> list[Headline]:
        """Index tile: best and worst channel by close rate (with intervals) and the median sales
        cycle from lead to won (with its quartiles). The display texts take the rates in percent
        (``rate_pct``) and the days as numbers: the catalogue formats them."""
        items = []
        bw = best_and_worst(self.channel) if self.channel is not None else {"best": None, "worst": None}
        for key in ("best", "worst"):
            row = bw[key]
            if row is not None:
                items.append(Headline(label=f"closerate.headline.{key}_channel", value=float(row["rate"]), kind="pct:1",
                                      display="closerate.headline.channel_rate",
                                      params={"group": str(row["group"]), "rate_pct": 100 * float(row["rate"]),
                                              "ci_low_pct": 100 * float(row["ci_low"]),
                                              "ci_high_pct": 100 * float(row["ci_high"])}))
        if self.cycle_all is not None and len(self.cycle_all) and pd.notna(self.cycle_all["median_days"].iloc[0]):
            row = self.cycle_all.iloc[0]
            items.append(Headline(label="closerate.headline.median_cycle", value=float(row["median_days"]),
                                  kind="number:0", display="closerate.headline.cycle_days",
                                  params={"median_days": float(row["median_days"]), "q1_days": float(row["q1_days"]),
                                          "q3_days": float(row["q3_days"])}))
        return items


def _missing(exc: NotEnoughData) -> Missing:
    return Missing(needs=tuple(exc.needs), reason=exc.reason, params=dict(exc.params))


def analyse(client, period=None) -> CloseRatesResult:
    """Every table of notebook 03 on ``client`` (the per-lead table computed once). ``period`` is
    accepted for the common signature: close rates look at the whole history up to
    ``client.data_end`` (the report month does not cut it). Raises NotEnoughData when the leads have
    no creation dates (windows, curves and cycles all count from them)."""
    del period
    o = lead_table(client)
    if not o["created_at"].notna().any():
        raise NotEnoughData(["dated"], "not enough data: the leads have no creation dates",
                            reason="closerate.missing.undated")
    dims = available_dimensions(client)
    missing: dict[str, Missing] = {}
    parts: dict = {}
    for d in ("channel", "offer"):
        if d in dims:
            parts[d] = close_rates(client, d, outcomes=o)
        else:
            missing[d] = Missing(needs=(), reason=f"closerate.missing.no_{d}")
    others = [d for d in dims if d not in ("channel", "offer")]
    allr = close_rates_all(client, ["channel", "offer", *others], outcomes=o)
    parts["tests"] = allr.attrs["tests"]
    if others:
        parts["others"] = allr[allr["dimension"].isin(others)].reset_index(drop=True)
    else:
        missing["other_dimensions"] = Missing(needs=(), reason="closerate.missing.no_other_dimensions")
    parts["cohorts"] = cohort_table(client, o)
    by = "channel" if "channel" in dims else None
    parts["naive_fair"] = naive_vs_fair(client, by, outcomes=o)
    parts["curves"] = close_curves(client, by, outcomes=o)
    parts["funnel"] = funnel(client, by, outcomes=o)
    parts["steps"] = funnel_steps(client, by, funnel_table=parts["funnel"], outcomes=o)
    parts["leaks"] = leaks(parts["steps"])
    parts["cycle_all"] = sales_cycle(client, None, outcomes=o)
    if by:
        parts["cycle_channel"] = sales_cycle(client, by, outcomes=o)
    if "offer" in dims:
        parts["cycle_offer"] = sales_cycle(client, "offer", outcomes=o)
    else:
        missing["cycle_offer"] = Missing(needs=(), reason="closerate.missing.no_offer")
    seg = next((d for d in ("size_band", "industry") if d in dims), None)
    if seg:
        parts["cycle_segment"] = sales_cycle(client, seg, outcomes=o)
    else:
        missing["cycle_segment"] = Missing(needs=(), reason="closerate.missing.no_segment")
    if o["mql_at"].notna().any():
        parts["cycle_mql"] = sales_cycle(client, None, start="mql", outcomes=o)
    else:
        missing["cycle_mql"] = Missing(needs=("mql",), reason="closerate.missing.no_mql")
    for name, fn in (("assists", lambda: attribution.conversion_assists(client, outcomes=o)),
                     ("landing", lambda: attribution.landing_pages(client)),
                     ("attribution_channel", lambda: attribution.attribution(client, "channel", outcomes=o)),
                     ("attribution_asset", lambda: attribution.attribution(client, "asset", outcomes=o))):
        try:
            parts[name] = fn()
        except NotEnoughData as exc:
            missing[name] = _missing(exc)
    return CloseRatesResult(window_days=int(client.config.analysis.close_window_days), outcomes=o, missing=missing,
                            **parts)


__all__ = [
    "DIMENSIONS", "MISSING", "SECTIONS", "STEPS", "TOTAL", "CloseRatesResult", "analyse", "available_dimensions",
    "best_and_worst", "close_curves", "close_rates", "close_rates_all", "cohort_table", "dimension_tests",
    "fast_and_slow", "fastest_and_slowest", "funnel", "funnel_steps", "highest_and_lowest", "lead_table", "leaks",
    "naive_vs_fair", "recent_vs_earlier", "sales_cycle", "size_band", "size_band_labels",
]
