"""Notebook 03: winning assets (conversion assists), landing pages, and attribution models.

Method (../shared/docs/DOMAIN.md §1; seed 000 "identifique activos de marketing ganadores",
"rendimiento de los activos de marketing"):

- conversion assists: for each asset (page / offer / CTA), the share of customers who touched it
  *before they were won* against the share of non-customers who touched it, with the difference's
  95 % interval (Newcombe 1998, method 10: hybrid score interval from the two Wilson intervals)
  and a BH-corrected Fisher test;
- landing pages: page views, form submissions and submission rate per asset, new contacts (leads
  whose first form submission was on that page) where the log has ``page_view`` and
  ``form_submission`` events by asset;
- attribution: customers and revenue credited to channels or assets from each won lead's touches
  before its ``won_at``, under first-touch, last-touch, linear and U-shaped (40 % first, 40 % last,
  20 % shared by the middle touches; 50/50 with two touches) models side by side.

All vectorised over the activities log (sort + groupby + cumcount), no per-lead loops. Compute only:
the tables are part of ``smk.analyses.closerate.CloseRatesResult`` and drawn by ``smk.views.closerate``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses import stats
from smk.analyses.features import NAT_NS, epoch_ns, positions
from smk.analyses.outcomes import lead_outcomes
from smk.errors import NotEnoughData

MODELS: tuple[str, ...] = ("first_touch", "last_touch", "linear", "u_shaped")
NO_TOUCH = "(no touch)"


def lead_codes(lead_ids, event_ids) -> np.ndarray:
    """Position of each ``event_ids`` value in ``lead_ids`` (−1 when absent): :func:`smk.analyses.features.positions`."""
    return positions(event_ids, lead_ids)


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort + diff: faster than numpy's hash-based unique on big int arrays)."""
    x = np.sort(x, kind="stable")
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def _log(client, column: str) -> pd.DataFrame:
    acts = client.activities
    if acts is None or not len(acts):
        raise NotEnoughData(["activity_log"], "not enough data: this needs an activities log",
                            reason="closerate.missing.no_activity_log")
    if column not in acts:
        raise NotEnoughData([], f"not enough data: the activities log has no {column!r} column",
                            reason="closerate.missing.no_log_column", params={"column": column})
    return acts


