"""04: the service level agreement between marketing and sales, in numbers.

Method (seed 000 ch. 3; DOMAIN.md §3; seeds 001, 002):

- **MQL value** per lead type (``client.config.sla.lead_type``: offer by default, or a segment
  column) = average revenue per customer of that type × MQL→customer close rate of that type.
  The seed's table: ebook $160,000 × 1 % = $1,600; webinar $100,000 × 1.5 % = $1,500 (the seed prints
  $3,000: an arithmetic slip); demo $150,000 × 2 % = $3,000.
- **MQLs needed** = marketing's share of the quota ÷ MQL value, per type and for the current mix
  (mix value = Σ share_of_MQLs_t × value_t).
- **Sales SLA**: first contact within H hours, K attempts within D days (client.yml ``sla``; notebook
  05's recommendation, ``smk.analyses.attempts.recommend_sla``, when it exists).
- **Commitments** of both sides with target and actual for a month, and the filled-in agreement
  document (es/en) with measurement, remedy and review cadence (seed 001).

The dashboards (pacing, first-contact and attempts compliance, breaching list) live in
:mod:`smk.analyses.dashboards` and are re-exported here.
"""
from __future__ import annotations

import math
from pathlib import Path
from string import Template
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.views import fmt
from smk.analyses.dashboards import (  # noqa: F401  (re-exported: smk.analyses.sla.pacing etc.)
    ADVICE, Pacing, attempts_compliance, attempts_table, breaching_leads, elapsed_hours,
    first_contact_compliance, first_contact_table, pacing, pacing_from_events, period_bounds,
    plot_compliance, plot_first_contact, plot_pacing, sla_start,
)
from smk.errors import NotEnoughData
from smk.analyses.stats import wilson_interval

DATA_DIR = Path(__file__).resolve().parents[1] / "views" / "templates"

#: Channels whose leads sales created itself (not marketing). Matched case-insensitively.
#: client.yml key requested: ``marketing.sales_sourced_channels``.
DEFAULT_SALES_SOURCED_CHANNELS: tuple[str, ...] = (
    "sales_prospecting", "outbound", "prospecting", "sales", "sales_sourced", "cold_call", "cold_email",
    "cold_outreach", "sdr", "bdr",
)
#: Share of new MQLs that must meet each sales SLA for the month to count as met.
#: client.yml key requested: ``sla.compliance_target``.
DEFAULT_COMPLIANCE_TARGET = 0.90
MIX_ROW = "(mix)"

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "lead_type": "Lead type", "mqls": "Matured MQLs", "customers": "Customers",
        "close_rate": "Close rate", "rate_low": "close rate CI low", "rate_high": "close rate CI high",
        "avg_revenue": "Revenue / customer", "value": "Value per MQL", "value_low": "Value CI low",
        "value_high": "Value CI high", "value_low_full": "Value CI low (incl. revenue)",
        "value_high_full": "Value CI high (incl. revenue)", "mix_share": "Share of mix",
        "mqls_needed": "MQLs needed", "mqls_needed_low": "MQLs needed (low)", "mqls_needed_high": "MQLs needed (high)",
        "too_small": "Too few MQLs to judge", "side": "Side", "commitment": "Commitment", "target": "Target",
        "actual": "Actual", "met": "Met", "first_contact_hours": "First contact within (hours)",
        "attempts": "Attempts", "within_days": "Within (days)", "source": "Source",
        "marketing": "Marketing", "sales": "Sales", MIX_ROW: "Current mix", "on_track": "On track",
    },
    "es": {
        "lead_type": "Tipo de lead", "mqls": "MQL maduros", "customers": "Clientes",
        "close_rate": "% de cierre", "rate_low": "IC inferior del cierre", "rate_high": "IC superior del cierre",
        "avg_revenue": "Ingreso / cliente", "value": "Valor por MQL", "value_low": "Valor IC inferior",
        "value_high": "Valor IC superior", "value_low_full": "Valor IC inferior (con ingreso)",
        "value_high_full": "Valor IC superior (con ingreso)", "mix_share": "Peso en el mix",
        "mqls_needed": "MQL necesarios", "mqls_needed_low": "MQL necesarios (mín.)", "mqls_needed_high": "MQL necesarios (máx.)",
        "too_small": "Muy pocos MQL para juzgar", "side": "Equipo", "commitment": "Compromiso", "target": "Objetivo",
        "actual": "Real", "met": "Cumplido", "first_contact_hours": "Primer contacto en (horas)",
        "attempts": "Intentos", "within_days": "En (días)", "source": "Fuente",
        "marketing": "Marketing", "sales": "Ventas", MIX_ROW: "Mix actual", "on_track": "En línea",
    },
}


