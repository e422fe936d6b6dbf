"""The SLA clock: months in the client's calendar, elapsed (or working) hours, and who is a new MQL
when.

Time is measured as elapsed real time between tz-aware timestamps (so a DST change never adds or
removes an hour); days, weeks and months are the client's local calendar. With
``sla.business_hours`` only working time counts (local wall-clock window on ``sla.working_days``,
``sla.holidays`` excluded).
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

#: Value of a group column (owner, team, lead type) that the export leaves empty.
MISSING_GROUP = "(missing)"


# --------------------------------------------------------------------------------------------
# calendar and timestamps
# --------------------------------------------------------------------------------------------
def period_bounds(period: str, tz) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local midnight at the start of month ``period`` (``YYYY-MM``) and of the next month, tz-aware.

    A midnight that does not exist (DST at 24:00, e.g. America/Santiago) shifts forward.
    """
    p = pd.Period(period, freq="M")
    start = p.start_time.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    end = (p + 1).start_time.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    return start, end


def month_start_before(ts: pd.Timestamp, months: int, tz) -> pd.Timestamp:
    """Local midnight on the first day of the month ``months`` months before the month of ``ts``."""
    start = (pd.Timestamp(ts.tz_localize(None)).to_period("M") - months).start_time
    return start.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)


def local_times(s: pd.Series, tz) -> pd.Series:
    """Timestamps in the client's timezone (naive values are taken as already local)."""
    s = pd.to_datetime(pd.Series(s))
    if getattr(s.dt, "tz", None) is None:
        return s.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
    return s.dt.tz_convert(tz)


def data_end(client) -> pd.Timestamp:
    """``client.data_end`` (the data's "now") in the client's timezone."""
    end = pd.Timestamp(client.data_end)
    return end.tz_localize(client.tz) if end.tzinfo is None else end.tz_convert(client.tz)


def as_of(client, period: str | None) -> pd.Timestamp:
    """What could be known at the start of month ``period``: data up to the period start (or
    ``data_end`` if earlier); ``data_end`` when ``period`` is None. The goal of a month is what could
    have been set on its first day."""
    end = data_end(client)
    if period is None:
        return end
    p0, _ = period_bounds(period, client.tz)
    return min(end, p0)


def holidays_for(client, holidays: Sequence | None) -> Sequence:
    """Explicit holidays, else ``client.config.sla.holidays``."""
    return client.config.sla.holidays if holidays is None else holidays


# --------------------------------------------------------------------------------------------
# working time
# --------------------------------------------------------------------------------------------
def parse_business_hours(text: str | None) -> tuple[float, float] | None:
    """``"09:00-18:00"`` -> (32400.0, 64800.0) seconds after local midnight; None -> None."""
    if not text:
        return None
    try:
        a, b = (part.strip() for part in str(text).split("-"))
        secs = []
        for part in (a, b):
            hh, mm = part.split(":")
            secs.append(int(hh) * 3600 + int(mm) * 60)
    except ValueError:
        raise ValueError(f"sla.business_hours must look like '09:00-18:00', found {text!r}") from None
    if not 0 <= secs[0] < secs[1] <= 86400:
        raise ValueError(f"sla.business_hours must open before it closes within one day, found {text!r}")
    return float(secs[0]), float(secs[1])


def weekmask(working_days: Iterable[int]) -> str:
    """numpy weekmask from working weekdays (Monday=0): [0..4] -> '1111100'."""
    days = set(int(d) for d in working_days)
    if not days or not days <= set(range(7)):
        raise ValueError(f"working_days must be weekday numbers 0 (Monday) to 6, found {sorted(days)}")
    return "".join("1" if d in days else "0" for d in range(7))


_REF_DAY = np.datetime64("2000-01-03", "D")  # a Monday; only differences of the cumulative count matter


def _working_seconds_since_ref(ts: pd.Series, tz, window: tuple[float, float], mask: str,
                               holidays: Sequence | None = None) -> np.ndarray:
    """Cumulative working seconds from a fixed reference day to each timestamp.

    W(t) = (working days before t's local date) × window length + the part of t's own day inside the
    window (0 on non-working days). Working time between a and b is W(b) − W(a).
    """
    local = local_times(ts, tz)
    ok = local.notna().to_numpy()
    out = np.full(len(local), np.nan)
    if not ok.any():
        return out
    loc = local[ok]
    days = loc.dt.tz_localize(None).dt.normalize().to_numpy().astype("datetime64[D]")
    hol = np.asarray(holidays if holidays is not None else [], dtype="datetime64[D]")
    before = np.busday_count(_REF_DAY, days, weekmask=mask, holidays=hol).astype(float)
    sod = (loc.dt.hour * 3600 + loc.dt.minute * 60 + loc.dt.second + loc.dt.microsecond / 1e6).to_numpy(float)
    is_work = np.is_busday(days, weekmask=mask, holidays=hol)
    open_s, close_s = window
    inside = np.where(is_work, np.clip(sod, open_s, close_s) - open_s, 0.0)
    out[ok] = before * (close_s - open_s) + inside
    return out


