"""Time-to-event tables for lead outcomes: Kaplan–Meier survival and Aalen–Johansen cumulative
incidence per group, as a thin adapter over statsmodels (``SurvfuncRight``, ``CumIncidenceRight``).

statsmodels estimates one sample at a time. This module splits the subjects by group, hands each
group to statsmodels, and lays the estimates on every distinct time of the group (event or
censoring) next to the counts behind them, adding what the notebooks read off the curves: the
log(−log) pointwise interval, quantiles and the step-function value at a day.

Sources:
- Kaplan & Meier (1958) product-limit estimator; Greenwood (1926) variance (statsmodels);
  log(−log) confidence interval (Kalbfleisch & Prentice 2002, §1.4; the default of R's ``survival``
  ``conf.type="log-log"`` and of lifelines).
- Aalen & Johansen (1978) cumulative incidence with competing risks; delta-method variance
  (Dinse & Larson 1986; Marubini & Valsecchi 1995, §10), as statsmodels computes it; log(−log)
  interval on the incidence.
- Medians and quartiles from a survival curve: smallest time t with S(t) ≤ 1 − q
  (Brookmeyer & Crowley 1982 for the interval read off the confidence band).

Times are whatever unit the caller gives (the playbook uses whole days since lead creation).
Censored leads count as at risk at their own time (an event and a censoring at the same time:
the event happens first, the usual convention). Speed (``benchmarks/survival.py``): on a million
leads the cost is statsmodels' own (one sort per group) plus a hash of the distinct times.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

ALL = "(all)"  # group label when no grouping is asked for
MISSING_GROUP = "(missing)"

KM_COLUMNS = ["group", "time", "at_risk", "events", "censored", "survival", "se", "ci_low", "ci_high"]
CIF_COLUMNS = ["group", "time", "at_risk", "events", "competing", "censored", "survival", "cif", "se",
               "ci_low", "ci_high"]


def _labels(events, censored: str) -> tuple[np.ndarray, list[str]]:
    """Integer code per subject (−1 = missing) into the sorted labels, which always include
    ``censored``; booleans read as True → ``'event'``, False → ``censored``."""
    raw = np.asarray(events).reshape(-1)
    if raw.dtype == bool:
        raw = np.where(raw, "event", censored)
    code, found = pd.factorize(raw.astype(object), sort=True)
    found = [str(x) for x in found]
    labels = sorted(set(found) | {censored})
    remap = np.array([labels.index(x) for x in found] + [-1], dtype=np.int64)  # a few labels; −1 stays −1
    return remap[code], labels


def _groups(durations, codes: np.ndarray, groups):
    """``(label, times, codes)`` per group, sorted by label; subjects with a missing time or
    label are left out."""
    t = np.asarray(durations, dtype=float).reshape(-1)
    ok = ~np.isnan(t) & (codes >= 0)
    if groups is None:
        return [(ALL, t[ok], codes[ok])] if ok.any() else []
    gser = pd.Series(np.asarray(groups, dtype=object).reshape(-1))
    gcode, glabels = pd.factorize(gser.where(gser.notna(), MISSING_GROUP), sort=True)
    gcode, t, codes = gcode[ok], t[ok], codes[ok]
    order = np.argsort(gcode, kind="stable")
    bounds = np.searchsorted(gcode[order], np.arange(len(glabels) + 1))
    out = []
    for j, label in enumerate(glabels):  # a handful of groups
        idx = order[bounds[j]:bounds[j + 1]]
        if len(idx):
            out.append((label, t[idx], codes[idx]))
    return out


def _counts(t: np.ndarray, codes: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted distinct times of ``t``, subjects at risk at each (time ≥ t) and counts per label
    there (the distinct times hashed, then ranked: cheaper than sorting every subject)."""
    code, uniq = pd.factorize(t)
    order = np.argsort(uniq)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    r = rank[code]
    counts = np.bincount(r * n_labels + codes, minlength=len(uniq) * n_labels).reshape(len(uniq), n_labels)
    at_risk = np.cumsum(counts.sum(axis=1)[::-1])[::-1]
    return np.asarray(uniq, dtype=float)[order], at_risk, counts


def event_table(durations, events, *, groups=None, censored: str = "censored") -> pd.DataFrame:
    """Counts per (group, time): ``group, time, total, at_risk, <one column per event label>``.

    ``events`` holds a label per subject (e.g. ``'won'``, ``'lost'``, ``'censored'``); booleans are
    read as ``True`` → ``'event'``, ``False`` → ``censored``. Subjects with a missing duration or
    label are ignored. ``at_risk`` at time t = subjects of the group whose time is ≥ t.
    Rows are sorted by group (stable, by name) then time.
    """
    codes, labels = _labels(events, censored)
    parts = []
    for g, t, c in _groups(durations, codes, groups):
        times, at_risk, counts = _counts(t, c, len(labels))
        part = pd.DataFrame({"group": g, "time": times, "total": counts.sum(axis=1).astype("int64"),
                             "at_risk": at_risk.astype("int64")})
        for j, lab in enumerate(labels):
            part[lab] = counts[:, j].astype("int64")
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["group", "time", "total", "at_risk", *labels])
    return pd.concat(parts, ignore_index=True)