def events_before_win(acts: pd.DataFrame, outcomes: pd.DataFrame, vcode: np.ndarray,
                      code: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events of the log usable for assists / attribution, as arrays: lead position in ``outcomes``,
    time (ns), value code (``vcode``, one per event, −1 = missing). Won leads keep only events
    strictly before ``won_at`` (a won lead without a date keeps none); events of unknown leads or
    with a missing value are dropped."""
    code = lead_codes(outcomes["lead_id"], acts["lead_id"]) if code is None else code
    t = epoch_ns(acts["occurred_at"])
    won = outcomes["won"].to_numpy(bool)
    won_at = epoch_ns(outcomes["won_at"])
    ok = (code >= 0) & (vcode >= 0)
    c = np.where(ok, code, 0)
    is_won = won[c]
    keep = ok & (~is_won | ((won_at[c] != NAT_NS) & (t < won_at[c])))
    return code[keep], t[keep], vcode[keep]


def newcombe_interval(k1, n1, k2, n2, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe (1998) hybrid score interval for p1 − p2 (method 10), from the Wilson intervals
    (l1, u1), (l2, u2) of each proportion:
        L = d − sqrt((p1 − l1)² + (u2 − p2)²),  U = d + sqrt((u1 − p1)² + (p2 − l2)²),  d = p1 − p2.
    Elementwise; NaN where a sample is empty."""
    k1, n1, k2, n2 = (np.asarray(x, dtype=float) for x in (k1, n1, k2, n2))
    l1, u1 = stats.wilson_interval(k1, n1, alpha)
    l2, u2 = stats.wilson_interval(k2, n2, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = k1 / n1, k2 / n2
        d = p1 - p2
        low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def _fisher_2x2(a, b, c, d) -> np.ndarray:
    """Two-sided Fisher exact p-value per row of 2×2 tables [[a, b], [c, d]] (one call per asset)."""
    out = np.full(len(a), np.nan)
    for i, (w, x, y, z) in enumerate(zip(a, b, c, d)):  # one test per asset, not per lead
        if (w + x) > 0 and (y + z) > 0:
            out[i] = _st.fisher_exact([[int(w), int(x)], [int(y), int(z)]])[1]
    return out


def conversion_assists(client, by: str = "asset", *, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Winning assets: for each value of ``by`` (``asset`` or ``activity_type``), how many customers
    touched it before converting vs non-customers (any time).

    Columns: ``asset, customers_touched, customers, share_customers, non_customers_touched,
    non_customers, share_non_customers, difference (share_customers − share_non_customers),
    diff_low, diff_high`` (Newcombe 95 %), ``pvalue`` (Fisher), ``qvalue`` (BH), ``too_small``
    (fewer than ``min_group_size`` leads touched it), ``significant`` (q < alpha, not too small).
    Sorted by difference (descending), then name. An asset many customers touched is only a
    "winning" asset if customers touched it more often than non-customers did.
    """
    o = lead_outcomes(client) if outcomes is None else outcomes
    cfg = client.config.analysis
    acts = _log(client, by)
    vc, values = pd.factorize(acts[by], sort=True)
    code, _, vcode = events_before_win(acts, o, vc)
    k = max(len(values), 1)
    pair = unique_sorted(code * k + vcode)  # distinct (lead, asset)
    lead_of, asset_of = pair // k, pair % k
    won = o["won"].to_numpy(bool)
    n_c = int(won.sum())
    n_nc = int(len(o) - n_c)
    w = won[lead_of]
    touched_c = np.bincount(asset_of[w], minlength=len(values))
    touched_nc = np.bincount(asset_of[~w], minlength=len(values))
    present = (touched_c + touched_nc) > 0
    res = pd.DataFrame({"asset": np.asarray(values, dtype=object)[present].astype(str),
                        "customers_touched": touched_c[present].astype(int),
                        "non_customers_touched": touched_nc[present].astype(int)})
    res["customers"] = n_c
    res["non_customers"] = n_nc
    with np.errstate(invalid="ignore", divide="ignore"):
        res["share_customers"] = res["customers_touched"] / n_c if n_c else np.nan
        res["share_non_customers"] = res["non_customers_touched"] / n_nc if n_nc else np.nan
    res["difference"] = res["share_customers"] - res["share_non_customers"]
    res["diff_low"], res["diff_high"] = newcombe_interval(res["customers_touched"], n_c,
                                                          res["non_customers_touched"], n_nc, cfg.alpha)
    res["pvalue"] = _fisher_2x2(res["customers_touched"], n_c - res["customers_touched"],
                                res["non_customers_touched"], n_nc - res["non_customers_touched"])
    res["too_small"] = (res["customers_touched"] + res["non_customers_touched"]) < cfg.min_group_size
    res["qvalue"] = stats.bh_adjust(res["pvalue"].where(~res["too_small"]))
    res["significant"] = (res["qvalue"] < cfg.alpha) & ~res["too_small"]
    res = res.sort_values(["difference", "asset"], ascending=[False, True], kind="stable").reset_index(drop=True)
    res.attrs.update({"by": by, "customers": n_c, "non_customers": n_nc})
    return res[["asset", "customers_touched", "customers", "share_customers", "non_customers_touched",
                "non_customers", "share_non_customers", "difference", "diff_low", "diff_high", "pvalue", "qvalue",
                "too_small", "significant"]]


def landing_pages(client, *, view: str = "page_view", submit: str = "form_submission") -> pd.DataFrame:
    """Landing-page performance per asset from the activities log:
    ``asset, views, viewers, submissions, submitters, submission_rate`` (submissions ÷ views, Wilson
    95 % ``ci_low/ci_high``; NaN where submissions exceed views), ``new_contacts`` (leads whose
    first-ever form submission was on this page), ``contact_rate`` (new contacts ÷ views).
    Only assets with at least one view or submission. Raises NotEnoughData when the log has no
    ``view`` / ``submit`` events by asset.
    """
    acts = _log(client, "asset")
    typ = acts["activity_type"]
    is_v = typ.eq(view).fillna(False).to_numpy(bool)
    is_s = typ.eq(submit).fillna(False).to_numpy(bool)
    if not is_v.any() or not is_s.any():
        raise NotEnoughData([], f"not enough data: the log has no {view!r} and {submit!r} events by asset",
                            reason="closerate.missing.no_views_and_submissions")
    acode, assets = pd.factorize(acts["asset"], sort=True)
    lcode, _ = pd.factorize(acts["lead_id"])
    t = epoch_ns(acts["occurred_at"])
    m = len(assets)
    ok = acode >= 0
    v, sub = ok & is_v, ok & is_s
    views = np.bincount(acode[v], minlength=m)
    subs = np.bincount(acode[sub], minlength=m)
    viewers = np.bincount(unique_sorted(lcode[v].astype(np.int64) * m + acode[v]) % m, minlength=m)
    submitters = np.bincount(unique_sorted(lcode[sub].astype(np.int64) * m + acode[sub]) % m, minlength=m)
    # first-ever submission of each lead: sort by (lead, time, asset), first of each lead
    sl, st, sa = lcode[sub], t[sub], acode[sub]
    order = np.lexsort((sa, st, sl))
    sl, sa = sl[order], sa[order]
    firsts = sa[np.r_[True, sl[1:] != sl[:-1]]] if len(sl) else np.array([], dtype=np.int64)
    new = np.bincount(firsts, minlength=m)
    res = pd.DataFrame({"asset": np.asarray(assets, dtype=object).astype(str), "views": views, "viewers": viewers,
                        "submissions": subs, "submitters": submitters, "new_contacts": new}).astype(
        {"views": "int64", "viewers": "int64", "submissions": "int64", "submitters": "int64", "new_contacts": "int64"})
    res = res[(res["views"] > 0) | (res["submissions"] > 0)].reset_index(drop=True)
    ok = (res["views"] > 0) & (res["submissions"] <= res["views"])
    with np.errstate(invalid="ignore", divide="ignore"):
        res["submission_rate"] = np.where(ok, res["submissions"] / res["views"].where(res["views"] > 0, 1), np.nan)
        res["contact_rate"] = np.where(res["views"] > 0, res["new_contacts"] / res["views"].where(res["views"] > 0, 1), np.nan)
    lo, hi = stats.wilson_interval(res["submissions"].where(ok, 0), res["views"].where(ok, 0))
    res["ci_low"], res["ci_high"] = lo, hi
    res = res.sort_values(["submission_rate", "asset"], ascending=[False, True], kind="stable", na_position="last")
    res.attrs["paired"] = int(((res["views"] > 0) & (res["submissions"] > 0)).sum())
    return res[["asset", "views", "viewers", "submissions", "submitters", "submission_rate", "ci_low", "ci_high",
                "new_contacts", "contact_rate"]].reset_index(drop=True)


def touch_credits(touches: pd.DataFrame) -> pd.DataFrame:
    """Credit of each touch under every model, from ordered touches.

    ``touches``: ``lead_id, occurred_at, key`` (and anything else). For a lead with n touches in
    time order (ties broken by key), touch i (0-based) gets:
    first_touch = [i == 0]; last_touch = [i == n−1]; linear = 1/n;
    u_shaped = 1 if n == 1; 0.5 each if n == 2; otherwise 0.4 for the first and the last and
    0.2/(n−2) for each middle touch. Every model's credits sum to 1 per lead.
    """
    t = touches.sort_values(["lead_id", "occurred_at", "key"], kind="stable").reset_index(drop=True)
    g = t.groupby("lead_id", sort=False)
    i = g.cumcount().to_numpy()
    n = g["key"].transform("size").to_numpy()
    first = (i == 0).astype(float)
    last = (i == n - 1).astype(float)
    t["first_touch"] = first
    t["last_touch"] = last
    t["linear"] = 1.0 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        middle = np.where(n > 2, 0.2 / np.maximum(n - 2, 1), 0.0)
    t["u_shaped"] = np.where(n == 1, 1.0, np.where(n == 2, 0.5, np.where((first + last) > 0, 0.4, middle)))
    return t


def _credits_from_codes(code: np.ndarray, t: np.ndarray, kcode: np.ndarray) -> pd.DataFrame:
    """:func:`touch_credits` on integer codes (lead position, time in ns, key code): one lexsort,
    run starts and counts, no groupby on strings."""
    if len(code) == 0:
        return pd.DataFrame({"code": np.array([], np.int64), "kcode": np.array([], np.int64),
                             **{m: np.array([], float) for m in MODELS}})
    order = np.lexsort((kcode, t, code))
    c, k = code[order], kcode[order]
    start = np.r_[True, c[1:] != c[:-1]]
    run_id = np.cumsum(start) - 1
    starts = np.flatnonzero(start)
    n_run = np.diff(np.r_[starts, len(c)])
    i = np.arange(len(c)) - starts[run_id]
    n = n_run[run_id]
    first = (i == 0).astype(float)
    last = (i == n - 1).astype(float)
    middle = np.where(n > 2, 0.2 / np.maximum(n - 2, 1), 0.0)
    u = np.where(n == 1, 1.0, np.where(n == 2, 0.5, np.where((first + last) > 0, 0.4, middle)))
    return pd.DataFrame({"code": c, "kcode": k, "first_touch": first, "last_touch": last, "linear": 1.0 / n,
                         "u_shaped": u})


def attribution(client, by: str = "channel", *, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Customers and revenue credited to each ``by`` value (``channel`` or ``asset``) under the
    four models, from each won lead's touches strictly before ``won_at``.

    Long table: ``key, model, credit_customers, credit_revenue, share_customers_model`` (share of all
    customers credited to the key under that model). The touch's channel is the activity's own
    ``channel`` when the log has it, else the lead's channel. A customer with no logged touch before
    winning is credited to its lead channel (``by='channel'``) or to ``'(no touch)'`` (``by='asset'``),
    the same under every model, so totals always equal the number of customers and their revenue.
    """
    o = lead_outcomes(client) if outcomes is None else outcomes
    won = o[o["won"]][["lead_id", "won_at", "revenue"]]
    leads = client.leads
    acts = client.activities
    if acts is None or not len(acts):
        raise NotEnoughData(["activity_log"], "not enough data: attribution needs an activities log",
                            reason="closerate.missing.no_activity_log")
    touch_channel = "activity" if "channel" in acts and acts["channel"].notna().any() else "lead"
    code_all = lead_codes(o["lead_id"], acts["lead_id"])
    if by == "channel":
        # key code per event: the activity's own channel, else the lead's (integer codes throughout)
        lc, lcats = pd.factorize(leads["channel"] if "channel" in leads else pd.Series([None] * len(leads)), sort=True)
        cats = list(lcats)
        if touch_channel == "activity":
            ac, acats = pd.factorize(acts["channel"], sort=True)
            cats = sorted(set(cats) | set(acats))
            remap_a = pd.Index(cats).get_indexer(list(acats))
            a_key = np.where(ac >= 0, remap_a[np.maximum(ac, 0)], -1) if len(acats) else np.full(len(acts), -1)
        else:
            a_key = np.full(len(acts), -1)
        remap_l = pd.Index(cats).get_indexer(list(lcats)) if len(lcats) else np.array([], dtype=np.int64)
        l_key = np.where(lc >= 0, remap_l[np.maximum(lc, 0)], -1) if len(lcats) else np.full(len(leads), -1)
        from_lead = np.where(code_all >= 0, l_key[np.maximum(code_all, 0)], -1)
        vcode = np.where(a_key >= 0, a_key, from_lead)
        values = cats
    elif by in acts:
        vcode, values = pd.factorize(acts[by], sort=True)
    else:
        raise NotEnoughData([], f"not enough data: the activities log has no {by!r} column",
                            reason="closerate.missing.no_log_column", params={"column": by})
    code, t, kcode = events_before_win(acts, o, vcode, code_all)
    wonmask = o["won"].to_numpy(bool)
    sel = wonmask[code]
    code, t, kcode = code[sel], t[sel], kcode[sel]
    keys = np.asarray(values, dtype=object)
    cred = _credits_from_codes(code, t, kcode)
    cred["lead_id"] = o["lead_id"].to_numpy(dtype=object)[cred["code"].to_numpy()]
    cred["key"] = keys[cred["kcode"].to_numpy()] if len(cred) else np.array([], dtype=object)
    cred = cred.drop(columns=["code", "kcode"])
    # customers without a usable touch
    has = np.zeros(len(o), bool)
    has[code] = True
    missing_mask = wonmask & ~has
    missing = o[missing_mask]
    if len(missing):
        if by == "channel" and "channel" in leads:
            mk = pd.Series(leads["channel"].astype(object).to_numpy()[missing_mask], index=missing.index)
            mk = mk.where(mk.notna(), NO_TOUCH)
        else:
            mk = pd.Series(NO_TOUCH, index=missing.index, dtype=object)
        extra = pd.DataFrame({"lead_id": missing["lead_id"].to_numpy(dtype=object), "key": mk.to_numpy()})
        for m in MODELS:
            extra[m] = 1.0
        cred = pd.concat([cred, extra], ignore_index=True)
    rev_by_lead = pd.Series(won["revenue"].to_numpy(float), index=won["lead_id"].to_numpy(dtype=object))
    rev = pd.Series(rev_by_lead.reindex(cred["lead_id"].to_numpy(dtype=object)).to_numpy(), index=cred.index).fillna(0.0)
    long = cred.melt(id_vars=["lead_id", "key"], value_vars=list(MODELS), var_name="model", value_name="credit")
    long["revenue"] = long["credit"] * np.tile(rev.to_numpy(), len(MODELS))
    res = long.groupby(["key", "model"], sort=True).agg(credit_customers=("credit", "sum"),
                                                       credit_revenue=("revenue", "sum")).reset_index()
    n_won = len(won)
    res["share_customers_model"] = res["credit_customers"] / n_won if n_won else np.nan
    res["model"] = pd.Categorical(res["model"], categories=list(MODELS), ordered=True)
    res = res.sort_values(["model", "credit_customers", "key"], ascending=[True, False, True], kind="stable")
    res["model"] = res["model"].astype(str)
    res.attrs.update({"by": by, "customers": n_won, "revenue": float(won["revenue"].sum()),
                      "no_touch": int(len(missing)), "touch_channel": touch_channel})
    return res.reset_index(drop=True)


def attribution_wide(table: pd.DataFrame, value: str = "credit_customers") -> pd.DataFrame:
    """Models side by side: one row per key, one column per model (``value`` of :func:`attribution`),
    plus ``spread`` (max − min across models: how much the answer depends on the model).
    Sorted by the linear model's value."""
    w = table.pivot(index="key", columns="model", values=value).reindex(columns=list(MODELS)).fillna(0.0)
    w["spread"] = w.max(axis=1) - w.min(axis=1)
    w = w.reset_index().sort_values(["linear", "key"], ascending=[False, True], kind="stable")
    return w.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# facts the notebook's sentences need (picked from the tables above)
# --------------------------------------------------------------------------------------------
def model_spread(wide: pd.DataFrame) -> dict | None:
    """How much the credited figures change with the model, from :func:`attribution_wide`: None for
    an empty table; ``{'same': True}`` when every model gives the same split; otherwise the key with
    the largest spread (ties by name) with its lowest and highest credit and the models giving them
    (``key, low, low_model, high, high_model``; model ties by model name)."""
    if wide is None or wide.empty:
        return None
    if float(wide["spread"].max()) == 0:
        return {"same": True}
    top = wide.sort_values(["spread", "key"], ascending=[False, True], kind="stable").iloc[0]
    lo_m = min(MODELS, key=lambda m: (top[m], m))
    hi_m = max(MODELS, key=lambda m: (top[m], m))
    return {"same": False, "key": top["key"], "low": float(top[lo_m]), "low_model": lo_m,
            "high": float(top[hi_m]), "high_model": hi_m}


def best_landing_page(lp: pd.DataFrame) -> dict:
    """``paired`` (pages with both views and submissions) and, when there is one, ``best``: the row
    of :func:`landing_pages` with the highest submission rate."""
    paired = int(lp.attrs.get("paired", int(((lp["views"] > 0) & (lp["submissions"] > 0)).sum())))
    ok = lp.dropna(subset=["submission_rate"])
    return {"paired": paired, "best": ok.iloc[0].to_dict() if paired and len(ok) else None}


def winning_assets(assists: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The ``top`` assets customers touched significantly more often than non-customers (rows of
    :func:`conversion_assists`, largest difference first)."""
    return assists[assists["significant"] & (assists["difference"] > 0)].head(top).reset_index(drop=True)


__all__ = ["MODELS", "NO_TOUCH", "attribution", "attribution_wide", "best_landing_page", "conversion_assists",
           "events_before_win", "landing_pages", "lead_codes", "model_spread", "newcombe_interval",
           "touch_credits", "unique_sorted", "winning_assets"]
