"""The sales dashboards (seed 000 ch. 4; DOMAIN.md §5): new MQLs first contacted within H hours,
leads given at least K attempts within D days, per team / rep / lead type and over time, and the
leads breaching the SLA now (early warning).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from smk.analyses.contacts import CONNECTED_OUTCOMES
from smk.analyses.features import isin
from smk.analyses.outcomes import lead_outcomes
from smk.analyses.sla.clock import base_leads, data_end, elapsed_hours, holidays_for, local_times, map_times
from smk.analyses.stats import rate_table, wilson_interval
from smk.errors import NotEnoughData

#: Statuses of a lead against the first-contact SLA.
FIRST_CONTACT_STATUSES = ("in_time", "late", "not_contacted", "pending")
#: Statuses of a lead against the attempts SLA.
ATTEMPT_STATUSES = ("met", "reached", "breaching", "cannot_make_it", "in_window")
#: Why a lead is on the breaching list (``breaching_leads()['reason']``): not contacted within H hours,
#: fewer than K attempts in D days, can no longer make K attempts in time, or one of the first and
#: one of the other two.
BREACH_REASONS = ("no_first_contact", "too_few_attempts", "cannot_make_it",
                  "no_first_contact_too_few_attempts", "no_first_contact_cannot_make_it")


# --------------------------------------------------------------------------------------------
# first contact
# --------------------------------------------------------------------------------------------
def first_contact_table(client, period: str | None = None, *, hours: float | None = None,
                        business_hours: str | None | bool = None, working_days: Sequence[int] | None = None,
                        holidays: Sequence | None = None, lead_type: str | None = None) -> pd.DataFrame:
    """One row per new MQL (of ``period`` when given): did sales make a first contact within H hours?
    ``holidays`` default to ``client.config.sla.holidays``.

    Clock: from the SLA start (``mql_at``, else ``created_at``) to the first contact attempt at or after
    it (attempts log), else the lead's ``first_contact_at`` (counters; an earlier contact counts as 0 h).
    ``hours`` defaults to ``client.config.sla.first_contact_hours``; ``business_hours`` to
    ``sla.business_hours`` (pass False to force real elapsed time).

    Columns: ``lead_id, owner, team, lead_type, start_at, first_contact_at, hours_to_first_contact,
    age_hours, status, within_sla``. Status: ``in_time`` (≤ H), ``late`` (> H), ``not_contacted``
    (no attempt and older than H: breaching — never dropped), ``pending`` (no attempt yet, younger than
    H: not judged; ``within_sla`` is NA). ``attrs``: basis, source, hours, business_hours.
    """
    cfg = client.config.sla
    h = float(cfg.first_contact_hours if hours is None else hours)
    bh = cfg.business_hours if business_hours is None else (business_hours or None)
    wd = list(cfg.working_days if working_days is None else working_days)
    tz = client.tz
    base, basis = base_leads(client, period, lead_type)
    attempts = client.contact_attempts
    if attempts is not None and len(attempts):
        a = attempts[["lead_id", "attempted_at"]].copy()
        a["attempted_at"] = local_times(a["attempted_at"], tz)
        a = a[isin(a["lead_id"], base["lead_id"])]
        a = a.merge(base[["lead_id", "start_at"]], on="lead_id", how="inner")
        a = a[a["attempted_at"] >= a["start_at"]]
        fa = a.groupby("lead_id")["attempted_at"].min()
        first = map_times(base["lead_id"], fa, base["start_at"].dtype)
        source = "log"
    elif "first_contact_at" in client.leads:
        fc = client.leads.set_index("lead_id")["first_contact_at"]
        fc = local_times(fc, tz)
        first = map_times(base["lead_id"], fc, base["start_at"].dtype)
        first = first.where(first.isna() | (first >= base["start_at"]), base["start_at"])
        source = "counters"
    else:
        raise NotEnoughData(["attempts"], "first-contact times need a contact-attempts log or the leads' first_contact_at",
                            reason="sla.missing.no_first_contact")
    hol = holidays_for(client, holidays)
    base["first_contact_at"] = first
    base["hours_to_first_contact"] = elapsed_hours(base["start_at"], base["first_contact_at"], tz=tz,
                                                   business_hours=bh, working_days=wd, holidays=hol).to_numpy()
    end = data_end(client)
    base["age_hours"] = elapsed_hours(base["start_at"], pd.Series(end, index=base.index), tz=tz,
                                      business_hours=bh, working_days=wd, holidays=hol).to_numpy()
    contacted = base["first_contact_at"].notna()
    status = np.where(contacted, np.where(base["hours_to_first_contact"] <= h, "in_time", "late"),
                      np.where(base["age_hours"] > h, "not_contacted", "pending"))
    base["status"] = status
    base["within_sla"] = pd.array(np.where(status == "pending", None, status == "in_time"), dtype="boolean")
    base.attrs.update({"basis": basis, "source": source, "hours": h, "business_hours": bh,
                       "working_days": wd})
    return base


def _time_label(ts: pd.Series, freq: str | None) -> pd.Series:
    if freq is None:
        return pd.Series("", index=ts.index, dtype="object")
    naive = ts.dt.tz_localize(None)
    if freq.upper().startswith("W"):
        return naive.dt.to_period("W-SUN").dt.start_time.dt.strftime("%Y-%m-%d").astype("object")
    if freq.upper().startswith("M"):
        return naive.dt.to_period("M").astype(str).astype("object")
    if freq.upper().startswith("D"):
        return naive.dt.strftime("%Y-%m-%d").astype("object")
    raise ValueError(f"freq must be 'W', 'M', 'D' or None, found {freq!r}")


def _by_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _compliance_table(per_lead: pd.DataFrame, ok: pd.Series, judged: pd.Series, by, freq, *,
                      min_group_size: int, alpha: float, extra: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Shared aggregation: per group (and period), leads, judged, ok, rate with Wilson CI.

    A plain per-group table (one ``by``, no ``freq``) always has ``qvalue, significant, direction``:
    each group against the rest (Fisher, BH) when there are two groups or more; empty otherwise."""
    keys = _by_list(by)
    df = per_lead[keys].copy() if keys else pd.DataFrame(index=per_lead.index)
    df["time"] = _time_label(per_lead["start_at"], freq)
    df["n"] = 1
    df["judged"] = judged.astype(bool).to_numpy()
    df["ok"] = (ok.fillna(False).astype(bool) & df["judged"]).to_numpy()
    for name, s in (extra or {}).items():
        df[name] = s.to_numpy()
    gkeys = keys + (["time"] if freq else [])
    agg_spec = {"mqls": ("n", "sum"), "evaluable": ("judged", "sum"), "ok": ("ok", "sum")}
    for name in (extra or {}):
        agg_spec[name] = (name, "sum")
    if gkeys:
        out = df.groupby(gkeys, sort=True, dropna=False).agg(**agg_spec).reset_index()
    else:
        out = pd.DataFrame({k: [df[col].sum() if fn == "sum" else np.nan] for k, (col, fn) in agg_spec.items()})
    for c in ["mqls", "evaluable", "ok", *(extra or {})]:
        out[c] = out[c].astype("int64")
    out["pending"] = out["mqls"] - out["evaluable"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = np.where(out["evaluable"] > 0, out["ok"] / out["evaluable"].where(out["evaluable"] > 0, 1), np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["ok"], out["evaluable"], alpha)
    out["too_small"] = out["evaluable"] < min_group_size
    if keys and not freq and len(keys) == 1:
        if len(out) > 1:
            jd = per_lead.loc[judged.astype(bool).to_numpy()].copy()
            jd["_ok"] = ok[judged.astype(bool)].fillna(False).astype(bool).to_numpy()
            rt = rate_table(jd, keys[0], "_ok", min_group_size=min_group_size, alpha=alpha)
            rt = rt.set_index("group")[["qvalue", "significant", "direction"]]
            out = out.join(rt, on=keys[0])
            out["significant"] = out["significant"].fillna(False).astype(bool)
            out["direction"] = out["direction"].fillna("").astype("object")
        else:  # one group (or none): nothing to compare it with
            out["qvalue"] = np.nan
            out["significant"] = pd.Series(False, index=out.index, dtype=bool)
            out["direction"] = pd.Series("", index=out.index, dtype="object")
    return out.reset_index(drop=True)


def first_contact_compliance(client, period: str | None = None, by: str | Sequence[str] | None = "team", *,
                             freq: str | None = None, hours: float | None = None,
                             business_hours: str | None | bool = None, holidays: Sequence | None = None,
                             per_lead: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of new MQLs first contacted within H hours, per ``by`` (``'team'``, ``'owner'``,
    ``'lead_type'``, a list, or None for overall) and per week/month (``freq='W'|'M'``).

    rate = in_time ÷ judged, where judged = new MQLs − pending (pending: not yet contacted and younger
    than H). Never-contacted leads older than H count as breaching. Wilson 95 % CI; groups with fewer
    than ``analysis.min_group_size`` judged leads are flagged ``too_small``; with a single ``by`` and no
    ``freq`` each group is tested against the rest (Fisher, BH: ``qvalue, significant, direction``;
    empty with a single group). ``per_lead``: a :func:`first_contact_table` already computed.
    Columns: ``<by…>, [time], mqls, evaluable, ok, in_time, late, not_contacted, pending, rate, ci_low,
    ci_high, median_hours, p90_hours, too_small[, qvalue, significant, direction]``.
    """
    pl = per_lead if per_lead is not None else first_contact_table(client, period, hours=hours,
                                                                   business_hours=business_hours, holidays=holidays)
    an = client.config.analysis
    extra = {s: (pl["status"] == s) for s in ("in_time", "late", "not_contacted")}
    out = _compliance_table(pl, pl["within_sla"], pl["status"] != "pending", by, freq,
                            min_group_size=an.min_group_size, alpha=an.alpha, extra=extra)
    keys = _by_list(by) + (["time"] if freq else [])
    contacted = pl[pl["first_contact_at"].notna()].copy()
    contacted["time"] = _time_label(contacted["start_at"], freq)
    if keys:
        grp = contacted.groupby(keys, sort=True, dropna=False)["hours_to_first_contact"]
        q = pd.DataFrame({"median_hours": grp.median(), "p90_hours": grp.quantile(0.9)})
        if len(q) and len(out):
            out = out.join(q, on=keys)
        else:
            out["median_hours"], out["p90_hours"] = np.nan, np.nan
    else:
        out["median_hours"] = contacted["hours_to_first_contact"].median()
        out["p90_hours"] = contacted["hours_to_first_contact"].quantile(0.9) if len(contacted) else np.nan
    out.attrs.update(pl.attrs)
    return out


# --------------------------------------------------------------------------------------------
# contact attempts
# --------------------------------------------------------------------------------------------
def attempts_table(client, period: str | None = None, *, attempts: int | None = None,
                   within_days: float | None = None, max_attempts_per_day: float | None = None,
                   reached_counts_as_met: bool = True, lead_type: str | None = None) -> pd.DataFrame:
    """One row per new MQL: were at least K contact attempts made within D days of the SLA start?

    From the attempts log, attempts in [start, start + D days] count (real elapsed time). Status:
    ``met`` (≥ K), ``reached`` (fewer than K but the lead was connected, became an SQL or a customer
    within the window: no more attempts were needed), ``breaching`` (window over, < K and not reached),
    ``in_window`` (younger than D days and can still make it), ``cannot_make_it`` (younger than D days
    but K − attempts so far > remaining days × ``max_attempts_per_day``: counted as breaching).
    Leads with no attempts at all are kept (0 attempts) and breach once their window is over.
    ``max_attempts_per_day`` defaults to ``client.config.sla.max_attempts_per_day``.
    Counters only (``n_attempts``, no dates): the total is an upper bound of attempts within D days, so
    < K is a sure breach and ≥ K is taken as met (``attrs['source'] == 'counters'`` says so).

    Columns: ``lead_id, owner, team, lead_type, start_at, age_days, attempts_so_far, attempts_within,
    reached, status, breaching, judged``.
    """
    cfg = client.config.sla
    k = int(cfg.attempts if attempts is None else attempts)
    d = float(cfg.attempts_within_days if within_days is None else within_days)
    max_attempts_per_day = cfg.max_attempts_per_day if max_attempts_per_day is None else max_attempts_per_day
    tz = client.tz
    base, basis = base_leads(client, period, lead_type)
    end = data_end(client)
    base["age_days"] = ((end - base["start_at"]).dt.total_seconds() / 86400).to_numpy()
    log = client.contact_attempts
    reached = pd.Series(False, index=base.index)
    if log is not None and len(log):
        cols = ["lead_id", "attempted_at"] + (["outcome"] if "outcome" in log else [])
        a = log[cols].copy()
        a["attempted_at"] = local_times(a["attempted_at"], tz)
        a = a.merge(base[["lead_id", "start_at"]], on="lead_id", how="inner")
        a = a[a["attempted_at"] >= a["start_at"]]
        a["inside"] = (a["attempted_at"] - a["start_at"]).dt.total_seconds() <= d * 86400
        so_far = a.groupby("lead_id").size()
        within = a[a["inside"]].groupby("lead_id").size()
        base["attempts_so_far"] = base["lead_id"].map(so_far).fillna(0).astype("int64")
        base["attempts_within"] = base["lead_id"].map(within).fillna(0).astype("int64")
        if "outcome" in a:
            conn = a[a["inside"] & a["outcome"].isin(CONNECTED_OUTCOMES)]["lead_id"].unique()
            reached = reached | isin(base["lead_id"], conn)
        source = "log"
    elif "n_attempts" in client.leads:
        n = client.leads.set_index("lead_id")["n_attempts"]
        base["attempts_so_far"] = base["lead_id"].map(n).fillna(0).astype("int64")
        base["attempts_within"] = base["attempts_so_far"]
        source = "counters"
    else:
        raise NotEnoughData(["attempts"], "the attempts SLA needs a contact-attempts log or an n_attempts column",
                            reason="sla.missing.no_attempts")
    # reached by qualification / win within the window
    leads = client.leads.set_index("lead_id")
    for col in ("sql_at", "customer_at"):
        if col in leads and leads[col].notna().any():
            t = local_times(base["lead_id"].map(leads[col]), tz)
            dt = (t - base["start_at"]).dt.total_seconds()
            reached = reached | ((dt >= 0) & (dt <= d * 86400)).fillna(False).to_numpy()
    if not reached_counts_as_met:
        reached = pd.Series(False, index=base.index)
    base["reached"] = np.asarray(reached, dtype=bool)
    window_over = base["age_days"] >= d
    met = base["attempts_within"] >= k
    remaining = np.clip(d - base["age_days"], 0, None)
    needed = np.clip(k - base["attempts_within"], 0, None)
    cannot = ~window_over & ~met & ~base["reached"] & (needed > np.floor(remaining * max_attempts_per_day))
    status = np.select(
        [met, base["reached"], window_over, cannot],
        ["met", "reached", "breaching", "cannot_make_it"], default="in_window")
    base["status"] = status
    base["breaching"] = np.isin(status, ["breaching", "cannot_make_it"])
    base["judged"] = status != "in_window"
    base.attrs.update({"basis": basis, "source": source, "attempts": k, "within_days": d,
                       "max_attempts_per_day": max_attempts_per_day})
    return base


def attempts_compliance(client, period: str | None = None, by: str | Sequence[str] | None = "team", *,
                        freq: str | None = None, attempts: int | None = None, within_days: float | None = None,
                        per_lead: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
    """Share of new MQLs that got at least K attempts within D days (or were reached sooner), per
    ``by`` and ``freq`` as in :func:`first_contact_compliance`.

    rate = (met + reached) ÷ judged; judged excludes leads still in their window; leads that can no
    longer make it count as breaching. ``per_lead``: an :func:`attempts_table` already computed.
    Columns: ``<by…>, [time], mqls, evaluable, ok, breaching, met, reached, pending, rate, ci_low,
    ci_high, too_small[, qvalue, significant, direction]``.
    """
    pl = per_lead if per_lead is not None else attempts_table(client, period, attempts=attempts,
                                                              within_days=within_days, **kwargs)
    an = client.config.analysis
    ok = pl["status"].isin(["met", "reached"])
    out = _compliance_table(pl, ok, pl["judged"], by, freq, min_group_size=an.min_group_size, alpha=an.alpha,
                            extra={"breaching": pl["breaching"], "met": pl["status"] == "met",
                                   "reached": pl["status"] == "reached"})
    out.attrs.update(pl.attrs)
    return out


def breaching_leads(client, *, lookback_days: float = 7.0, hours: float | None = None,
                    attempts: int | None = None, within_days: float | None = None,
                    first_contact_leads: pd.DataFrame | None = None, attempts_leads: pd.DataFrame | None = None,
                    **kwargs: Any) -> pd.DataFrame:
    """The early-warning list: open leads breaching the sales SLA now (no PII).

    Includes new MQLs whose attempts window is still open or closed less than ``lookback_days`` ago,
    that are still open (not won or lost), and that either were not contacted within H hours, got
    fewer than K attempts in D days, or can no longer make K attempts in time.
    ``first_contact_leads`` / ``attempts_leads``: :func:`first_contact_table` / :func:`attempts_table`
    of every period, already computed.
    Columns: ``lead_id, owner, team, lead_type, age_days, attempts_so_far, attempts_needed,
    hours_to_first_contact, reason`` (a code of :data:`BREACH_REASONS`), sorted by owner, then oldest
    first. ``attrs``: attempts, within_days, hours, as_of.
    """
    fc = first_contact_leads if first_contact_leads is not None else first_contact_table(client, hours=hours)
    at = attempts_leads if attempts_leads is not None else attempts_table(client, attempts=attempts,
                                                                          within_days=within_days, **kwargs)
    k, d, h = at.attrs["attempts"], at.attrs["within_days"], fc.attrs["hours"]
    df = at.merge(fc[["lead_id", "hours_to_first_contact", "status"]].rename(columns={"status": "fc_status"}),
                  on="lead_id", how="left")
    recent = df["age_days"] <= d + lookback_days
    oc = lead_outcomes(client)
    closed = pd.Series(isin(df["lead_id"], oc.loc[oc["status"] != "open", "lead_id"]), index=df.index)
    fc_bad = df["fc_status"] == "not_contacted"
    att_bad = df["breaching"]
    sel = df[recent & ~closed & (fc_bad | att_bad) & ~df["reached"]].copy()
    no_contact = (sel["fc_status"] == "not_contacted").to_numpy()
    st = sel["status"].to_numpy()
    attempts_reason = np.where(st == "breaching", "too_few_attempts", np.where(st == "cannot_make_it", "cannot_make_it", ""))
    reason = np.where(no_contact & (attempts_reason != ""),
                      np.char.add("no_first_contact_", attempts_reason.astype(str)),
                      np.where(no_contact, "no_first_contact", attempts_reason))
    sel["reason"] = pd.Series(reason, index=sel.index, dtype="object")
    sel["attempts_needed"] = np.clip(k - sel["attempts_within"], 0, None).astype("int64")
    sel = sel.sort_values(["owner", "age_days", "lead_id"], ascending=[True, False, True], kind="stable")
    out = sel[["lead_id", "owner", "team", "lead_type", "age_days", "attempts_so_far", "attempts_needed",
               "hours_to_first_contact", "reason"]].reset_index(drop=True)
    out.attrs.update({"attempts": k, "within_days": d, "hours": h, "as_of": data_end(client)})
    return out


__all__ = [
    "ATTEMPT_STATUSES", "BREACH_REASONS", "FIRST_CONTACT_STATUSES", "attempts_compliance", "attempts_table",
    "breaching_leads", "first_contact_compliance", "first_contact_table",
]