def _loglog_ci(est: np.ndarray, se_log: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """CI for a probability p via θ = log(−log p): p^{exp(±z·se_θ)} with se_θ = se_log / |log p|,
    where ``se_log`` is the standard error of log p (Greenwood's sqrt(Σ d/(n(n−d))) for KM)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.log(est)
        se_theta = se_log / np.abs(lp)
        low = est ** np.exp(z * se_theta)
        high = est ** np.exp(-z * se_theta)
    return low, high


def _step(at: np.ndarray, times: np.ndarray, values: np.ndarray, before: float) -> np.ndarray:
    """Step function (``values`` from each of ``times`` on) read at ``at``; ``before`` earlier."""
    pos = np.searchsorted(times, at, side="right") - 1
    return np.where(pos >= 0, values[np.maximum(pos, 0)] if len(values) else before, before)


def kaplan_meier(durations, observed, *, groups=None, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier survival per group (statsmodels ``SurvfuncRight``), one row per distinct time
    (events or censorings).

    Ŝ(t) = Π_{t_j ≤ t} (1 − d_j / n_j)  (product-limit; d_j events, n_j at risk at t_j);
    Greenwood: Var Ŝ(t) = Ŝ(t)² Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j));
    95 % log(−log) interval: Ŝ^{exp(±z σ / log Ŝ)}, σ² = Σ d_j/(n_j(n_j − d_j)).

    Columns: ``group, time, at_risk, events, censored, survival, se, ci_low, ci_high``. Before the
    first event the interval is [1, 1]; where Ŝ reaches 0 it is undefined (NaN).
    ``observed`` is boolean (True = the event happened at that time, False = censored).
    """
    obs = np.asarray(observed, dtype=bool).reshape(-1).astype(np.int64)  # 0 censored, 1 event
    z = _st.norm.ppf(1 - alpha / 2)
    parts = []
    for g, t, c in _groups(durations, obs, groups):
        times, at_risk, counts = _counts(t, c, 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            sf = SurvfuncRight(t, c.astype(float))
        s = _step(times, sf.surv_times, sf.surv_prob, 1.0)
        se = _step(times, sf.surv_times, sf.surv_prob_se, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            low, high = _loglog_ci(s, se / s, z)
        none_yet = s >= 1.0
        bad = (s <= 0) | ~np.isfinite(se)
        parts.append(pd.DataFrame({
            "group": g, "time": times, "at_risk": at_risk.astype("int64"), "events": counts[:, 1].astype("int64"),
            "censored": counts[:, 0].astype("int64"), "survival": s, "se": se,
            "ci_low": np.where(bad, np.nan, np.where(none_yet, 1.0, low)),
            "ci_high": np.where(bad, np.nan, np.where(none_yet, 1.0, high))}))
    if not parts:
        return pd.DataFrame(columns=KM_COLUMNS)
    return pd.concat(parts, ignore_index=True)[KM_COLUMNS]


def cumulative_incidence(durations, events, *, event: str = "won", groups=None, censored: str = "censored",
                         alpha: float = 0.05) -> pd.DataFrame:
    """Aalen–Johansen cumulative incidence of ``event`` with every other non-censored label as a
    competing event (for leads: P(won by day t) with *lost* competing, open leads censored), per
    group (statsmodels ``CumIncidenceRight``).

    With n_j at risk, d_j events of interest, c_j competing events at t_j and Ŝ the all-cause
    Kaplan–Meier (any event ends the risk):
        F̂(t) = Σ_{t_j ≤ t} Ŝ(t_{j−1}) · d_j / n_j.
    Unlike 1 − KM(won, lost treated as censored), F̂ never counts a lost lead as a possible future
    customer, so it does not overstate the chance of winning.
    Delta-method variance (Marubini & Valsecchi 1995), with D_j = d_j + c_j:
        Var F̂(t) = Σ_j [F̂(t) − F̂(t_j)]² D_j/(n_j(n_j − D_j)) + Σ_j Ŝ(t_{j−1})² d_j (n_j − d_j)/n_j³
                   − 2 Σ_j [F̂(t) − F̂(t_j)] Ŝ(t_{j−1}) d_j / n_j².
    95 % interval on log(−log F̂). ``survival`` is the all-cause Ŝ = 1 − Σ (every cause's F̂).

    Columns: ``group, time, at_risk, events, competing, censored, survival (all-cause), cif, se,
    ci_low, ci_high``.
    """
    codes, labels = _labels(events, censored)
    if event not in labels:
        labels.append(event)  # never seen: an incidence of 0
    # statsmodels' status: 0 censored, 1 the event of interest, 2 any competing event
    status_of = np.array([0 if lab == censored else (1 if lab == event else 2) for lab in labels] + [-1])
    status = status_of[codes]
    z = _st.norm.ppf(1 - alpha / 2)
    parts = []
    for g, t, c in _groups(durations, status, groups):
        times, at_risk, counts = _counts(t, c, 3)
        if c.max() > 0:  # statsmodels' estimates are on the same sorted distinct times
            with np.errstate(divide="ignore", invalid="ignore"):
                ci = CumIncidenceRight(t, c)
            f = np.asarray(ci.cinc[0], dtype=float)
            se = np.asarray(ci.cinc_se[0], dtype=float)
            surv = np.clip(1 - np.sum(ci.cinc, axis=0), 0.0, 1.0)
        else:  # nothing happened yet in this group: every lead censored
            f, se, surv = np.zeros(len(times)), np.zeros(len(times)), np.ones(len(times))
        surv = np.where(at_risk == counts[:, 1] + counts[:, 2], 0.0, surv)  # everyone left: exactly 0
        with np.errstate(divide="ignore", invalid="ignore"):
            low, high = _loglog_ci(f, se / f, z)
        bad = (f >= 1) | np.isnan(se)
        parts.append(pd.DataFrame({
            "group": g, "time": times, "at_risk": at_risk.astype("int64"), "events": counts[:, 1].astype("int64"),
            "competing": counts[:, 2].astype("int64"), "censored": counts[:, 0].astype("int64"),
            "survival": surv, "cif": f, "se": se,
            "ci_low": np.where(bad, np.nan, np.where(f <= 0, 0.0, low)),
            "ci_high": np.where(bad, np.nan, np.where(f <= 0, 0.0, high))}))
    if not parts:
        return pd.DataFrame(columns=CIF_COLUMNS)
    return pd.concat(parts, ignore_index=True)[CIF_COLUMNS]


def _first_time_at_or_below(curve: pd.DataFrame, column: str, level: float) -> pd.Series:
    """Per group: the smallest ``time`` where ``curve[column] <= level`` (NaN if never)."""
    hit = curve[curve[column] <= level + 1e-12]
    first = hit.groupby("group", sort=False)["time"].min()
    groups = pd.Index(pd.unique(curve["group"]), name="group")
    return first.reindex(groups)


def km_quantiles(km: pd.DataFrame, quantiles=(0.25, 0.5, 0.75)) -> pd.DataFrame:
    """Time by which a share q of subjects had the event, from a :func:`kaplan_meier` table:
    t_q = min{t : Ŝ(t) ≤ 1 − q} (NaN when the curve never gets that low: "not reached").
    (statsmodels' ``SurvfuncRight.quantile`` uses a strict inequality, so a curve that lands exactly
    on 1 − q gives a later time there.)

    Columns: ``group``, ``q25``/``q50``/``q75`` (names from the quantiles), and for the median its
    95 % interval read off the log(−log) band (``q50_low`` from ci_low, ``q50_high`` from ci_high).
    """
    res = pd.DataFrame(index=pd.Index(pd.unique(km["group"]), name="group"))
    for q in quantiles:
        res[f"q{int(round(q * 100))}"] = _first_time_at_or_below(km, "survival", 1 - q)
    if 0.5 in quantiles:
        res["q50_low"] = _first_time_at_or_below(km.assign(ci_low=km["ci_low"].fillna(0)), "ci_low", 0.5)
        res["q50_high"] = _first_time_at_or_below(km.dropna(subset=["ci_high"]), "ci_high", 0.5)
    return res.reset_index()


def value_at(curve: pd.DataFrame, time: float, columns=("cif", "ci_low", "ci_high")) -> pd.DataFrame:
    """Step-function value of each group's curve at ``time`` (last row with time ≤ ``time``;
    0 for an incidence / 1 for a survival before the first row)."""
    cols = [c for c in columns if c in curve]
    upto = curve[curve["time"] <= time]
    last = upto.groupby("group", sort=False)[cols].last()
    groups = pd.Index(pd.unique(curve["group"]), name="group")
    fill = {c: (1.0 if c == "survival" else 0.0) for c in cols}
    res = last.reindex(groups)
    for c in cols:
        res[c] = res[c].fillna(fill[c])
    return res.reset_index()


def with_origin(curve: pd.DataFrame, column: str, start: float) -> pd.DataFrame:
    """Prepend a ``time == 0`` row per group (``column == start``) so step plots start at the origin."""
    groups = pd.unique(curve["group"])
    zero = pd.DataFrame({"group": groups, "time": 0.0})
    for c in curve.columns:
        if c not in ("group", "time"):
            zero[c] = 1.0 if c == "survival" else (start if c in (column, "ci_low", "ci_high") else 0)
    need = zero[~zero["group"].isin(curve.loc[curve["time"] <= 0, "group"])]
    out = pd.concat([need, curve], ignore_index=True)
    return out.sort_values(["group", "time"], kind="stable").reset_index(drop=True)


__all__ = ["cumulative_incidence", "event_table", "kaplan_meier", "km_quantiles", "value_at", "with_origin"]
