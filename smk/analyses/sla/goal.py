"""The marketing side of the SLA (seed 000 ch. 3; DOMAIN.md §3): what one MQL is worth per lead
type, how many MQLs marketing owes for its share of the month's quota, and who creates the leads.

- **MQL value** per lead type (``client.config.sla.lead_type``: offer by default, or a segment
  column) = average revenue per customer of that type × MQL→customer close rate of that type.
  The seed's table: ebook $160,000 × 1 % = $1,600; webinar $100,000 × 1.5 % = $1,500 (the seed prints
  $3,000: an arithmetic slip); demo $150,000 × 2 % = $3,000.
- **MQLs needed** = marketing's share of the quota ÷ MQL value, per type and for the current mix
  (mix value = Σ share_of_MQLs_t × value_t).
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses.features import activity_counts
from smk.analyses.outcomes import lead_outcomes
from smk.analyses.sla import clock
from smk.analyses.stats import wilson_interval

#: Channels whose leads sales created itself (not marketing). Matched case-insensitively;
#: client.yml ``marketing.sales_sourced_channels`` replaces the list.
DEFAULT_SALES_SOURCED_CHANNELS: tuple[str, ...] = (
    "sales_prospecting", "outbound", "prospecting", "sales", "sales_sourced", "cold_call", "cold_email",
    "cold_outreach", "sdr", "bdr",
)
#: ``lead_type`` of the current-mix row of :func:`mqls_needed`.
MIX_ROW = "(mix)"


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
    col = lead_type or client.config.sla.lead_type
    leads = client.leads
    tz = client.tz
    w = int(window_days or client.config.analysis.close_window_days)
    as_of = clock.as_of(client, period)
    start, basis = clock.sla_start(leads)
    start = clock.local_times(start, tz)
    oc = lead_outcomes(client)
    won_at = clock.local_times(oc["won_at"], tz)
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
    recent0 = clock.month_start_before(as_of, mix_months, tz)
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
    out = pd.DataFrame(rows, columns=["kind", "lead_type", "value", "value_low", "value_high"])
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
    leads = client.leads
    tz = client.tz
    ch = [c.lower() for c in (sales_sourced_channels or client.config.marketing.sales_sourced_channels
                              or DEFAULT_SALES_SOURCED_CHANNELS)]
    to = clock.as_of(client, period)
    frm = clock.month_start_before(to, months, tz)
    created = clock.local_times(leads["created_at"], tz)
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


__all__ = [
    "DEFAULT_SALES_SOURCED_CHANNELS", "MIX_ROW", "lead_sources", "monthly_mql_goal", "mql_value", "mql_value_table",
    "mqls_needed", "quota_for_period", "what_if",
]
