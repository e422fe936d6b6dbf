"""The marketing dashboard (seed 000 ch. 4, "El cuadro de mando de marketing"): daily new MQLs of a
month, cumulative, against the goal line prorated by calendar or working days, with a projection
to month end, its 95 % interval and a status (behind / on track / ahead).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from smk.analyses.sla import clock
from smk.analyses.sla.goal import monthly_mql_goal

#: Status of a month's pacing: under the goal line by more than the tolerance, within it, over it;
#: the month has not started in the data; there is no goal.
PACING_STATUSES = ("behind", "on_track", "ahead", "not_started", "no_goal")


@dataclass(frozen=True)
class Pacing:
    """The marketing dashboard for one month (see :func:`pacing`). ``status``: one of
    :data:`PACING_STATUSES`."""

    period: str
    daily: pd.DataFrame
    goal: float | None
    as_of: pd.Timestamp | None
    mqls_so_far: int
    goal_to_date: float
    elapsed_units: float
    total_units: float
    projection: float
    projection_low: float
    projection_high: float
    prob_reaching_goal: float
    needed_per_remaining_day: float
    status: str
    basis: str
    pacing_rule: str
    complete: bool
    tolerance: float
    extra: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row: period, goal, mqls_so_far, goal_to_date, projection (and 95 % interval), status."""
        return pd.DataFrame([{
            "period": self.period, "goal": self.goal, "mqls_so_far": self.mqls_so_far,
            "goal_to_date": self.goal_to_date, "projection": self.projection,
            "projection_low": self.projection_low, "projection_high": self.projection_high,
            "prob_reaching_goal": self.prob_reaching_goal,
            "needed_per_remaining_day": self.needed_per_remaining_day,
            "status": self.status, "complete": self.complete, "pacing": self.pacing_rule,
        }])


def _day_units(days: pd.DatetimeIndex, rule: str, mask: str, holidays) -> np.ndarray:
    if rule == "calendar":
        return np.ones(len(days))
    hol = np.asarray(holidays if holidays is not None else [], dtype="datetime64[D]")
    return np.is_busday(days.to_numpy().astype("datetime64[D]"), weekmask=mask, holidays=hol).astype(float)


