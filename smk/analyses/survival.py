"""Time-to-event estimators for lead outcomes: Kaplan–Meier and Aalen–Johansen cumulative incidence.

Everything works on *event-time aggregates*: leads are first counted per (group, time, outcome)
with one ``groupby``, and the estimators are cumulative sums / products over those distinct
times, so a million leads cost about as much as the number of distinct days they close on.

Sources:
- Kaplan & Meier (1958) product-limit estimator; Greenwood (1926) variance;
  log(−log) confidence interval (Kalbfleisch & Prentice 2002, §1.4; the default of R's ``survival``
  ``conf.type="log-log"`` and of lifelines).
- Aalen & Johansen (1978) cumulative incidence with competing risks; delta-method variance
  (Dinse & Larson 1986; Marubini & Valsecchi 1995, §10), the same formula as statsmodels'
  ``CumIncidenceRight``; log(−log) interval on the incidence.
- Medians and quartiles from a survival curve: smallest time t with S(t) ≤ 1 − q
  (Brookmeyer & Crowley 1982 for the interval read off the confidence band).

Times are whatever unit the caller gives (the playbook uses whole days since lead creation).
Censored leads count as at risk at their own time (an event and a censoring at the same time:
the event happens first, the usual convention).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

ALL = "(all)"  # group label when no grouping is asked for

KM_COLUMNS = ["group", "time", "at_risk", "events", "censored", "survival", "se", "ci_low", "ci_high"]
CIF_COLUMNS = ["group", "time", "at_risk", "events", "competing", "censored", "survival", "cif", "se",
               "ci_low", "ci_high"]


def event_table(durations, events, *, groups=None, censored: str = "censored") -> pd.DataFrame:
    """Counts per (group, time): ``group, time, total, at_risk, <one column per event label>``.

    ``events`` holds a label per subject (e.g. ``'won'``, ``'lost'``, ``'censored'``); booleans are
    read as ``True`` → ``'event'``, ``False`` → ``censored``. Subjects with a missing duration or
    label are ignored. ``at_risk`` at time t = subjects of the group whose time is ≥ t.
    Rows are sorted by group (stable, by name) then time.
    """
    t = np.asarray(durations, dtype=float).reshape(-1)
    raw = np.asarray(events)
    if raw.dtype == bool:
        raw = np.where(raw, "event", censored)
    ecode, elabels = pd.factorize(pd.Series(raw.astype(object)), sort=True)
    elabels = [str(x) for x in elabels]
    if groups is None:
        gcode, glabels = np.zeros(len(t), dtype=np.int64), np.array([ALL], dtype=object)
    else:
        gser = pd.Series(np.asarray(groups, dtype=object))
        gser = gser.where(gser.notna(), "(missing)")
        gcode, glabels = pd.factorize(gser, sort=True)
        glabels = np.asarray(glabels, dtype=object)
    labels = sorted(set(elabels) | {censored})
    remap = np.array([labels.index(x) for x in elabels], dtype=np.int64)  # a few labels
    ok = ~np.isnan(t) & (ecode >= 0)
    if not ok.any():
        return pd.DataFrame(columns=["group", "time", "total", "at_risk", *labels])
    gc, tt, ec = gcode[ok], t[ok], remap[ecode[ok]]
    order = np.lexsort((tt, gc))
    gc, tt, ec = gc[order], tt[order], ec[order]
    new = np.r_[True, (gc[1:] != gc[:-1]) | (tt[1:] != tt[:-1])]
    run = np.cumsum(new) - 1
    n_runs, n_lab = int(run[-1]) + 1, len(labels)
    counts = np.bincount(run * n_lab + ec, minlength=n_runs * n_lab).reshape(n_runs, n_lab)
    rg = gc[new]
    total = counts.sum(axis=1)
    # at risk at t = group size − subjects of the group with time < t
    cum = np.cumsum(total)
    grp_start = np.r_[True, rg[1:] != rg[:-1]]
    start_cum = (cum - total)[grp_start][np.cumsum(grp_start) - 1]
    grp_total = np.bincount(rg, weights=total)[rg]
    before = cum - total - start_cum
    tab = pd.DataFrame({"group": glabels[rg], "time": tt[new], "total": total.astype("int64"),
                        "at_risk": (grp_total - before).astype("int64")})
    for j, lab in enumerate(labels):
        tab[lab] = counts[:, j].astype("int64")
    return tab


def _loglog_ci(est: np.ndarray, se_log: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """CI for a probability p via θ = log(−log p): p^{exp(±z·se_θ)} with se_θ = se_log / |log p|,
    where ``se_log`` is the standard error of log p (Greenwood's sqrt(Σ d/(n(n−d))) for KM)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.log(est)
        se_theta = se_log / np.abs(lp)
        low = est ** np.exp(z * se_theta)
        high = est ** np.exp(-z * se_theta)
    return low, high


def kaplan_meier(durations, observed, *, groups=None, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier survival per group, one row per distinct time (events or censorings).

    Ŝ(t) = Π_{t_j ≤ t} (1 − d_j / n_j)  (product-limit; d_j events, n_j at risk at t_j);
    Greenwood: Var Ŝ(t) = Ŝ(t)² Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j));
    95 % log(−log) interval: Ŝ^{exp(±z σ / log Ŝ)}, σ² = Σ d_j/(n_j(n_j − d_j)).

    Columns: ``group, time, at_risk, events, censored, survival, se, ci_low, ci_high``. Before the
    first event the interval is [1, 1]; where Ŝ reaches 0 it is undefined (NaN).
    ``observed`` is boolean (True = the event happened at that time, False = censored).
    """
    obs = np.asarray(observed, dtype=bool)
    tab = event_table(durations, np.where(obs, "event", "censored"), groups=groups)
    if "event" not in tab:
        tab["event"] = 0
    out = tab.rename(columns={"event": "events"})
    n = out["at_risk"].to_numpy(float)
    d = out["events"].to_numpy(float)
    out["survival"] = (1 - d / n)
    out["survival"] = out.groupby("group", sort=False)["survival"].cumprod()
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(d > 0, d / (n * (n - d)), 0.0)
    out["_gw"] = term
    out["_gw"] = out.groupby("group", sort=False)["_gw"].cumsum()
    s = out["survival"].to_numpy(float)
    gw = out["_gw"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        out["se"] = np.where(np.isfinite(gw), s * np.sqrt(gw), np.nan)
    z = _st.norm.ppf(1 - alpha / 2)
    low, high = _loglog_ci(s, np.sqrt(gw), z)
    none_yet = s >= 1.0
    low = np.where(none_yet, 1.0, low)
    high = np.where(none_yet, 1.0, high)
    bad = (s <= 0) | ~np.isfinite(gw)
    out["ci_low"] = np.where(bad, np.nan, low)
    out["ci_high"] = np.where(bad, np.nan, high)
    return out[KM_COLUMNS].reset_index(drop=True)


def cumulative_incidence(durations, events, *, event: str = "won", groups=None, censored: str = "censored",
                         alpha: float = 0.05) -> pd.DataFrame:
    """Aalen–Johansen cumulative incidence of ``event`` with every other non-censored label as a
    competing event (for leads: P(won by day t) with *lost* competing, open leads censored).

    With n_j at risk, d_j events of interest, c_j competing events at t_j and Ŝ the all-cause
    Kaplan–Meier (any event ends the risk):
        F̂(t) = Σ_{t_j ≤ t} Ŝ(t_{j−1}) · d_j / n_j.
    Unlike 1 − KM(won, lost treated as censored), F̂ never counts a lost lead as a possible future
    customer, so it does not overstate the chance of winning.
    Delta-method variance (Marubini & Valsecchi 1995; statsmodels ``CumIncidenceRight``), with
    D_j = d_j + c_j:
        Var F̂(t) = Σ_j [F̂(t) − F̂(t_j)]² D_j/(n_j(n_j − D_j)) + Σ_j Ŝ(t_{j−1})² d_j (n_j − d_j)/n_j³
                   − 2 Σ_j [F̂(t) − F̂(t_j)] Ŝ(t_{j−1}) d_j / n_j²,
    computed with cumulative sums (the square is expanded), so it stays O(times).
    95 % interval on log(−log F̂).

    Columns: ``group, time, at_risk, events, competing, censored, survival (all-cause), cif, se,
    ci_low, ci_high``.
    """
    tab = event_table(durations, events, groups=groups, censored=censored)
    labels = [c for c in tab.columns if c not in ("group", "time", "total", "at_risk")]
    if event not in tab:
        tab[event] = 0
    competing = [c for c in labels if c not in (event, censored)]
    out = pd.DataFrame({"group": tab["group"], "time": tab["time"], "at_risk": tab["at_risk"],
                        "events": tab[event].astype("int64"),
                        "competing": tab[competing].sum(axis=1).astype("int64") if competing else 0,
                        "censored": tab[censored].astype("int64")})
    g = out["group"]
    n = out["at_risk"].to_numpy(float)
    d = out["events"].to_numpy(float)
    da = d + out["competing"].to_numpy(float)
    surv = pd.Series(1 - da / n, index=out.index).groupby(g, sort=False).cumprod()
    s_prev = surv.groupby(g, sort=False).shift(1).fillna(1.0).to_numpy(float)
    out["survival"] = surv.to_numpy(float)
    f = pd.Series(s_prev * d / n, index=out.index).groupby(g, sort=False).cumsum().to_numpy(float)
    out["cif"] = f

    def csum(x) -> np.ndarray:
        return pd.Series(x, index=out.index).groupby(g, sort=False).cumsum().to_numpy(float)

    with np.errstate(divide="ignore", invalid="ignore"):
        ra = np.where(da > 0, da / (n * (n - da)), 0.0)
        v = f**2 * csum(ra) - 2 * f * csum(f * ra) + csum(f**2 * ra)
        v += csum(s_prev**2 * (n - d) * d / n**3)
        rb = s_prev * d / n**2
        v += -2 * f * csum(rb) + 2 * csum(f * rb)
    v = np.where(np.isfinite(v), np.maximum(v, 0.0), np.nan)
    out["se"] = np.sqrt(v)
    z = _st.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = _loglog_ci(f, out["se"].to_numpy(float) / f, z)
    low = np.where(f <= 0, 0.0, low)
    high = np.where(f <= 0, 0.0, high)
    bad = (f >= 1) | np.isnan(v)
    out["ci_low"] = np.where(bad, np.nan, low)
    out["ci_high"] = np.where(bad, np.nan, high)
    return out[CIF_COLUMNS].reset_index(drop=True)


def _first_time_at_or_below(curve: pd.DataFrame, column: str, level: float) -> pd.Series:
    """Per group: the smallest ``time`` where ``curve[column] <= level`` (NaN if never)."""
    hit = curve[curve[column] <= level + 1e-12]
    first = hit.groupby("group", sort=False)["time"].min()
    groups = pd.Index(pd.unique(curve["group"]), name="group")
    return first.reindex(groups)


def km_quantiles(km: pd.DataFrame, quantiles=(0.25, 0.5, 0.75)) -> pd.DataFrame:
    """Time by which a share q of subjects had the event, from a :func:`kaplan_meier` table:
    t_q = min{t : Ŝ(t) ≤ 1 − q} (NaN when the curve never gets that low: "not reached").

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