# --------------------------------------------------------------------------------------------
# MQL value
# --------------------------------------------------------------------------------------------
def mql_value(types: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Value of one MQL per lead type: ``value = avg_revenue × close_rate``.

    Input columns: ``lead_type, avg_revenue, close_rate`` and optionally ``mqls, customers`` (to get a
    Wilson interval on the close rate), ``rate_low, rate_high`` (given interval), ``revenue_se``
    (standard error of the average revenue).
    Output adds ``value``, ``value_low, value_high`` = avg_revenue × Wilson (or given) interval of the
    close rate — the average revenue is taken as known — and ``value_low_full, value_high_full``, which
    also carry the uncertainty of the average revenue (delta method for a product of independent
    estimates: se² = R²·se_p² + p²·se_R², normal interval clipped at 0), when ``revenue_se`` is given.

    Seed 000 ch. 3: ``mql_value(pd.DataFrame({'lead_type': ['ebook'], 'avg_revenue': [160_000],
    'close_rate': [0.01]}))['value'] == 1600``.
    """
    out = types.copy()
    R = out["avg_revenue"].astype(float)
    p = out["close_rate"].astype(float)
    out["value"] = R * p
    if "rate_low" not in out or "rate_high" not in out:
        if {"mqls", "customers"} <= set(out.columns):
            out["rate_low"], out["rate_high"] = wilson_interval(out["customers"].astype(float),
                                                                out["mqls"].astype(float), alpha)
        else:
            out["rate_low"], out["rate_high"] = np.nan, np.nan
    out["value_low"] = R * out["rate_low"].astype(float)
    out["value_high"] = R * out["rate_high"].astype(float)
    if "revenue_se" in out and "mqls" in out:
        z = _st.norm.ppf(1 - alpha / 2)
        n = out["mqls"].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            se_p = np.sqrt(p * (1 - p) / n)
            se = np.sqrt((R * se_p) ** 2 + (p * out["revenue_se"].astype(float)) ** 2)
        out["value_low_full"] = np.clip(out["value"] - z * se, 0, None)
        out["value_high_full"] = out["value"] + z * se
    return out


def _lead_type_col(client, lead_type: str | None) -> str:
    col = lead_type or client.config.sla.lead_type
    return col


def _as_of(client, period: str | None) -> pd.Timestamp:
    """The goal of a month is what could have been set at its start: data up to the period start
    (or ``data_end`` if earlier)."""
    end = pd.Timestamp(client.data_end)
    end = end.tz_localize(client.tz) if end.tzinfo is None else end.tz_convert(client.tz)
    if period is None:
        return end
    p0, _ = period_bounds(period, client.tz)
    return min(end, p0)


def mql_value_table(client, *, period: str | None = None, lead_type: str | None = None,
                    window_days: int | None = None, mix_months: int = 3,
                    close_rates: Mapping[str, float] | None = None,
                    avg_revenue: Mapping[str, float] | None = None) -> pd.DataFrame:
    """MQL value per lead type from the client's data (seed 000 ch. 3, steps 1–3).

    As of the start of ``period`` (no look-ahead; default: ``data_end``):
    - cohort: MQLs (``mql_at``, else every lead at ``created_at``) at least ``window_days``
      (``analysis.close_window_days``) old, so each had the same chance to close;
    - close_rate = cohort MQLs that became customers within ``window_days`` ÷ cohort MQLs (Wilson CI);
    - avg_revenue = mean revenue of customers of the type won before the as-of date (with its standard
      error ``revenue_se`` = sd/√n);
    - mix_share = share of the type among MQLs of the ``mix_months`` months before the as-of date
      (all MQLs when none).
    ``close_rates`` / ``avg_revenue`` override the data per type (the notebook's sliders).
    Columns: ``lead_type, mqls, customers, close_rate, rate_low, rate_high, avg_revenue, revenue_se,
    value, value_low, value_high, value_low_full, value_high_full, mix_share, too_small``.
    """
    from smk.analyses.outcomes import lead_outcomes

    col = _lead_type_col(client, lead_type)
    leads = client.leads
    tz = client.tz
    w = int(window_days or client.config.analysis.close_window_days)
    as_of = _as_of(client, period)
    start, basis = sla_start(leads)
    start = _to_tz(start, tz)
    oc = lead_outcomes(client)
    won_at = _to_tz(oc["won_at"], tz)
    types = leads[col].astype("object") if col in leads else pd.Series("all", index=leads.index, dtype="object")
    types = types.where(types.notna(), "(missing)").reset_index(drop=True)
    df = pd.DataFrame({"lead_type": types, "start": start.reset_index(drop=True),
                       "won": oc["won"].to_numpy(), "won_at": won_at.reset_index(drop=True),
                       "revenue": oc["revenue"].to_numpy(float)})
    df = df[df["start"].notna()]
    age = (as_of - df["start"]).dt.total_seconds() / 86400
    cohort = df[age >= w].copy()
    dt = (cohort["won_at"] - cohort["start"]).dt.total_seconds() / 86400
    cohort["closed"] = cohort["won"] & (dt <= w).fillna(False) & (cohort["won_at"] <= as_of).fillna(False)
    cust = df[df["won"] & (df["won_at"] <= as_of).fillna(False) & (df["revenue"] > 0)]
    g = cohort.groupby("lead_type", sort=True).agg(mqls=("closed", "size"), customers=("closed", "sum"))
    r = cust.groupby("lead_type", sort=True)["revenue"].agg(["mean", "std", "size"])
    out = g.join(r, how="outer").fillna({"mqls": 0, "customers": 0})
    out = out.rename(columns={"mean": "avg_revenue"})
    out["revenue_se"] = out["std"] / np.sqrt(out["size"])
    out = out.drop(columns=["std", "size"]).reset_index().rename(columns={"index": "lead_type"})
    out["mqls"] = out["mqls"].astype("int64")
    out["customers"] = out["customers"].astype("int64")
    out["close_rate"] = np.where(out["mqls"] > 0, out["customers"] / out["mqls"].where(out["mqls"] > 0, 1), np.nan)
    out["avg_revenue"] = out["avg_revenue"].fillna(0.0)
    if close_rates:
        for t, v in close_rates.items():
            out.loc[out["lead_type"] == t, "close_rate"] = float(v)
    if avg_revenue:
        for t, v in avg_revenue.items():
            out.loc[out["lead_type"] == t, "avg_revenue"] = float(v)
    out = mql_value(out, alpha=client.config.analysis.alpha)
    if close_rates:  # an assumed rate is not an estimate: no sampling interval
        for t, v in close_rates.items():
            m = out["lead_type"] == t
            for c in ("rate_low", "rate_high"):
                out.loc[m, c] = float(v)
            for c in ("value_low", "value_high", "value_low_full", "value_high_full"):
                if c in out:
                    out.loc[m, c] = out.loc[m, "avg_revenue"] * float(v)
    # current mix
    recent0 = (pd.Timestamp(as_of.tz_localize(None)).to_period("M") - mix_months).start_time
    recent0 = recent0.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    recent = df[(df["start"] >= recent0) & (df["start"] < as_of)]
    if recent.empty:
        recent = df
    mix = recent["lead_type"].value_counts(normalize=True)
    out["mix_share"] = out["lead_type"].map(mix).fillna(0.0)
    out["too_small"] = out["mqls"] < client.config.analysis.min_group_size
    out = out.sort_values(["value", "lead_type"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs.update({"lead_type": col, "basis": basis, "window_days": w, "as_of": as_of,
                      "mix_from": recent0, "mix_months": mix_months})
    return out[["lead_type", "mqls", "customers", "close_rate", "rate_low", "rate_high", "avg_revenue",
                "revenue_se", "value", "value_low", "value_high",
                *[c for c in ("value_low_full", "value_high_full") if c in out], "mix_share", "too_small"]]


def _to_tz(s: pd.Series, tz) -> pd.Series:
    s = pd.Series(s)
    if s.dt.tz is None:
        return s.dt.tz_localize(tz)
    return s.dt.tz_convert(tz)


# --------------------------------------------------------------------------------------------
# MQLs needed
# --------------------------------------------------------------------------------------------
def mqls_needed(marketing_share: float, values: pd.DataFrame, mix: Mapping[str, float] | pd.Series | None = None
                ) -> pd.DataFrame:
    """MQLs marketing must deliver: ``marketing_share ÷ value`` per type, and for the mix.

    ``values``: output of :func:`mql_value` (``lead_type, value`` and optionally ``value_low,
    value_high``). ``mix``: share of MQLs per type (default: ``values['mix_share']``; normalised to
    sum 1). The mix row's value is Σ share × value; its interval uses every type at its low (high)
    bound together, a conservative (wider than 95 %) range.
    Interval of MQLs needed: share ÷ value_high … share ÷ value_low. ``mqls_needed_ceil`` rounds up
    (you cannot deliver a fraction of an MQL). Rows with value 0 need ``inf``.

    Hand check (seed 000): $200,000 ÷ $1,600 = 125 ebook MQLs; ÷ $1,500 = 133.3 → 134 webinar MQLs;
    ÷ $3,000 = 66.7 → 67 demo MQLs.
    """
    share = float(marketing_share)
    v = values.copy()
    for c in ("value_low", "value_high"):
        if c not in v:
            v[c] = np.nan
    if mix is None:
        mix_s = v.set_index("lead_type")["mix_share"] if "mix_share" in v else None
    else:
        mix_s = pd.Series(mix, dtype=float)
    rows = []
    for r in v.itertuples(index=False):
        rows.append({"kind": "type", "lead_type": r.lead_type, "value": r.value, "value_low": r.value_low,
                     "value_high": r.value_high})
    out = pd.DataFrame(rows)
    if mix_s is not None and mix_s.sum() > 0:
        w = mix_s.reindex(out["lead_type"]).fillna(0.0).to_numpy()
        w = w / w.sum()
        out["mix_share"] = w
        mix_row = {"kind": "mix", "lead_type": MIX_ROW, "value": float(np.sum(w * out["value"])),
                   "value_low": float(np.sum(w * out["value_low"])), "value_high": float(np.sum(w * out["value_high"])),
                   "mix_share": 1.0}
        out = pd.concat([out, pd.DataFrame([mix_row])], ignore_index=True)

    def div(den):
        den = den.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, share / den.where(den > 0, 1.0), np.where(den == 0, np.inf, np.nan))

    out["marketing_share"] = share
    out["mqls_needed"] = div(out["value"])
    out["mqls_needed_low"] = div(out["value_high"])
    out["mqls_needed_high"] = div(out["value_low"])
    out["mqls_needed_ceil"] = [math.ceil(round(x, 9)) if np.isfinite(x) else np.nan for x in out["mqls_needed"]]
    return out


# --------------------------------------------------------------------------------------------
# quota, shares, goal
# --------------------------------------------------------------------------------------------
def quota_for_period(client, period: str) -> tuple[float | None, str]:
    """The sales quota of the month and where it came from.

    From the quotas table: company-wide rows (no owner, no team) if there are any for the month,
    else team rows (team, no owner), else the sum of rep rows — never two levels added together.
    Else ``marketing.monthly_quota``. Returns (amount or None, 'quotas:company'|'quotas:team'|
    'quotas:owner'|'config'|'none').
    """
    q = client.quotas
    if q is not None and len(q):
        per = pd.to_datetime(q["period"]).dt.to_period("M").astype(str)
        m = q[per == str(pd.Period(period, freq="M"))]
        if len(m):
            owner = m["owner"].notna() if "owner" in m else pd.Series(False, index=m.index)
            team = m["team"].notna() if "team" in m else pd.Series(False, index=m.index)
            for name, mask in (("company", ~owner & ~team), ("team", team & ~owner), ("owner", owner)):
                if mask.any():
                    return float(m.loc[mask, "amount"].sum()), f"quotas:{name}"
    if client.config.marketing.monthly_quota is not None:
        return float(client.config.marketing.monthly_quota), "config"
    return None, "none"


def lead_sources(client, *, period: str | None = None, months: int = 3,
                 sales_sourced_channels: Sequence[str] | None = None) -> dict:
    """Who creates and who influences the leads (seed 000 ch. 3's questions).

    Over leads created in the ``months`` months before the start of ``period`` (default: before
    ``data_end``; all leads when that window is empty):
    - created by marketing: channel not in ``sales_sourced_channels`` (case-insensitive); leads without
      a channel are left out of the share;
    - influenced by marketing: created by marketing, or with any marketing activity (activities log, or
      any ``n_*`` activity counter > 0) — "even when a lead comes from another source, marketing may take
      it until it becomes an MQL".
    Returns {'leads', 'with_channel', 'created_by_marketing', 'share_created', 'influenced',
    'share_influenced', 'sales_sourced_channels', 'from', 'to'}.
    """
    from smk.analyses.features import activity_counts

    leads = client.leads
    tz = client.tz
    ch = [c.lower() for c in (sales_sourced_channels or client.config.marketing.sales_sourced_channels
                              or DEFAULT_SALES_SOURCED_CHANNELS)]
    to = _as_of(client, period)
    frm = (pd.Timestamp(to.tz_localize(None)).to_period("M") - months).start_time.tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False)
    created = _to_tz(leads["created_at"], tz)
    sel = (created >= frm) & (created < to)
    if not sel.any():
        sel = pd.Series(True, index=leads.index)
    L = leads[sel.to_numpy()]
    chan = L["channel"].astype("object").str.lower() if "channel" in L else pd.Series(np.nan, index=L.index)
    known = chan.notna()
    mkt = known & ~chan.isin(ch)
    counts = activity_counts(L, client.activities)
    touched = (counts.sum(axis=1) > 0).to_numpy() if counts.shape[1] else np.zeros(len(L), bool)
    influenced = mkt.to_numpy() | touched
    n_known = int(known.sum())
    return {
        "leads": int(len(L)), "with_channel": n_known, "created_by_marketing": int(mkt.sum()),
        "share_created": (mkt.sum() / n_known) if n_known else float("nan"),
        "influenced": int(influenced.sum()),
        "share_influenced": float(influenced.mean()) if len(L) else float("nan"),
        "activity_source": counts.attrs.get("source", "none"),
        "sales_sourced_channels": list(ch), "from": frm, "to": to,
    }


def monthly_mql_goal(client, period: str | None = None, *, quota: float | None = None,
                     quota_share: float | None = None, close_rates: Mapping[str, float] | None = None,
                     mix: Mapping[str, float] | None = None, lead_type: str | None = None,
                     sales_sourced_channels: Sequence[str] | None = None) -> dict:
    """The marketing SLA of a month in MQLs (seed 000 ch. 3).

    marketing_share = quota × ``marketing.quota_share``; MQLs needed = marketing_share ÷ mix value
    (and per type). Leads sales needs for the whole quota = quota ÷ mix value. ``marketing.mql_goal``
    in client.yml, when set, is the goal; otherwise the goal is the mix's MQLs needed rounded up.
    Keyword arguments override the data / client.yml (the notebook's sliders).

    Returns a dict: ``period, quota, quota_source, quota_share, marketing_share, values`` (DataFrame of
    :func:`mql_value_table`), ``needed`` (DataFrame of :func:`mqls_needed`), ``mix_value,
    mix_value_low, mix_value_high, mqls_needed, mqls_needed_low, mqls_needed_high,
    leads_for_whole_quota, goal, goal_source ('config'|'mql_value'|'none'), sources`` (dict of
    :func:`lead_sources`).
    """
    period = period or client.default_period()
    q, q_src = (float(quota), "given") if quota is not None else quota_for_period(client, period)
    qs = float(client.config.marketing.quota_share if quota_share is None else quota_share)
    values = mql_value_table(client, period=period, lead_type=lead_type, close_rates=close_rates)
    share = q * qs if q is not None else float("nan")
    needed = mqls_needed(share, values, mix=mix)
    mix_row = needed[needed["kind"] == "mix"]
    res: dict[str, Any] = {
        "period": str(pd.Period(period, freq="M")), "quota": q, "quota_source": q_src, "quota_share": qs,
        "marketing_share": share, "values": values, "needed": needed,
        "lead_type": values.attrs.get("lead_type"),
    }
    if len(mix_row):
        mr = mix_row.iloc[0]
        res.update({"mix_value": mr["value"], "mix_value_low": mr["value_low"], "mix_value_high": mr["value_high"],
                    "mqls_needed": mr["mqls_needed"], "mqls_needed_low": mr["mqls_needed_low"],
                    "mqls_needed_high": mr["mqls_needed_high"]})
    else:
        res.update({k: float("nan") for k in ("mix_value", "mix_value_low", "mix_value_high", "mqls_needed",
                                               "mqls_needed_low", "mqls_needed_high")})
    mv = res["mix_value"]
    res["leads_for_whole_quota"] = (q / mv) if (q is not None and mv and np.isfinite(mv) and mv > 0) else float("nan")
    cfg_goal = client.config.marketing.mql_goal
    if cfg_goal is not None and quota is None and quota_share is None and close_rates is None and mix is None:
        res["goal"], res["goal_source"] = float(cfg_goal), "config"
    elif np.isfinite(res["mqls_needed"]):
        res["goal"], res["goal_source"] = float(math.ceil(round(res["mqls_needed"], 9))), "mql_value"
    else:
        res["goal"], res["goal_source"] = None, "none"
    res["sources"] = lead_sources(client, period=period, sales_sourced_channels=sales_sourced_channels)
    return res


# --------------------------------------------------------------------------------------------
# sales SLA terms
# --------------------------------------------------------------------------------------------
def _recommendation(client) -> dict | None:
    """``smk.analyses.attempts.recommend_sla(client)`` when notebook 05's module exists and can recommend."""
    try:
        from smk.analyses import attempts as _attempts  # written by another analysis; may not exist yet
    except ImportError:
        return None
    fn = getattr(_attempts, "recommend_sla", None)
    if fn is None:
        return None
    try:
        rec = fn(client)
    except NotEnoughData:
        return None
    if not rec or not all(k in rec for k in ("first_contact_hours", "attempts", "within_days")):
        return None
    return rec


def sales_sla(client, *, lead_types: Sequence[str] | None = None, use_recommendation: bool = True,
              overrides: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """The sales SLA per lead type: first contact within H hours, K attempts within D days.

    Terms in force come from client.yml (``sla.first_contact_hours``, ``sla.attempts``,
    ``sla.attempts_within_days``); ``overrides`` ({lead_type: {key: value}}) changes them per type.
    When ``use_recommendation`` and ``smk.analyses.attempts.recommend_sla(client)`` returns a recommendation
    (notebook 05: where the profitability of one more attempt levels off), it fills the
    ``recommended_*`` columns and ``evidence_en/es``. Columns: ``lead_type, first_contact_hours,
    attempts, within_days, source, recommended_first_contact_hours, recommended_attempts,
    recommended_within_days``; ``attrs['evidence_en'/'evidence_es']``.
    """
    cfg = client.config.sla
    if lead_types is None:
        col = cfg.lead_type
        lt = client.leads[col].dropna().astype(str).unique().tolist() if col in client.leads else ["all"]
        lead_types = sorted(lt)
    rec = _recommendation(client) if use_recommendation else None
    rows = []
    for t in lead_types:
        row = {"lead_type": t, "first_contact_hours": float(cfg.first_contact_hours), "attempts": int(cfg.attempts),
               "within_days": float(cfg.attempts_within_days), "source": "client.yml"}
        if overrides and t in overrides:
            row.update({k: v for k, v in overrides[t].items() if k in ("first_contact_hours", "attempts", "within_days")})
            row["source"] = "override"
        row["recommended_first_contact_hours"] = float(rec["first_contact_hours"]) if rec else np.nan
        row["recommended_attempts"] = float(rec["attempts"]) if rec else np.nan
        row["recommended_within_days"] = float(rec["within_days"]) if rec else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["evidence_en"] = rec.get("evidence_en", "") if rec else ""
    out.attrs["evidence_es"] = rec.get("evidence_es", "") if rec else ""
    out.attrs["recommended"] = rec is not None
    return out


def attempts_workload(client, goal: float | None, *, period: str | None = None, attempts: int | None = None) -> dict:
    """How many follow-up attempts a month the sales SLA asks for (seed 000 ch. 3: "how many follow-up
    attempts should sales complete each month?"), against the team's calling capacity.

    - ``max_attempts`` = MQL goal × K (every MQL given all K attempts);
    - ``expected_attempts`` = MQL goal × mean attempts made within D days per judged MQL of the last
      three months under the rule (leads reached sooner need fewer), when there is an attempts log;
    - ``capacity`` = reps × ``costs.calling_hours_per_month`` × ``costs.attempts_per_hour``, with reps =
      ``costs.reps`` or the owners of MQLs in the last three months.
    """
    cfg = client.config
    k = int(cfg.sla.attempts if attempts is None else attempts)
    out: dict[str, Any] = {"max_attempts": float(goal) * k if goal else float("nan"),
                           "expected_attempts": float("nan"), "per_mql": float("nan")}
    as_of = _as_of(client, period)
    frm = (pd.Timestamp(as_of.tz_localize(None)).to_period("M") - 3).start_time.tz_localize(
        client.tz, nonexistent="shift_forward", ambiguous=False)
    try:
        at = attempts_table(client, attempts=k)
    except NotEnoughData:
        at = None
    if at is not None:
        recent = at[(at["start_at"] >= frm) & (at["start_at"] < as_of) & at["judged"]]
        if len(recent) and at.attrs.get("source") == "log":
            per = float(np.minimum(recent["attempts_within"], k).mean())
            out["per_mql"] = per
            out["expected_attempts"] = float(goal) * per if goal else float("nan")
    reps = cfg.costs.reps
    if reps is None:
        start, _ = sla_start(client.leads)
        st = _to_tz(start, client.tz)
        m = ((st >= frm) & (st < as_of)).to_numpy()
        reps = int(client.leads.loc[m, "owner"].nunique()) if "owner" in client.leads else 0
    out["reps"] = int(reps)
    out["capacity"] = float(reps) * cfg.costs.calling_hours_per_month * cfg.costs.attempts_per_hour
    return out


# --------------------------------------------------------------------------------------------
# commitments and the agreement
# --------------------------------------------------------------------------------------------
def commitments(client, period: str | None = None, *, target: float | None = None,
                goal: dict | None = None) -> pd.DataFrame:
    """Both sides' commitments for a month with target, actual and met / missed (seed 000 ch. 3,
    seed 002): marketing delivers the MQL goal and the MQL value (marketing's share of the quota, in
    money: MQLs delivered per type × value per MQL); sales contacts ≥ ``target`` of new MQLs within H
    hours and makes K attempts within D days on ≥ ``target`` of them.

    Columns: ``side, commitment, label_en, label_es, target, actual, unit ('count'|'money'|'share'),
    met`` (NA while the month is not complete or nothing can be judged), ``complete``, ``on_track``
    (marketing: pacing says not behind; sales: actual ≥ target so far). ``target`` defaults to
    ``client.config.sla.compliance_target``.
    """
    target = client.config.sla.compliance_target if target is None else target
    period = period or client.default_period()
    g = goal or monthly_mql_goal(client, period)
    p = pacing(client, period, goal=g["goal"])
    cfg = client.config.sla
    try:
        fc = first_contact_compliance(client, period, by=None)
    except NotEnoughData:
        fc = pd.DataFrame({"rate": [np.nan]})
    rows = []
    values = g["values"].set_index("lead_type")["value"]
    start, _ = sla_start(client.leads)
    p0, p1 = period_bounds(period, client.tz)
    st = _to_tz(start, client.tz)
    col = g.get("lead_type") or cfg.lead_type
    in_month = (st >= p0) & (st < p1)
    types = client.leads.loc[in_month.to_numpy(), col] if col in client.leads else pd.Series(
        "all", index=client.leads.index[in_month.to_numpy()])
    delivered_value = float(types.astype("object").map(values).fillna(0.0).sum())
    complete = p.complete

    def met(actual, tgt):
        if not complete or actual is None or tgt is None or not np.isfinite(actual) or not np.isfinite(tgt):
            return pd.NA
        return bool(actual >= tgt)

    rows.append({"side": "marketing", "commitment": "mqls",
                 "label_en": "MQLs delivered in the month", "label_es": "MQL entregados en el mes",
                 "target": g["goal"] if g["goal"] is not None else np.nan, "actual": float(p.mqls_so_far),
                 "unit": "count", "met": met(float(p.mqls_so_far), g["goal"]),
                 "on_track": p.status in ("on_track", "ahead")})
    rows.append({"side": "marketing", "commitment": "mql_value",
                 "label_en": "Value of the MQLs delivered (marketing's share of the quota)",
                 "label_es": "Valor de los MQL entregados (parte de la cuota de marketing)",
                 "target": g["marketing_share"], "actual": delivered_value, "unit": "money",
                 "met": met(delivered_value, g["marketing_share"]),
                 "on_track": bool(np.isfinite(g["marketing_share"]) and p.goal_to_date > 0 and
                                  delivered_value >= g["marketing_share"] * p.elapsed_units / p.total_units
                                  * (1 - p.tolerance))})
    fc_rate = float(fc["rate"].iloc[0]) if len(fc) else np.nan
    rows.append({"side": "sales", "commitment": "first_contact",
                 "label_en": f"New MQLs first contacted within {fmt.number(cfg.first_contact_hours, 'en', 0)} h",
                 "label_es": f"MQL nuevos contactados en {fmt.number(cfg.first_contact_hours, 'es', 0)} h",
                 "target": target, "actual": fc_rate, "unit": "share", "met": met(fc_rate, target),
                 "on_track": bool(np.isfinite(fc_rate) and fc_rate >= target)})
    try:
        at = attempts_compliance(client, period, by=None)
        at_rate = float(at["rate"].iloc[0]) if len(at) else np.nan
        at_judged = int(at["evaluable"].iloc[0]) if len(at) else 0
        at_pending = int(at["pending"].iloc[0]) if len(at) else 0
    except NotEnoughData:
        at_rate, at_judged, at_pending = np.nan, 0, 0
    at_complete = complete and at_pending == 0
    rows.append({"side": "sales", "commitment": "attempts",
                 "label_en": f"New MQLs with {cfg.attempts} attempts within {fmt.number(cfg.attempts_within_days, 'en', 0)} days",
                 "label_es": f"MQL nuevos con {cfg.attempts} intentos en {fmt.number(cfg.attempts_within_days, 'es', 0)} días",
                 "target": target, "actual": at_rate, "unit": "share",
                 "met": (bool(at_rate >= target) if (at_complete and np.isfinite(at_rate)) else pd.NA),
                 "on_track": bool(np.isfinite(at_rate) and at_rate >= target)})
    out = pd.DataFrame(rows)
    out["met"] = out["met"].astype("boolean")
    out["complete"] = complete
    out.attrs.update({"period": str(pd.Period(period, freq="M")), "pacing_status": p.status,
                      "attempts_judged": at_judged, "attempts_pending": at_pending})
    return out


def commitments_table(client, period: str | None = None, *, lang: str = "en", **kwargs: Any) -> pd.DataFrame:
    """:func:`commitments` ready to show: side, commitment, target and actual as text in ``lang``
    (counts, money or %), met (yes / no / "–" while open) and on track."""
    fmt.check_lang(lang)
    c = commitments(client, period, **kwargs)
    cur = client.config.currency

    def show(v, unit):
        if unit == "money":
            return fmt.money(v, cur, lang)
        if unit == "share":
            return fmt.pct(v, lang, 0)
        return fmt.number(v, lang, 0)

    yes, no = {"en": ("yes", "no"), "es": ("sí", "no")}[lang]
    out = pd.DataFrame({
        "side": c["side"].map(LABELS[lang]),
        "commitment": c[f"label_{lang}"],
        "target": [show(v, u) for v, u in zip(c["target"], c["unit"])],
        "actual": [show(v, u) for v, u in zip(c["actual"], c["unit"])],
        "met": [fmt.MISSING if pd.isna(m) else (yes if m else no) for m in c["met"]],
        "on_track": [yes if t else no for t in c["on_track"]],
    })
    return out


def _template(lang: str) -> Template:
    path = DATA_DIR / f"sla_agreement_{fmt.check_lang(lang)}.md"
    return Template(path.read_text(encoding="utf-8"))


def agreement(client, period: str | None = None, *, lang: str = "en", target: float | None = None,
              goal: dict | None = None, use_recommendation: bool = True) -> str:
    """The filled-in SLA document (markdown, ``lang`` es/en), ready to paste into a proposal.

    Parties and purpose; definitions (MQL, lead type); marketing's commitment (MQLs per month, the
    value table, the quota share); sales' commitment (first contact within H hours, K attempts within
    D days — notebook 05's recommendation when it exists); how compliance is measured; the remedy
    when a side misses; changing definitions; review cadence and a pilot (seed 001). Template:
    ``smk/data/sla_agreement_{en,es}.md`` (``string.Template`` placeholders).
    """
    target = client.config.sla.compliance_target if target is None else target
    fmt.check_lang(lang)
    period = period or client.default_period()
    g = goal or monthly_mql_goal(client, period)
    cur = client.config.currency
    s = sales_sla(client, use_recommendation=use_recommendation)
    cfg = client.config.sla
    rec = bool(s.attrs.get("recommended"))
    if rec:
        r = s.iloc[0]
        h, k, d = r["recommended_first_contact_hours"], int(r["recommended_attempts"]), r["recommended_within_days"]
        ev = s.attrs.get(f"evidence_{lang}") or ""
        origin = ({"en": f"*Why these numbers (contact-attempt analysis, notebook 05):* {ev}",
                   "es": f"*Por qué estas cifras (análisis de intentos de contacto, cuaderno 05):* {ev}"}[lang] if ev else "")
    else:
        h, k, d = cfg.first_contact_hours, cfg.attempts, cfg.attempts_within_days
        origin = ""
    L = LABELS[lang]
    vt = g["values"]
    needed = g["needed"].set_index("lead_type")
    lines = [f"| {L['lead_type']} | {L['avg_revenue']} | {L['close_rate']} | {L['value']} | {L['mqls_needed']} |",
             "|---|---:|---:|---:|---:|"]
    for r in vt.itertuples(index=False):
        n = needed.loc[r.lead_type, "mqls_needed_ceil"] if r.lead_type in needed.index else np.nan
        lines.append(f"| {r.lead_type} | {fmt.money(r.avg_revenue, cur, lang)} | {fmt.pct(r.close_rate, lang, 1)} | "
                     f"{fmt.money(r.value, cur, lang)} | {fmt.number(n, lang, 0)} |")
    if MIX_ROW in needed.index:
        m = needed.loc[MIX_ROW]
        lines.append(f"| **{L[MIX_ROW]}** | | | **{fmt.money(m['value'], cur, lang)}** | "
                     f"**{fmt.number(m['mqls_needed_ceil'], lang, 0)}** |")
    src = g["sources"]
    bh = cfg.business_hours
    hours_word = ({"en": f"working hours only ({bh} on working days)", "es": f"horario laboral ({bh} en días laborables)"}
                  if bh else {"en": "clock hours: nights and weekends count", "es": "horas de reloj: noches y fines de semana cuentan"})[lang]
    if np.isfinite(src["share_created"]):
        sources_sentence = {
            "en": f"Today Marketing creates {fmt.pct(src['share_created'], lang, 0)} of the leads and influences "
                  f"{fmt.pct(src['share_influenced'], lang, 0)} of them (created, or any marketing touch).",
            "es": f"Hoy Marketing crea el {fmt.pct(src['share_created'], lang, 0)} de los leads e influye en el "
                  f"{fmt.pct(src['share_influenced'], lang, 0)} (los crea, o hay algún contacto de marketing)."}[lang]
    else:
        sources_sentence = {
            "en": f"The data has no lead channel, so the share of leads Marketing creates is unknown; Marketing "
                  f"influences at least {fmt.pct(src['share_influenced'], lang, 0)} of them (any marketing touch).",
            "es": f"Los datos no tienen el canal de los leads, así que no se sabe qué parte crea Marketing; Marketing "
                  f"influye en al menos el {fmt.pct(src['share_influenced'], lang, 0)} (algún contacto de marketing)."}[lang]
    wl = attempts_workload(client, g["goal"], period=period, attempts=int(k))
    if np.isfinite(wl["max_attempts"]):
        exp = wl["expected_attempts"]
        workload_sentence = {
            "en": (f"- For {fmt.number(g['goal'], 'en', 0)} MQLs that is at most {fmt.number(wl['max_attempts'], 'en', 0)} "
                   f"follow-up attempts in the month" + (f" (about {fmt.number(exp, 'en', 0)} at the current reach rate)" if np.isfinite(exp) else "")
                   + f"; the team's calling capacity is about {fmt.number(wl['capacity'], 'en', 0)} attempts a month "
                   f"({wl['reps']} reps)."),
            "es": (f"- Para {fmt.number(g['goal'], 'es', 0)} MQL son como mucho {fmt.number(wl['max_attempts'], 'es', 0)} "
                   f"intentos de seguimiento en el mes" + (f" (unos {fmt.number(exp, 'es', 0)} con la tasa de contacto actual)" if np.isfinite(exp) else "")
                   + f"; la capacidad de llamadas del equipo es de unos {fmt.number(wl['capacity'], 'es', 0)} intentos al mes "
                   f"({wl['reps']} comerciales)."),
        }[lang]
    else:
        workload_sentence = ""
    mapping = {
        "client": client.name,
        "period": fmt.month(period, lang),
        "quota": fmt.money(g["quota"], cur, lang),
        "quota_share": fmt.pct(g["quota_share"], lang, 0),
        "marketing_share": fmt.money(g["marketing_share"], cur, lang),
        "lead_type": g.get("lead_type") or cfg.lead_type,
        "value_table": "\n".join(lines),
        "mix_value": fmt.money(g["mix_value"], cur, lang),
        "mix_value_ci": fmt.ci(g["mix_value_low"], g["mix_value_high"], lang, kind="money", decimals=0, currency=cur),
        "mql_goal": fmt.number(g["goal"], lang, 0),
        "mqls_range": fmt.ci(g["mqls_needed_low"], g["mqls_needed_high"], lang, kind="number", decimals=0),
        "leads_for_quota": fmt.number(g["leads_for_whole_quota"], lang, 0),
        "sources_sentence": sources_sentence,
        "hours": fmt.number(h, lang, 0),
        "attempts": str(k),
        "days": fmt.number(d, lang, 0),
        "hours_basis": hours_word,
        "target": fmt.pct(target, lang, 0),
        "timezone": client.config.timezone,
        "sla_origin": origin,
        "window_days": str(vt.attrs.get("window_days", "")),
        "workload_sentence": workload_sentence,
    }
    return _template(lang).substitute(mapping).strip() + "\n"


# --------------------------------------------------------------------------------------------
# headlines, labels, plot, widgets
# --------------------------------------------------------------------------------------------
def headlines(client, period: str | None = None, *, lang: str = "en", goal: dict | None = None,
              pace: Pacing | None = None, first_contact: pd.DataFrame | None = None) -> list[dict]:
    """Index-tile figures (the format of ``ctx.save_headlines``): MQLs needed this month, pacing
    status, first-contact compliance. Each item: ``label_en, label_es, value, display`` (in ``lang``)."""
    fmt.check_lang(lang)
    period = period or client.default_period()
    g = goal or monthly_mql_goal(client, period)
    p = pace or pacing(client, period, goal=g["goal"])
    if first_contact is not None:
        fc = first_contact
    else:
        try:
            fc = first_contact_compliance(client, period, by=None)
        except NotEnoughData:
            fc = pd.DataFrame({"rate": [np.nan]})
    rate = float(fc["rate"].iloc[0]) if len(fc) else float("nan")
    h = client.config.sla.first_contact_hours
    goal_v = g["goal"]
    return [
        {"label_en": "MQLs needed this month", "label_es": "MQL necesarios este mes",
         "value": goal_v, "display": fmt.number(goal_v, lang, 0)},
        {"label_en": "Marketing pacing", "label_es": "Ritmo de marketing", "value": p.status,
         "display": f"{p.status_text(lang)} ({fmt.number(p.mqls_so_far, lang, 0)} / {fmt.number(goal_v, lang, 0)})"},
        {"label_en": f"First contact within {fmt.number(h, 'en', 0)} h",
         "label_es": f"Primer contacto en {fmt.number(h, 'es', 0)} h",
         "value": None if not np.isfinite(rate) else rate, "display": fmt.pct(rate, lang, 0)},
    ]


def table_labels(kind: str = "dashboard") -> dict[str, dict[str, str]]:
    """``{"en": {...}, "es": {...}}`` for ``ctx.table(..., labels=...)``; ``kind='values'`` for the
    MQL value table (where ``mqls`` are the matured MQLs of the cohort)."""
    return {"en": labels("en", kind), "es": labels("es", kind)}


def labels(lang: str = "en", kind: str = "dashboard") -> dict[str, str]:
    """Column labels of this module's and the dashboards' tables, in ``lang``."""
    from smk.analyses.dashboards import LABELS as DL

    fmt.check_lang(lang)
    ci = {"en": {"ci": "95 % CI", "mqls_needed_ceil": "MQLs needed", "rate_ci": "95 % CI of the close rate",
                 "value_ci": "95 % CI", "value_ci_full": "95 % CI + revenue"},
          "es": {"ci": "IC 95 %", "mqls_needed_ceil": "MQL necesarios", "rate_ci": "IC 95 % del cierre",
                 "value_ci": "IC 95 %", "value_ci_full": "IC 95 % + ingreso"}}[lang]
    if kind == "values":
        return {**DL[lang], **LABELS[lang], **ci}
    return {**LABELS[lang], **DL[lang], **ci}


def value_display(values: pd.DataFrame, *, lang: str = "en", currency: str = "USD") -> pd.DataFrame:
    """The MQL value table ready for ``ctx.table``: intervals as one column each (``rate_ci`` as
    (low, high) pairs for the ``ci`` format; ``value_ci`` and ``value_ci_full`` already written as money)."""
    fmt.check_lang(lang)
    v = localize(values, lang)
    out = v[["lead_type", "mqls", "customers", "close_rate"]].copy()
    out["rate_ci"] = list(zip(v["rate_low"], v["rate_high"]))
    out["avg_revenue"] = v["avg_revenue"]
    out["value"] = v["value"]
    out["value_ci"] = [fmt.ci(lo, hi, lang, kind="money", decimals=0, currency=currency)
                       for lo, hi in zip(v["value_low"], v["value_high"])]
    if "value_low_full" in v:
        out["value_ci_full"] = [fmt.ci(lo, hi, lang, kind="money", decimals=0, currency=currency)
                                for lo, hi in zip(v["value_low_full"], v["value_high_full"])]
    out["mix_share"] = v["mix_share"]
    out["too_small"] = v["too_small"]
    return out


_VALUE_WORDS = {
    "en": {"above": "above", "below": "below", "marketing": "Marketing", "sales": "Sales", MIX_ROW: "Current mix",
           "(missing)": "(missing)"},
    "es": {"above": "por encima", "below": "por debajo", "marketing": "Marketing", "sales": "Ventas",
           MIX_ROW: "Mix actual", "(missing)": "(sin dato)"},
}


def localize(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A copy with the words this module puts in cells (direction, side, the mix row, missing group)
    in ``lang``; other values unchanged."""
    words = _VALUE_WORDS[fmt.check_lang(lang)]
    out = df.copy()
    for col in ("direction", "side", "lead_type", "team", "owner"):
        if col in out:
            out[col] = out[col].map(lambda v: words.get(v, v) if isinstance(v, str) else v)
    return out


def plot_mql_value(values: pd.DataFrame, *, lang: str = "en", currency: str = "USD", ax=None):
    """Value per MQL by lead type (bars) with the 95 % interval carried from the close rate."""
    import matplotlib.pyplot as plt

    from smk.views import theme

    fmt.check_lang(lang)
    if ax is None:
        _, ax = plt.subplots(figsize=theme.figsize("normal"))
    t = values.sort_values(["value", "lead_type"], ascending=[True, True], kind="stable")
    y = np.arange(len(t))
    ax.barh(y, t["value"], color=theme.COLORS["marketing"], alpha=0.85)
    lo = (t["value"] - t["value_low"]).clip(lower=0).fillna(0)
    hi = (t["value_high"] - t["value"]).clip(lower=0).fillna(0)
    ax.errorbar(t["value"], y, xerr=[lo, hi], fmt="none", ecolor="#333333", capsize=3, lw=1)
    ax.set_yticks(y, [str(v) for v in t["lead_type"]])
    theme.format_axis(ax, "x", "money", lang, currency)
    ax.set_xlabel(LABELS[lang]["value"])
    _ = ax.set_title({"en": "Value of one MQL by lead type", "es": "Valor de un MQL por tipo de lead"}[lang])
    return ax


def _para(text: str):
    import html as _html

    from smk.views.html import Html

    return Html(f"<p>{_html.escape(text)}</p>", text)


def say_values(goal: dict, *, lang: str = "en", currency: str = "USD"):
    """One paragraph: what an MQL of each type is worth and which types are too small to trust."""
    fmt.check_lang(lang)
    v = goal["values"]
    if v.empty or not np.isfinite(v["value"]).any():
        return _para({"en": "There are not yet MQLs old enough to have had the chance to close, so no MQL value can be computed.",
                      "es": "Todavía no hay MQL con antigüedad suficiente para haber podido cerrar: no se puede calcular su valor."}[lang])
    top = v.iloc[0]
    low = v.iloc[-1]
    small = v.loc[v["too_small"], "lead_type"].astype(str).tolist()
    w = v.attrs.get("window_days", "")
    en = (f"An MQL from {top['lead_type']} is worth {fmt.money(top['value'], currency, 'en')} "
          f"({fmt.money(top['avg_revenue'], currency, 'en')} per customer × {fmt.pct(top['close_rate'], 'en')} close within {w} days); "
          f"one from {low['lead_type']} only {fmt.money(low['value'], currency, 'en')}. "
          f"The mix of the last months is worth {fmt.money(goal['mix_value'], currency, 'en')} per MQL.")
    es = (f"Un MQL de {top['lead_type']} vale {fmt.money(top['value'], currency, 'es')} "
          f"({fmt.money(top['avg_revenue'], currency, 'es')} por cliente × {fmt.pct(top['close_rate'], 'es')} que cierra en {w} días); "
          f"uno de {low['lead_type']} solo {fmt.money(low['value'], currency, 'es')}. "
          f"El mix de los últimos meses vale {fmt.money(goal['mix_value'], currency, 'es')} por MQL.")
    if small:
        en += f" Too few matured MQLs to trust: {', '.join(small)}."
        es += f" Hay muy pocos MQL maduros para fiarse de: {', '.join(small)}."
    return _para(en if lang == "en" else es)


def say_goal(goal: dict, *, lang: str = "en", currency: str = "USD"):
    """One paragraph: the month's marketing SLA in money and MQLs, and who creates the leads."""
    fmt.check_lang(lang)
    if goal["goal"] is None:
        return _para({"en": "No MQL goal can be set for this month: there is no quota (quotas table or "
                            "marketing.monthly_quota) or no MQL value yet.",
                      "es": "No se puede fijar una meta de MQL para este mes: no hay cuota (tabla de cuotas o "
                            "marketing.monthly_quota) o todavía no hay valor del MQL."}[lang])
    src = goal["sources"]
    m = fmt.month(goal["period"], lang)
    n, lo, hi = goal["goal"], goal["mqls_needed_low"], goal["mqls_needed_high"]
    if goal["goal_source"] == "config":
        en = f"The MQL goal for {m} is {fmt.number(n, 'en')} (fixed in client.yml)."
        es = f"La meta de MQL de {m} es {fmt.number(n, 'es')} (fijada en client.yml)."
    else:
        en = (f"Marketing answers for {fmt.pct(goal['quota_share'], 'en', 0)} of the {fmt.money(goal['quota'], currency, 'en')} "
              f"quota of {m}: {fmt.money(goal['marketing_share'], currency, 'en')}. At {fmt.money(goal['mix_value'], currency, 'en')} "
              f"per MQL that is {fmt.number(n, 'en')} MQLs (between {fmt.number(lo, 'en')} and {fmt.number(hi, 'en')} "
              f"given the uncertainty of the close rates); the whole quota would need about "
              f"{fmt.number(goal['leads_for_whole_quota'], 'en')}.")
        es = (f"Marketing responde del {fmt.pct(goal['quota_share'], 'es', 0)} de la cuota de {fmt.money(goal['quota'], currency, 'es')} "
              f"de {m}: {fmt.money(goal['marketing_share'], currency, 'es')}. A {fmt.money(goal['mix_value'], currency, 'es')} "
              f"por MQL son {fmt.number(n, 'es')} MQL (entre {fmt.number(lo, 'es')} y {fmt.number(hi, 'es')} "
              f"por la incertidumbre de las tasas de cierre); la cuota completa necesitaría unos "
              f"{fmt.number(goal['leads_for_whole_quota'], 'es')}.")
    if np.isfinite(src["share_created"]):
        en += (f" In the last three months marketing created {fmt.pct(src['share_created'], 'en', 0)} of the leads "
               f"and influenced {fmt.pct(src['share_influenced'], 'en', 0)}.")
        es += (f" En los últimos tres meses marketing creó el {fmt.pct(src['share_created'], 'es', 0)} de los leads "
               f"e influyó en el {fmt.pct(src['share_influenced'], 'es', 0)}.")
    return _para(en if lang == "en" else es)


def say_pacing(p: Pacing, *, lang: str = "en"):
    """One paragraph: MQLs so far against the goal, the projection with its interval, and the advice."""
    fmt.check_lang(lang)
    if p.status in ("not_started", "no_goal"):
        return _para(p.advice(lang))
    m = fmt.month(p.period, lang)
    if p.complete:
        en = f"{m}: {fmt.number(p.mqls_so_far, 'en')} MQLs against a goal of {fmt.number(p.goal, 'en')}."
        es = f"{m}: {fmt.number(p.mqls_so_far, 'es')} MQL frente a una meta de {fmt.number(p.goal, 'es')}."
    else:
        en = (f"{m} so far: {fmt.number(p.mqls_so_far, 'en')} MQLs against {fmt.number(p.goal_to_date, 'en')} expected by now; "
              f"at this pace the month ends with about {fmt.number(p.projection, 'en')} "
              f"(95 % range {fmt.number(p.projection_low, 'en')}–{fmt.number(p.projection_high, 'en')}) against a goal of "
              f"{fmt.number(p.goal, 'en')}; chance of reaching it {fmt.pct(p.prob_reaching_goal, 'en', 0)}.")
        es = (f"{m} hasta ahora: {fmt.number(p.mqls_so_far, 'es')} MQL frente a {fmt.number(p.goal_to_date, 'es')} esperados a esta fecha; "
              f"a este ritmo el mes termina con unos {fmt.number(p.projection, 'es')} "
              f"(rango del 95 % {fmt.number(p.projection_low, 'es')}–{fmt.number(p.projection_high, 'es')}) frente a una meta de "
              f"{fmt.number(p.goal, 'es')}; probabilidad de alcanzarla {fmt.pct(p.prob_reaching_goal, 'es', 0)}.")
    status = p.status_text(lang)
    en += f" Status: {status}. {p.advice('en')}" if lang == "en" else ""
    es += f" Estado: {status}. {p.advice('es')}" if lang == "es" else ""
    return _para(en if lang == "en" else es)


def say_compliance(table: pd.DataFrame, *, kind: str = "first_contact", by: str = "team", lang: str = "en"):
    """One paragraph on a compliance table: overall share meeting the rule and the groups below the rest."""
    fmt.check_lang(lang)
    if table.empty or table["evaluable"].sum() == 0:
        return _para({"en": "No new MQLs to judge in this period.", "es": "No hay MQL nuevos que evaluar en este periodo."}[lang])
    ok, n = int(table["ok"].sum()), int(table["evaluable"].sum())
    h = fmt.number(table.attrs.get("hours", 0), lang)
    k = table.attrs.get("attempts", "")
    d = fmt.number(table.attrs.get("within_days", 0), lang)
    if kind == "first_contact":
        en = f"{fmt.pct(ok / n, 'en', 0)} of the {fmt.number(n, 'en')} new MQLs judged were first contacted within {h} h."
        es = f"El {fmt.pct(ok / n, 'es', 0)} de los {fmt.number(n, 'es')} MQL nuevos evaluados se contactó en {h} h."
    else:
        en = (f"{fmt.pct(ok / n, 'en', 0)} of the {fmt.number(n, 'en')} new MQLs judged got {k} attempts within {d} days "
              f"or were reached sooner.")
        es = (f"El {fmt.pct(ok / n, 'es', 0)} de los {fmt.number(n, 'es')} MQL nuevos evaluados recibió {k} intentos en {d} días "
              f"o se contactó antes.")
    pend = int(table["pending"].sum())
    if pend:
        en += f" Not judged yet (still inside their window): {fmt.number(pend, 'en')}."
        es += f" Aún sin juzgar (dentro de su plazo): {fmt.number(pend, 'es')}."
    if "direction" in table:
        below = table[table["direction"] == "below"]
        if len(below):
            names = ", ".join(f"{r[by]} ({fmt.pct(r['rate'], lang, 0)})" for _, r in below.iterrows())
            en += f" Clearly below the rest: {names}."
            es += f" Claramente por debajo del resto: {names}."
        else:
            en += " No group is clearly below the rest."
            es += " Ningún grupo está claramente por debajo del resto."
    return _para(en if lang == "en" else es)


def say_sales_sla(terms: pd.DataFrame, client, *, lang: str = "en"):
    """One paragraph: the sales SLA in force (client.yml) and notebook 05's recommendation, if any."""
    fmt.check_lang(lang)
    cfg = client.config.sla
    en = (f"The sales SLA in client.yml: first contact within {fmt.number(cfg.first_contact_hours, 'en')} h, "
          f"{cfg.attempts} attempts within {fmt.number(cfg.attempts_within_days, 'en')} days; the dashboards below measure it.")
    es = (f"El SLA de ventas de client.yml: primer contacto en {fmt.number(cfg.first_contact_hours, 'es')} h, "
          f"{cfg.attempts} intentos en {fmt.number(cfg.attempts_within_days, 'es')} días; los cuadros de mando de abajo lo miden.")
    if terms.attrs.get("recommended"):
        r = terms.iloc[0]
        en += (f" The contact-attempt analysis (notebook 05) recommends {fmt.number(r['recommended_first_contact_hours'], 'en')} h, "
               f"{int(r['recommended_attempts'])} attempts within {fmt.number(r['recommended_within_days'], 'en')} days; "
               f"the proposed agreement below uses it.")
        es += (f" El análisis de intentos de contacto (cuaderno 05) recomienda {fmt.number(r['recommended_first_contact_hours'], 'es')} h, "
               f"{int(r['recommended_attempts'])} intentos en {fmt.number(r['recommended_within_days'], 'es')} días; "
               f"el acuerdo propuesto abajo lo usa.")
    return _para(en if lang == "en" else es)


def say_basis(pace: Pacing, *, lang: str = "en"):
    """A caution when the client records no MQL date (every lead then counts as a new MQL at
    creation); None (nothing displayed) otherwise."""
    fmt.check_lang(lang)
    if pace.basis == "mql_at":
        return None
    from smk.views.html import TEXT, note_html

    return note_html({"en": "The data has no MQL date: every lead counts as a new MQL when it is created.",
                      "es": "Los datos no tienen fecha de MQL: cada lead cuenta como MQL nuevo al crearse."}[lang],
                     "note", TEXT["caution"][lang])


def say_breaching(table: pd.DataFrame, *, lang: str = "en"):
    """One paragraph on the early-warning list."""
    fmt.check_lang(lang)
    n = len(table)
    if n == 0:
        return _para({"en": "No open lead is breaching the sales SLA right now.",
                      "es": "Ningún lead abierto incumple ahora el SLA de ventas."}[lang])
    owners = table["owner"].value_counts().sort_index(kind="stable")
    top = owners.sort_values(ascending=False, kind="stable").index[0]
    as_of = fmt.date(table.attrs.get("as_of"), lang)
    en = (f"On {as_of}, {fmt.number(n, 'en')} open leads breach the sales SLA, held by {len(owners)} reps "
          f"(most: {top}, {owners[top]}). Reassign or work them today.")
    es = (f"A {as_of}, {fmt.number(n, 'es')} leads abiertos incumplen el SLA de ventas, de {len(owners)} comerciales "
          f"(más: {top}, {owners[top]}). Reasignarlos o trabajarlos hoy.")
    return _para(en if lang == "en" else es)


def agreement_markdown(client, period: str | None = None, *, lang: str = "en", output_dir=None, **kwargs: Any):
    """The agreement as an IPython Markdown display; also written to ``<output_dir>/sla_agreement_<lang>.md``
    when ``output_dir`` is given (to paste into a proposal)."""
    from IPython.display import Markdown

    text = agreement(client, period, lang=lang, **kwargs)
    if output_dir is not None:
        path = Path(output_dir) / f"sla_agreement_{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # inside the report the document sits under a section heading: two levels down (# → ###)
    shown = "\n".join(("##" + line) if line.startswith("#") else line for line in text.splitlines())
    return Markdown(shown)


def what_if(values: pd.DataFrame, *, quota: float, quota_share: float,
            close_rates: Mapping[str, float] | None = None) -> pd.DataFrame:
    """MQLs needed under other assumptions (the sliders): ``values`` as from :func:`mql_value_table`
    (``lead_type, avg_revenue, close_rate, mix_share``), with ``close_rates`` replacing the close rate
    of some types; returns :func:`mqls_needed` for ``quota × quota_share``. Assumed rates have no
    interval."""
    v = values[[c for c in ("lead_type", "avg_revenue", "close_rate", "mix_share") if c in values]].copy()
    for t, r in (close_rates or {}).items():
        v.loc[v["lead_type"] == t, "close_rate"] = float(r)
    v = mql_value(v)
    return mqls_needed(float(quota) * float(quota_share), v)


def goal_explorer(client, period: str | None = None, *, lang: str = "en"):
    """JupyterLab widget: sliders for the quota, marketing's share and each type's close rate; the MQL
    goal table updates live. Returns an ``ipywidgets.VBox`` (use only when ``ctx.interactive``)."""
    import ipywidgets as W
    from IPython.display import HTML, display

    fmt.check_lang(lang)
    period = period or client.default_period()
    g = monthly_mql_goal(client, period)
    cur = client.config.currency
    q0 = g["quota"] if g["quota"] is not None and np.isfinite(g["quota"]) else 100_000.0
    quota = W.FloatSlider(value=q0, min=0, max=max(q0 * 3, 1.0), step=max(q0 / 100, 1.0),
                          description={"en": "Quota", "es": "Cuota"}[lang], readout_format=",.0f",
                          layout=W.Layout(width="520px"), style={"description_width": "160px"})
    share = W.FloatSlider(value=g["quota_share"], min=0, max=1, step=0.05,
                          description={"en": "Marketing share", "es": "Parte de marketing"}[lang],
                          readout_format=".0%", layout=W.Layout(width="520px"), style={"description_width": "160px"})
    vt = g["values"]
    rates = {}
    for r in vt.itertuples(index=False):
        base = float(r.close_rate) if np.isfinite(r.close_rate) else 0.0
        rates[r.lead_type] = W.FloatSlider(value=base, min=0, max=max(0.1, base * 3), step=0.001,
                                           description=f"{r.lead_type}", readout_format=".1%",
                                           layout=W.Layout(width="520px"), style={"description_width": "160px"})
    out = W.Output()

    def update(_=None):
        n = what_if(vt, quota=quota.value, quota_share=share.value,
                    close_rates={t: w.value for t, w in rates.items()})
        out.clear_output()
        with out:
            L = labels(lang)
            rows = "".join(
                f"<tr><td>{L.get(t, t)}</td><td>{fmt.money(val, cur, lang)}</td>"
                f"<td>{fmt.number(m, lang, 0)}</td></tr>"
                for t, val, m in zip(n["lead_type"], n["value"], n["mqls_needed_ceil"]))
            display(HTML(f"<table><tr><th>{L['lead_type']}</th><th>{L['value']}</th><th>{L['mqls_needed']}</th></tr>"
                         f"{rows}</table>"))

    for w in [quota, share, *rates.values()]:
        w.observe(update, names="value")
    update()
    return W.VBox([quota, share, *rates.values(), out])


__all__ = [
    "DEFAULT_COMPLIANCE_TARGET", "DEFAULT_SALES_SOURCED_CHANNELS", "LABELS", "Pacing", "agreement", "attempts_workload",
    "agreement_markdown", "commitments_table", "localize", "value_display", "what_if", "say_basis", "say_breaching", "say_compliance", "say_sales_sla", "say_goal", "say_pacing", "say_values", "table_labels",
    "attempts_compliance", "attempts_table", "breaching_leads", "commitments", "first_contact_compliance",
    "first_contact_table", "goal_explorer", "headlines", "labels", "lead_sources", "monthly_mql_goal",
    "mql_value", "mql_value_table", "mqls_needed", "pacing", "plot_compliance", "plot_first_contact",
    "plot_mql_value", "plot_pacing", "quota_for_period", "sales_sla",
]