def pacing_from_events(events: pd.Series, period: str, goal: float | None, *, tz="UTC", as_of=None,
                       rule: str = "calendar", working_days: Iterable[int] = (0, 1, 2, 3, 4),
                       holidays: Sequence | None = None, tolerance: float = 0.10, alpha: float = 0.05,
                       basis: str = "mql_at") -> Pacing:
    """Pacing of a month from event timestamps (one per new MQL); see :func:`pacing`.

    Goal line: goal × (units elapsed by the end of each day ÷ units in the month), units = calendar days
    or working days (``rule``). ``as_of`` (default: the end of the month) cuts the month: events after it
    are ignored and the day of ``as_of`` counts by the fraction of it elapsed (local time); an ``as_of``
    in the last minute of the month (exports often stop at 23:59) counts as the whole month.
    Projection: k MQLs in t elapsed units → k·T/t; 95 % interval from the Poisson–Gamma predictive
    (Jeffreys prior): future count ~ NegBin(k + ½, t / T) — it includes both the uncertainty of the
    daily rate and the randomness of the days left. Status from the projection ÷ goal (= MQLs so far ÷
    goal to date): below 1 − tolerance → ``behind``, above 1 + tolerance → ``ahead``, else ``on_track``.
    """
    if rule not in ("calendar", "working_days"):
        raise ValueError(f"pacing must be 'calendar' or 'working_days', found {rule!r}")
    mask = clock.weekmask(working_days)
    p0, p1 = clock.period_bounds(period, tz)
    days = pd.date_range(p0.tz_localize(None), (p1.tz_localize(None) - pd.Timedelta(days=1)), freq="D")
    units = _day_units(days, rule, mask, holidays)
    total = float(units.sum())
    ev = clock.local_times(pd.Series(events).dropna(), tz)
    as_of_ts = p1 if as_of is None else clock.local_times(pd.Series([pd.Timestamp(as_of)]), tz).iloc[0]
    cut = min(max(as_of_ts, p0), p1)
    if p1 - cut <= pd.Timedelta(minutes=1):  # data ending at 23:59(:59) on the last day: the whole month
        cut = p1
    ev = ev[(ev >= p0) & (ev < p1) & (ev <= cut)]
    day_of = ev.dt.tz_localize(None).dt.normalize()
    counts = day_of.value_counts().reindex(days, fill_value=0).astype("int64").to_numpy()
    # elapsed units: whole days before the cut's local date + the elapsed fraction of that day
    cut_local = cut.tz_localize(None)
    if cut >= p1:
        frac_units = units.copy()
    else:
        frac_units = np.zeros(len(days))
        cut_day = cut_local.normalize()
        before = days < cut_day
        frac_units[before] = units[before]
        on = days == cut_day
        if on.any():
            day_start = cut_day.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
            day_end = (cut_day + pd.Timedelta(days=1)).tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
            frac = (cut - day_start) / (day_end - day_start)
            frac_units[on] = units[on] * float(frac)
    t = float(frac_units.sum())
    observed_day = days <= cut_local.normalize() if cut < p1 else np.ones(len(days), bool)
    if cut < p1 and cut == cut_local.normalize().tz_localize(tz, nonexistent="shift_forward", ambiguous=False):
        observed_day = days < cut_local.normalize()  # the cut is exactly midnight: that day has not started
    cum = np.cumsum(counts).astype(float)
    goal_f = None if goal is None or (isinstance(goal, float) and np.isnan(goal)) else float(goal)
    cum_units = np.cumsum(units)
    daily = pd.DataFrame({
        "date": days, "working_day": units > 0, "mqls": counts,
        "cumulative": np.where(observed_day, cum, np.nan),
        "goal_line": (goal_f * cum_units / total) if (goal_f is not None and total > 0) else np.nan,
    })
    k = int(counts.sum())
    remaining = max(total - t, 0.0)
    if t <= 0 or total <= 0:
        status, proj, lo, hi, prob = "not_started", np.nan, np.nan, np.nan, np.nan
        goal_to_date = 0.0
    else:
        proj = k * total / t
        if remaining > 0:
            pnb = t / (t + remaining)
            lo = k + float(_st.nbinom.ppf(alpha / 2, k + 0.5, pnb))
            hi = k + float(_st.nbinom.ppf(1 - alpha / 2, k + 0.5, pnb))
        else:
            lo = hi = float(k)
        goal_to_date = goal_f * t / total if goal_f is not None else np.nan
        if goal_f is None or goal_f <= 0:
            status, prob = "no_goal", np.nan
        else:
            need = goal_f - k
            if remaining > 0:
                prob = 1.0 if need <= 0 else float(_st.nbinom.sf(np.ceil(need) - 1, k + 0.5, t / (t + remaining)))
            else:
                prob = float(k >= goal_f)
            ratio = proj / goal_f
            status = "behind" if ratio < 1 - tolerance else ("ahead" if ratio > 1 + tolerance else "on_track")
    # projection line for the days after the cut (expected cumulative and interval at month end, linear)
    if t > 0 and remaining > 0:
        rate = k / t
        after = ~observed_day
        proj_line = np.where(after, k + rate * (cum_units - t), np.nan)
        daily["projection"] = proj_line
        share = np.where(after, (cum_units - t) / remaining, np.nan)
        daily["projection_low"] = k + share * (lo - k)
        daily["projection_high"] = k + share * (hi - k)
    else:
        daily["projection"] = np.nan
        daily["projection_low"] = np.nan
        daily["projection_high"] = np.nan
    days_left = float(units[~observed_day].sum()) if cut < p1 else 0.0
    need_per_day = (max(goal_f - k, 0) / remaining) if (goal_f is not None and remaining > 0) else np.nan
    return Pacing(period=str(pd.Period(period, freq="M")), daily=daily, goal=goal_f,
                  as_of=None if cut >= p1 else cut, mqls_so_far=k, goal_to_date=float(goal_to_date),
                  elapsed_units=t, total_units=total, projection=float(proj), projection_low=float(lo),
                  projection_high=float(hi), prob_reaching_goal=float(prob),
                  needed_per_remaining_day=float(need_per_day), status=status, basis=basis, pacing_rule=rule,
                  complete=cut >= p1, tolerance=tolerance, extra={"days_left": days_left})


def pacing(client, period: str | None = None, *, goal: float | None = None, tolerance: float | None = None,
           holidays: Sequence | None = None) -> Pacing:
    """The marketing dashboard for ``period`` (default: the client's default period): daily new MQLs
    (``mql_at``, else ``created_at``), cumulative, against the goal line; projection to month end with
    a 95 % interval; status (behind / on track / ahead; the views give the seed's advice for each).

    ``goal`` defaults to :func:`smk.analyses.sla.goal.monthly_mql_goal` ``['goal']``. The month is cut at
    ``client.data_end`` (a partial month is projected; a month with no leads is "behind" once time has
    passed). Pacing rule: ``client.config.marketing.pacing`` (calendar / working_days, with
    ``sla.working_days``). ``.daily``: ``date, working_day, mqls, cumulative, goal_line, projection,
    projection_low, projection_high``.
    """
    period = period or client.default_period()
    g = monthly_mql_goal(client, period) if goal is None else {"goal": goal}
    start, basis = clock.sla_start(client.leads)
    return pacing_from_events(start, period, g.get("goal"), tz=client.tz, as_of=clock.data_end(client),
                              rule=client.config.marketing.pacing, working_days=client.config.sla.working_days,
                              holidays=clock.holidays_for(client, holidays),
                              tolerance=client.config.marketing.pacing_tolerance if tolerance is None else tolerance,
                              alpha=client.config.analysis.alpha,
                              basis=basis)


__all__ = ["PACING_STATUSES", "Pacing", "pacing", "pacing_from_events"]