def elapsed_hours(start: pd.Series, end: pd.Series, *, tz="UTC", business_hours: str | None = None,
                  working_days: Iterable[int] = (0, 1, 2, 3, 4), holidays: Sequence | None = None) -> pd.Series:
    """Hours from ``start`` to ``end`` (elementwise; NaN where either is missing).

    Without ``business_hours``: real elapsed time, (end − start) on tz-aware timestamps — a DST change
    never adds or removes an hour. With ``business_hours`` ("09:00-18:00"): only the time inside that
    local wall-clock window on ``working_days`` (Monday=0) counts, holidays excluded.
    """
    start = pd.Series(start).reset_index(drop=True)
    end = pd.Series(end).reset_index(drop=True)
    window = parse_business_hours(business_hours)
    if window is None:
        s = local_times(start, tz)
        e = local_times(end, tz)
        return (e - s).dt.total_seconds() / 3600
    mask = weekmask(working_days)
    ws = _working_seconds_since_ref(start, tz, window, mask, holidays)
    we = _working_seconds_since_ref(end, tz, window, mask, holidays)
    return pd.Series((we - ws) / 3600, dtype=float)


# --------------------------------------------------------------------------------------------
# who is a new MQL, and when did the SLA clock start
# --------------------------------------------------------------------------------------------
def sla_start(leads: pd.DataFrame) -> tuple[pd.Series, str]:
    """When the SLA clock starts for each lead: ``mql_at`` when the client records it (leads without it
    are not MQLs: NaT), else ``created_at`` (every lead is treated as a new MQL). Returns (times, basis)."""
    if "mql_at" in leads and leads["mql_at"].notna().any():
        return leads["mql_at"], "mql_at"
    return leads["created_at"], "created_at"


def group_column(df: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` as objects with :data:`MISSING_GROUP` for empty cells (all of them when absent)."""
    if name in df:
        s = df[name].astype("object")
        return s.where(s.notna(), MISSING_GROUP)
    return pd.Series(MISSING_GROUP, index=df.index, dtype="object")


def base_leads(client, period: str | None, lead_type: str | None = None) -> tuple[pd.DataFrame, str]:
    """New MQLs (of ``period`` if given) with lead_id, owner, team, lead_type, start_at (local), sorted
    by start and id; and the basis of the clock (``mql_at`` or ``created_at``)."""
    lt = lead_type or client.config.sla.lead_type
    if hasattr(client, "cached"):  # every SLA table starts here, month after month: build it once
        base, basis = client.cached(("sla_base_leads", lt, str(client.tz)), lambda: _all_base_leads(client, lt))
    else:
        base, basis = _all_base_leads(client, lt)
    if period:
        p0, p1 = period_bounds(period, client.tz)
        base = base[(base["start_at"] >= p0) & (base["start_at"] < p1)].reset_index(drop=True)
    return base, basis


def _all_base_leads(client, lt: str) -> tuple[pd.DataFrame, str]:
    leads = client.leads
    tz = client.tz
    start, basis = sla_start(leads)
    base = pd.DataFrame({
        "lead_id": leads["lead_id"].array,
        "owner": group_column(leads, "owner").array,
        "team": group_column(leads, "team").array,
        "lead_type": group_column(leads, lt).array,
        "start_at": local_times(start, tz).array,
    })
    base = base[base["start_at"].notna()]
    base = base.sort_values(["start_at", "lead_id"], kind="stable").reset_index(drop=True)
    return base, basis


def map_times(keys: pd.Series, times: pd.Series, dtype) -> pd.Series:
    """``keys.map(times)`` that stays a datetime column when nothing matches."""
    if len(times) == 0 or len(keys) == 0:
        return pd.Series(pd.NaT, index=keys.index, dtype=dtype)
    return keys.map(times).astype(dtype)


__all__ = [
    "MISSING_GROUP", "as_of", "base_leads", "data_end", "elapsed_hours", "group_column", "holidays_for",
    "local_times", "map_times", "month_start_before", "parse_business_hours", "period_bounds", "sla_start",
    "weekmask",
]
