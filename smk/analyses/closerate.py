"""Notebook 03: which channels, offers, segments and reps turn leads into customers, how fast,
and whether the differences are real.

Method (../shared/docs/DOMAIN.md §1, §2, §5; seed 000 "sistema de reporte de ciclo cerrado" and
"el ciclo de ventas"):

- **days are calendar days** in the client's time zone (:data:`CYCLE_UNIT`): a lead created on 1 March
  and won on 3 March took 2 days, whatever the hours; the close window, the age of a lead, the curves
  and the sales cycle all count them the same way (:func:`calendar_days`);
- **population** (:func:`lead_table`, column ``in_scope``): leads created in the months the outcome data
  cover (``smk.analyses.outcomes.outcome_coverage``: a deals export that starts a year after the leads
  leaves the earlier cohorts without any recorded outcome, which is missing data, not failure) and whose
  win or loss is not dated before the lead was created (those are *set aside*, listed in the result,
  never turned into a 0-day win);
- close rate = customers ÷ leads per group, Wilson 95 % interval, Fisher test of each group
  against the rest with a Benjamini–Hochberg correction, chi-square test of "does the dimension
  matter at all" (``smk.analyses.stats.rate_table``); groups under ``analysis.min_group_size`` are shown but
  never called different; values such as "unknown" or "n/a" count with the empty ones as one missing
  group (:data:`MISSING_TOKENS`);
- censoring: by default a lead counts as a customer only if it was won within
  ``analysis.close_window_days`` (N) of its creation, and only leads at least N days old at
  ``client.data_end`` enter. On leads that old nothing is censored before day N, so this share is
  exactly the competing-risk (Aalen–Johansen) cumulative incidence of winning at day N. Cumulative
  close curves are Aalen–Johansen incidences with *lost* as a competing event (``smk.analyses.survival``);
- cross-check of every verdict (:func:`decided_rates`, :func:`cross_check`): the same groups compared on
  won ÷ (won + lost) among the same leads; when the two disagree, the reason is named (groups that keep
  many leads open beyond N days, a window shorter than the cycle's third quartile) and both are shown;
- funnel by channel: visits → leads → MQL → SQL → customers, step rates against the overall step
  rate (a channel "leaks" at a step when its rate is significantly below the overall one);
- sales cycle: calendar days from lead (or MQL) to won, quartiles among won leads, and a Kaplan–Meier
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
from smk.analyses.outcomes import lead_outcomes, outcome_coverage
from smk.errors import NotEnoughData

#: Dimensions close rates can be broken down by (lead columns, plus derived ones).
DIMENSIONS: tuple[str, ...] = ("channel", "offer", "activity", "industry", "size_band", "country", "owner",
                               "team", "cohort")
TOTAL = "(all)"
MISSING = "(missing)"
STEPS: tuple[str, ...] = ("visit_to_lead", "lead_to_mql", "mql_to_sql", "sql_to_customer")
_STEP_COUNTS = {"visit_to_lead": ("visits", "leads"), "lead_to_mql": ("leads", "mqls"),
                "mql_to_sql": ("mqls", "sqls"), "sql_to_customer": ("sqls", "customers")}
#: The unit of every duration in 03 (and of the cycles 06 quotes): calendar days in the client's time zone.
CYCLE_UNIT = "calendar_days"
#: Lead columns that group leads (their empty and placeholder values form one missing group).
GROUP_COLUMNS: tuple[str, ...] = ("channel", "offer", "industry", "country", "owner", "team")
#: Values a CRM writes for "not recorded"; compared trimmed and case-folded. They count as missing, so one
#: missing value is not shown as two groups (empty, and the literal "unknown").
MISSING_TOKENS: frozenset[str] = frozenset({
    "unknown", "(unknown)", "n/a", "na", "n.a.", "null", "(null)", "nan", "none", "(none)", "-", "--", "?",
    "not set", "(not set)", "undefined", "not specified", "unspecified", "desconocido", "sin dato", "sin datos",
    "no disponible", "no definido"})
#: Why a lead is set aside (codes; texts closerate.values.set_aside.<code>).
SET_ASIDE_REASONS: tuple[str, ...] = ("won_before_created", "lost_before_created")


# --------------------------------------------------------------------------------------------
# days, groups and the per-lead table
# --------------------------------------------------------------------------------------------
def local_day(ts, tz) -> pd.Series:
    """The calendar day (naive midnight) of each timestamp in the client's time zone ``tz``."""
    s = pd.Series(ts) if not isinstance(ts, pd.Series) else ts
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert(tz).dt.tz_localize(None)
    return s.dt.normalize()


def calendar_days(start, end, tz) -> pd.Series:
    """Calendar days from ``start`` to ``end`` in ``tz`` (float, NaN where either is missing): the day of
    ``end`` minus the day of ``start``, so 23:00 on 1 March to 01:00 on 2 March is 1 day and 01:00 to
    23:00 on the same day is 0. Negative when ``end`` falls on an earlier day."""
    s, e = local_day(start, tz), local_day(end, tz)
    return ((e - s).dt.days).astype(float)


def clean_groups(values: pd.Series) -> tuple[pd.Series, dict[str, int]]:
    """A grouping column with :data:`MISSING_TOKENS` turned into missing values (object dtype), and how
    many leads carried each literal placeholder (``{"unknown": 1099}``), so the report can say it
    merged them with the empty ones."""
    s = values.astype("object")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)  # a few distinct values, checked once each
    if not len(uniques):
        return s, {}
    shown = pd.Index(uniques).astype(str).str.strip()
    folded = shown.str.casefold()
    bad = np.asarray(folded.isin(MISSING_TOKENS) | (folded == ""), dtype=bool)
    if not bad.any():
        return s, {}
    hit = (codes >= 0) & bad[np.maximum(codes, 0)]
    counts = np.bincount(codes[hit], minlength=len(uniques))
    merged: dict[str, int] = {}
    for i in np.flatnonzero(bad):  # the placeholders found (a handful); blank text is simply empty
        if shown[i]:
            merged[str(shown[i])] = merged.get(str(shown[i]), 0) + int(counts[i])
    out = s.copy()
    out[hit] = None
    return out, dict(sorted(merged.items()))


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
    """One row per lead (aligned with ``client.leads``): :func:`smk.analyses.outcomes.lead_outcomes` plus

    - the dimensions close rates are cut by (``channel, offer, industry, country, owner, team`` when the
      leads table has them, placeholders such as "unknown" made missing, :func:`clean_groups`;
      ``size_band`` from ``employees`` and ``analysis.size_bands``; ``cohort`` = month of creation 'YYYY-MM');
    - ``days``: calendar days (:func:`calendar_days`, client time zone) from creation to the win, the loss,
      or ``data_end`` for open leads (NaN for a win or loss without a date); ``age_days``: calendar days
      from creation to ``data_end``;
    - with N = ``analysis.close_window_days``: ``old_enough`` (age ≥ N) and ``won_in_window`` (won on or
      before calendar day N);
    - ``covered`` (created in a month the outcome data cover, :func:`smk.analyses.outcomes.outcome_coverage`),
      ``set_aside`` (a code of :data:`SET_ASIDE_REASONS` when the win or loss is dated on a day before the
      lead was created, else None) and ``in_scope`` (covered and not set aside): the leads every rate,
      test, cohort table, curve and cycle of 03 uses.

    ``attrs``: ``window_days``, ``coverage`` (the OutcomeCoverage), ``merged`` ({column: {placeholder: leads}}).
    """
    if outcomes is not None and "in_scope" in outcomes.columns:
        return outcomes  # already a lead table (analyse() builds it once)
    out = lead_outcomes(client) if outcomes is None else outcomes.copy()
    leads = client.leads
    merged: dict[str, dict[str, int]] = {}
    for col in GROUP_COLUMNS:
        if col in leads:
            values, found = clean_groups(leads[col])
            out[col] = values.to_numpy()
            if found:
                merged[col] = found
    if "employees" in leads:
        out["size_band"] = size_band(leads["employees"], client.config.analysis.size_bands).to_numpy()
    out["cohort"] = _month_labels(out["created_at"])
    n_days = int(client.config.analysis.close_window_days)
    tz = client.tz
    end = pd.Series(pd.Timestamp(client.data_end), index=out.index)
    if len(out) and pd.notna(client.data_end):
        end = end.astype(out["created_at"].dtype)
    out["age_days"] = calendar_days(out["created_at"], end, tz).to_numpy()
    outcome_at = out["won_at"].where(out["won"], out["lost_at"].where(out["lost"], pd.NaT))
    decided = out["won"].to_numpy(bool) | out["lost"].to_numpy(bool)
    out["days"] = np.where(decided, calendar_days(out["created_at"], outcome_at, tz).to_numpy(),
                           out["age_days"].to_numpy())
    out["old_enough"] = (out["age_days"] >= n_days).to_numpy(bool)
    out["won_in_window"] = (out["won"].to_numpy(bool) & (out["days"] <= n_days).to_numpy(bool))
    negative = (out["days"] < 0).to_numpy(bool)
    out["set_aside"] = np.where(negative & out["won"].to_numpy(bool), "won_before_created",
                                np.where(negative & decided, "lost_before_created", None))
    cov = outcome_coverage(client)
    out["covered"] = cov.mask(out["created_at"]).to_numpy(bool)
    out["in_scope"] = out["covered"].to_numpy(bool) & pd.isna(out["set_aside"]).to_numpy()
    out.attrs.update({"window_days": n_days, "coverage": cov, "merged": merged})
    return out


#: Columns of the lead table every computation below may read (dimensions are added per call).
_CORE = ("lead_id", "created_at", "status", "won", "won_at", "lost", "lost_at", "mql_at", "sql_at", "event", "days",
         "age_days", "old_enough", "won_in_window", "revenue")


def in_scope(table: pd.DataFrame, columns=None, mask=None) -> pd.DataFrame:
    """The leads of a :func:`lead_table` that 03's rates, tests, cohorts, curves and cycles use (``mask``:
    another selection instead); ``columns`` limits the copy to the columns a computation reads (on a
    million leads, copying every column for every table is what costs)."""
    attrs = dict(table.attrs)
    keep = table["in_scope"].to_numpy(bool) if mask is None else np.asarray(mask, dtype=bool)
    if columns is None:
        sub = table[keep]
    else:
        cols = list(dict.fromkeys(c for c in (*_CORE, *columns) if c is not None and c in table.columns))
        sub = table.loc[keep, cols]
    sub.attrs.update(attrs)
    return sub


def set_aside_leads(table: pd.DataFrame) -> pd.DataFrame:
    """Leads set aside because their outcome is dated before their creation: ``lead_id, created_at,
    outcome_at, days (negative), reason``, for the section to list (03 cannot write the ledger)."""
    t = table[pd.notna(table["set_aside"]).to_numpy()]
    outcome_at = t["won_at"].where(t["won"], t["lost_at"])
    return pd.DataFrame({"lead_id": t["lead_id"].to_numpy(), "created_at": t["created_at"].to_numpy(),
                         "outcome_at": outcome_at.to_numpy(), "days": t["days"].to_numpy(float),
                         "reason": t["set_aside"].to_numpy(dtype=object)}).sort_values(
        ["created_at", "lead_id"], kind="stable").reset_index(drop=True)


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


def _sample(table: pd.DataFrame, days: int | None) -> tuple[pd.DataFrame, pd.Series]:
    """Leads that enter a rate and their outcome: all leads and ``won`` (naive), or leads at least
    ``days`` calendar days old and won on or before calendar day ``days``."""
    if days is None:
        return table, table["won"]
    sub = table[(table["age_days"] >= days).to_numpy(bool)]
    return sub, (sub["won"] & (sub["days"] <= days)).fillna(False)


def close_rates(client, by: str, *, within_days: int | Literal["config"] | None = "config",
                outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Close rate per group of ``by`` (one of :data:`DIMENSIONS` or any leads column): a
    ``smk.analyses.stats.rate_table`` with a leading ``dimension`` column, on the leads in scope
    (:func:`lead_table`: outcomes covered, nothing dated before creation).

    Columns: ``dimension, group, n, successes, rate, ci_low, ci_high, lift, pvalue, qvalue, too_small,
    significant, direction``. ``attrs``: ``overall_rate``, ``independence`` (chi-square / Fisher across
    groups big enough to judge), ``window_days``, ``n_total``, ``n_leads`` (every lead), ``excluded_recent``
    (leads in scope too young to judge), ``excluded_uncovered`` (created before the outcome data start),
    ``set_aside``, ``merged`` (placeholders counted as missing), ``dimension``.

    ``within_days='config'`` (default): rate = won within N = ``analysis.close_window_days`` calendar days,
    among leads at least N calendar days old at ``client.data_end`` (fair to recent leads; the
    Aalen–Johansen cumulative incidence of winning at day N, exactly, since none of these leads is
    censored before day N); ``within_days=None``: the naive "customers so far ÷ leads", biased low for
    recent leads. ``by='activity'``: for each activity type, customers among the leads who did it (before
    they were won) ÷ leads who did it, tested against leads who did not (groups overlap, so there is no
    across-group test). No lead old enough gives an empty table, never an error; a ``by`` column the
    leads table does not have raises ``NotEnoughData``.
    """
    table = lead_table(client, outcomes)
    scope = in_scope(table, [by])
    days = _window(client, within_days)
    sample, y = _sample(scope, days)
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
    res.attrs.update({"window_days": days, "dimension": by, "excluded_recent": int(len(scope) - len(sample)),
                      "n_leads": int(len(table)), "excluded_uncovered": int((~table["covered"]).sum()),
                      "set_aside": int(pd.notna(table["set_aside"]).sum()),
                      "merged": dict(table.attrs.get("merged", {}).get(by, {}))})
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
    outcomes = lead_table(client) if outcomes is None else outcomes
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
    # a dimension with no test (overlapping groups, one group) is neither "yes" nor "no"
    t["matters"] = pd.array(np.where(t["qvalue"].notna(), t["qvalue"] < alpha, pd.NA), dtype="boolean")
    return t


def dimension_tests(client, dims=None, *, within_days: int | Literal["config"] | None = "config") -> pd.DataFrame:
    """Does each dimension matter at all? One row per dimension: ``dimension, test, statistic, dof,
    pvalue, groups, qvalue`` (BH across dimensions), ``matters`` (q < alpha; NA without a test). Only groups
    big enough to judge enter the test; ``activity`` has none (its groups overlap)."""
    return close_rates_all(client, dims, within_days=within_days).attrs["tests"]


def decided_rates(client, by: str, *, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The other way to compare the groups of ``by``, on the same leads as :func:`close_rates` (in scope,
    at least N calendar days old): won ÷ (won + lost) among those that already have a result, and the
    share still open.

    Columns: ``dimension, group, n`` (leads old enough), ``open, open_share`` (still open at ``data_end``,
    so more than N days after creation), ``decided`` (won + lost), ``won, decided_rate, ci_low, ci_high``
    (Wilson), ``too_small`` (decided < ``min_group_size``), ``direction`` ('above' / 'below' / '': Fisher
    against the rest, BH). ``attrs``: ``decided_test`` and ``open_test`` (independence tests across the
    groups big enough to judge), ``has_lost``, ``window_days``, ``dimension``.
    Won ÷ (won + lost) ignores the open leads: it is the right reading when they are stale records, the
    wrong one when they are slow deals still to close; the close rate within N days is the opposite.
    """
    table = lead_table(client, outcomes)
    n_days = int(table.attrs["window_days"])
    if by not in table:
        raise NotEnoughData([by], reason="closerate.missing.no_column", params={"column": by})
    has_lost = bool((table["lost"].to_numpy(bool) & table["in_scope"].to_numpy(bool)).any())
    sample = in_scope(table, [by], mask=table["in_scope"].to_numpy(bool) & (table["age_days"] >= n_days).to_numpy(bool))
    if by not in sample:
        raise NotEnoughData([by], reason="closerate.missing.no_column", params={"column": by})
    cfg = client.config.analysis
    key = sample[by].to_numpy()
    opened = pd.DataFrame({by: key, "y": sample["status"].eq("open").to_numpy(bool)})
    ot = stats.rate_table(opened, by, "y", min_group_size=cfg.min_group_size, alpha=cfg.alpha, missing_label=MISSING)
    decided = (sample["won"] | sample["lost"]).to_numpy(bool)
    dec = pd.DataFrame({by: key[decided], "y": sample["won"].to_numpy(bool)[decided]})
    dt = stats.rate_table(dec, by, "y", min_group_size=cfg.min_group_size, alpha=cfg.alpha, missing_label=MISSING)
    out = ot[["group", "n", "successes", "rate"]].rename(columns={"successes": "open", "rate": "open_share"})
    out = out.merge(dt[["group", "n", "successes", "rate", "ci_low", "ci_high", "too_small", "direction"]].rename(
        columns={"n": "decided", "successes": "won", "rate": "decided_rate"}), on="group", how="left")
    out["decided"] = out["decided"].fillna(0).astype(int)
    out["won"] = out["won"].fillna(0).astype(int)
    out["too_small"] = out["too_small"].fillna(True).astype(bool)
    out["direction"] = out["direction"].fillna("")
    out = out.sort_values(["decided_rate", "group"], ascending=[False, True], kind="stable", na_position="last")
    out.insert(0, "dimension", by)
    out = out.reset_index(drop=True)
    out.attrs.update({"decided_test": dt.attrs["independence"], "open_test": ot.attrs["independence"],
                      "has_lost": has_lost, "window_days": n_days, "dimension": by,
                      "overall_decided": dt.attrs["overall_rate"], "overall_open": ot.attrs["overall_rate"]})
    return out


#: Why the close rate within N days and won ÷ (won + lost) disagree (texts closerate.check.reason.<code>).
CHECK_REASONS: tuple[str, ...] = ("open_share", "short_window", "other")


def cross_check(rates: pd.DataFrame, decided: pd.DataFrame | None, *, alpha: float,
                cycle_q3: float | None = None, min_group_size: int = 30, window_q: float | None = None,
                decided_q: float | None = None) -> dict | None:
    """Do the two comparisons of a dimension agree? ``rates`` from :func:`close_rates` (within N days),
    ``decided`` from :func:`decided_rates` (same leads, won ÷ (won + lost)).

    They *agree* when both find a clear difference across groups or both find none (p < ``alpha``, or
    the q-values ``window_q`` / ``decided_q`` corrected across dimensions when given), and no group is
    significantly above on one and below on the other. When they disagree, ``reason``:
    ``open_share`` when the groups differ clearly in the share of leads still open more than N days
    after creation (``open_group`` has the highest share, ``open_share`` against ``open_rest`` for the
    other groups): within N days counts them as not won, won ÷ (won + lost) leaves them out;
    ``short_window`` when N is shorter than the cycle's third quartile (``cycle_q3``): wins after N days
    are left out; ``other`` otherwise (won ÷ (won + lost) favours groups that decide fast). None when
    there is nothing to compare (an activity, one group, no lost leads)."""
    if decided is None or rates is None or not len(rates) or not decided.attrs.get("has_lost", False):
        return None
    wp = (rates.attrs.get("independence") or {}).get("pvalue", np.nan)
    dp = (decided.attrs.get("decided_test") or {}).get("pvalue", np.nan)
    if pd.isna(wp) or pd.isna(dp):
        return None
    window_dir = rates.set_index("group")["direction"]
    decided_dir = decided.set_index("group")["direction"]
    both = window_dir.index.intersection(decided_dir.index)
    conflicts = tuple(str(g) for g in both
                      if {window_dir[g], decided_dir[g]} == {"above", "below"})
    wm = bool((wp if window_q is None or pd.isna(window_q) else window_q) < alpha)
    dm = bool((dp if decided_q is None or pd.isna(decided_q) else decided_q) < alpha)
    agree = wm == dm and not conflicts
    n_days = int(decided.attrs.get("window_days") or rates.attrs.get("window_days") or 0)
    op = (decided.attrs.get("open_test") or {}).get("pvalue", np.nan)
    big = decided[decided["n"] >= min_group_size]
    open_group = open_share = open_rest = None
    if len(big) > 1:
        top = big.sort_values(["open_share", "group"], ascending=[False, True], kind="stable").iloc[0]
        rest = decided[decided["group"] != top["group"]]
        open_group, open_share = str(top["group"]), float(top["open_share"])
        open_rest = float(rest["open"].sum() / rest["n"].sum()) if rest["n"].sum() else np.nan
    short = cycle_q3 is not None and pd.notna(cycle_q3) and float(cycle_q3) > n_days
    reason = None
    if not agree:
        reason = ("open_share" if pd.notna(op) and op < alpha and open_group is not None
                  else "short_window" if short else "other")
    return {"dimension": rates.attrs.get("dimension"), "window_pvalue": float(wp), "decided_pvalue": float(dp),
            "window_matters": wm, "decided_matters": dm, "conflicts": conflicts, "agree": agree,
            "open_pvalue": float(op) if pd.notna(op) else np.nan, "open_group": open_group,
            "open_share": open_share, "open_rest": open_rest, "short_window": bool(short),
            "cycle_q3": float(cycle_q3) if cycle_q3 is not None and pd.notna(cycle_q3) else np.nan,
            "window_days": n_days, "reason": reason}


def best_and_worst(rates: pd.DataFrame, *, named_only: bool = False) -> dict:
    """Best and worst group by close rate among groups big enough to judge (ties: by name); with
    ``named_only`` the missing group is not a candidate (a "best channel" that is no channel is not a
    finding). Returns {'best': row dict | None, 'worst': row dict | None}."""
    ok = rates[~rates["too_small"] & rates["rate"].notna()]
    if named_only:
        ok = ok[ok["group"] != MISSING]
    if ok.empty:
        return {"best": None, "worst": None}
    ok = ok.sort_values(["rate", "group"], ascending=[False, True], kind="stable")
    return {"best": ok.iloc[0].to_dict(), "worst": ok.iloc[-1].to_dict() if len(ok) > 1 else None}


# --------------------------------------------------------------------------------------------
# censoring: cohorts, cumulative curves, naive vs fair
# --------------------------------------------------------------------------------------------
def cohort_table(client, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per month of lead creation (leads in scope): ``cohort, leads, won, open, naive_rate (won so far ÷
    leads) with naive_ci_low/high, open_share, old_enough (whole cohort ≥ N days old), window_rate`` (won
    within N days, only for cohorts old enough; NaN otherwise) ``with window_ci_low/high``.

    The naive rate of recent cohorts is biased low: their leads have had less time to close. Months
    the outcome data do not cover are not rows (their 0 % would be missing data, not failure).
    """
    t = in_scope(lead_table(client, outcomes), ["cohort"])
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


def close_curves(client, by: str | None = "channel", *, outcomes: pd.DataFrame | None = None,
                 alpha: float | None = None) -> pd.DataFrame:
    """Cumulative close rate over calendar days since lead creation, per group (leads in scope):
    Aalen–Johansen incidence of *won* with *lost* as a competing event and open leads censored at
    ``client.data_end`` (``smk.analyses.survival.cumulative_incidence``). Leads won or lost without a
    date are left out (``attrs['undated']`` counts them)."""
    t = in_scope(lead_table(client, outcomes), [by])
    ok = t["days"].notna()
    t = t[ok]
    groups = None if by is None else t[by].astype(object).where(t[by].notna(), MISSING).to_numpy()
    res = survival.cumulative_incidence(t["days"].to_numpy(float), t["event"].to_numpy(), event="won",
                                        groups=groups, alpha=alpha or client.config.analysis.alpha)
    res.attrs.update({"undated": int((~ok).sum()), "by": by})
    return res


def naive_vs_fair(client, by: str = "channel", *, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Side by side per group (leads in scope), to show what censoring does to a close rate
    (N = close_window_days, calendar days):

    ``group, leads, won, lost, open, naive_rate`` (won ÷ leads, so far: biased low where many are
    open), ``decided_rate`` (won ÷ (won + lost): flatters fast-closing groups, whose wins are already
    in while slower groups' wins are still pending; meaningless when the export has no lost leads),
    ``window_n, window_rate`` (won within N days among leads old enough: fair), ``cif_window`` with
    ``cif_low/cif_high`` (Aalen–Johansen P(won by day N), uses every lead), ``km_window`` (1 − Kaplan–Meier
    with lost leads censored: overstates, because it treats lost leads as if they could still win),
    ``median_days_to_won``, ``median_days_to_lost`` (among decided leads). ``attrs['has_lost']``.
    """
    t = in_scope(lead_table(client, outcomes), [by])
    n_days = t.attrs["window_days"]
    key = t[by].astype(object).where(t[by].notna(), MISSING) if by is not None else pd.Series(TOTAL, index=t.index)
    t = t.assign(_g=key.to_numpy(), is_open=t["status"].eq("open"),
                 win_ok=t["won_in_window"] & t["old_enough"],
                 won_days=t["days"].where(t["won"]), lost_days=t["days"].where(t["lost"]))
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
    ok = t["days"].notna()
    days = t.loc[ok, "days"].to_numpy(float)
    grp = t.loc[ok, "_g"].to_numpy()
    cif = survival.cumulative_incidence(days, t.loc[ok, "event"].to_numpy(), event="won", groups=grp)
    at = survival.value_at(cif, n_days).rename(columns={"cif": "cif_window", "ci_low": "cif_low", "ci_high": "cif_high"})
    km = survival.kaplan_meier(days, t.loc[ok, "event"].eq("won").to_numpy(), groups=grp)
    km_at = survival.value_at(km, n_days, columns=("survival",))
    km_at["km_window"] = 1 - km_at["survival"]
    res = res.merge(at, on="group", how="left").merge(km_at[["group", "km_window"]], on="group", how="left")
    res.attrs.update({"window_days": n_days, "has_lost": bool(t["lost"].any())})
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
    ``mql_at`` / ``sql_at`` column. Only leads in scope (:func:`lead_table`) count, and visits only from
    the first month the outcome data cover. Seed 000: visits per lead and leads per customer ("relación entre
    visitas y leads").
    """
    full = lead_table(client, outcomes)
    t = in_scope(full, [by])
    cov = full.attrs["coverage"]
    has_mql = "mql_at" in client.leads and client.leads["mql_at"].notna().any()
    has_sql = "sql_at" in client.leads and client.leads["sql_at"].notna().any()
    key = t[by].astype(object).where(t[by].notna(), MISSING) if by is not None else pd.Series(TOTAL, index=t.index)
    cust = t["won"].to_numpy(dtype=bool)
    sql = (t["sql_at"].notna().to_numpy() | cust) if has_sql else np.zeros(len(t), bool)
    mql = (t["mql_at"].notna().to_numpy() | sql | cust) if has_mql else np.zeros(len(t), bool)
    wt = client.web_traffic
    if wt is not None and len(wt) and cov.partial:  # visits of the months whose leads are in scope
        wt = wt[(pd.to_datetime(wt["date"]) >= cov.start).to_numpy(bool)]
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
    # without a grouping there is one group, the total itself: one row, not the same row twice
    res = (total.to_frame().T if by is None else pd.concat([agg, total.to_frame().T])).reset_index(names="group")
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
                outcomes: pd.DataFrame | None = None, covered_only: bool = True) -> pd.DataFrame:
    """Calendar days (client time zone, :func:`calendar_days`) from lead creation (``start='lead'``) or
    from the MQL date (``start='mql'``) to won, per group.

    Columns:
    - ``start, group, leads, n_won, n_open, open_share``;
    - ``median_days, q1_days, q3_days``: among won leads (what seed 000 calls the sales cycle);
    - ``adj_median_days``: median adjusted for leads still open, from the Aalen–Johansen cumulative
      incidence F of winning (lost competing, open censored at ``data_end``): the first day t with
      F(t) ≥ ½·F(t_max), i.e. the median time to win among leads that win within the longest follow-up,
      with recent leads weighted in through the product-limit instead of being dropped;
    - ``km_median_days, km_median_low, km_median_high``: Kaplan–Meier median of time to win with open
      leads censored and lost leads left out (log(−log) 95 % interval). It assumes every open lead will
      eventually win, so it leans long and is "not reached" (NaN) when fewer than half of the non-lost
      leads ever win (typical of lead-level data full of silent leads).
    Where many leads are still open, the won-only median is too short (only the fast ones have closed
    yet); the adjusted median is the better read. ``by=None`` gives one row ``group == '(all)'``.
    Groups with no won lead have NaN medians. Leads are those in scope (:func:`lead_table`; with
    ``covered_only=False`` also those created before the outcome data start, as 06 does for the wins of a
    month). A win or loss dated on a day before the start is never a 0-day cycle: the lead is left out and
    counted in ``attrs['set_aside']``.
    """
    table = lead_table(client, outcomes)
    t = in_scope(table, [by], mask=None if covered_only else pd.isna(table["set_aside"]).to_numpy())
    tz = client.tz
    if start == "mql":
        t = t[t["mql_at"].notna()]
        days = pd.Series(np.where(t["won"] | t["lost"],
                                  calendar_days(t["mql_at"], t["won_at"].where(t["won"], t["lost_at"]), tz),
                                  calendar_days(t["mql_at"], pd.Series(pd.Timestamp(client.data_end), index=t.index)
                                                .astype(t["mql_at"].dtype), tz)), index=t.index)
        before = (days < 0).to_numpy(bool)
        set_aside = int(before.sum())
        t, days = t[~before], days[~before]
    elif start == "lead":
        days = t["days"]
        set_aside = int(pd.notna(table["set_aside"]).sum())
    else:
        raise ValueError("start must be 'lead' or 'mql'")
    key = (t[by].astype(object).where(t[by].notna(), MISSING) if by is not None
           else pd.Series(TOTAL, index=t.index, dtype=object))
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
    whole = dated["days"].to_numpy(float)
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
    res = res[["start", "group", "leads", "n_won", "n_open", "open_share", "median_days", "q1_days", "q3_days",
               "adj_median_days", "km_median_days", "km_median_low", "km_median_high"]]
    res.attrs.update({"start": start, "unit": CYCLE_UNIT, "set_aside": set_aside})
    return res


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
    """Groups with the highest and lowest ``column`` (ties by name): ``{'high': row, 'low': row}``; None
    with fewer than two groups."""
    if table is None or not len(table):
        return None
    t = table.dropna(subset=[column]).sort_values([column, "group"], ascending=[False, True], kind="stable")
    if len(t) < 2:  # one group is not "highest" and "lowest" at once
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
    "scope", "channel", "offer", "dimension_tests", "other_dimensions", "cohorts", "naive_fair", "curves", "funnel",
    "leaks", "cycle", "cycle_offer", "cycle_segment", "cycle_mql", "assists", "landing", "attribution_channel",
    "attribution_asset")


@dataclass(frozen=True)
class CloseRatesResult(Result):
    """Everything notebook 03 shows. Tables are None where the client's data cannot support them
    (``missing`` says why, per section). Values are the playbook's codes: ``(all)`` / ``(missing)``
    groups, dimension and step names, ``above`` / ``below``.

    Who is counted: ``coverage_start`` (first creation month the outcome data cover, None when all are)
    and ``uncovered_leads`` (created before it: left out of every rate, test, cohort, curve and cycle);
    ``set_aside`` (leads whose outcome is dated before their creation, ``set_aside_leads``); ``merged``
    (placeholders such as "unknown" counted as missing, per column); ``has_lost`` (the export records
    lost leads: without them won ÷ (won + lost) is not a comparison); ``decided`` (:func:`decided_rates`
    for every dimension with groups) and ``checks`` (:func:`cross_check`, one row per dimension);
    ``cycle_q3`` and ``short_window`` (N is shorter than the sales cycle's third quartile)."""

    window_days: int
    outcomes: pd.DataFrame  # the per-lead table (lead_table)
    coverage_start: pd.Timestamp | None = None
    uncovered_leads: int = 0
    set_aside: pd.DataFrame | None = None
    merged: dict | None = None
    has_lost: bool = True
    cycle_q3: float | None = None
    short_window: bool = False
    channel: pd.DataFrame | None = None
    offer: pd.DataFrame | None = None
    others: pd.DataFrame | None = None
    tests: pd.DataFrame | None = None
    decided: pd.DataFrame | None = None
    checks: pd.DataFrame | None = None
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

    _TABLES = ("channel", "offer", "others", "tests", "decided", "checks", "cohorts", "naive_fair", "curves", "funnel",
               "steps", "leaks", "cycle_all", "cycle_channel", "cycle_offer", "cycle_segment", "cycle_mql", "assists",
               "landing", "attribution_channel", "attribution_asset")

    def summary(self) -> pd.DataFrame:
        """Which tables were computed (``part, available``)."""
        return pd.DataFrame({"part": list(self._TABLES),
                             "available": [getattr(self, p) is not None for p in self._TABLES]})

    def check(self, dimension: str) -> dict | None:
        """The :func:`cross_check` of a dimension (None when there is none)."""
        if self.checks is None or not len(self.checks):
            return None
        rows = self.checks[self.checks["dimension"] == dimension]
        return rows.iloc[0].to_dict() if len(rows) else None

    def verdict(self, dimension: str) -> str:
        """Does ``dimension`` make a difference? ``clear`` (q < alpha in the tests table, corrected across
        dimensions, and the cross-check agrees), ``unclear`` (no clear difference), ``disputed`` (the close
        rate within N days and won ÷ (won + lost) disagree), ``untested`` (no test: one group, overlapping
        groups)."""
        chk = self.check(dimension)
        if chk is not None and not chk["agree"]:
            return "disputed"
        rows = self.tests[self.tests["dimension"] == dimension] if self.tests is not None else pd.DataFrame()
        if not len(rows) or pd.isna(rows["qvalue"].iloc[0]):
            return "untested"
        return "clear" if bool(rows["matters"].iloc[0]) else "unclear"

    def channel_verdict(self) -> str:
        """:meth:`verdict` of the channel (``unclear`` without a channel test)."""
        v = self.verdict("channel")
        return "unclear" if v == "untested" else v

    def headlines(self) -> list[Headline]:
        """Index tile: best and worst channel by close rate (with intervals) and the median sales cycle
        from lead to won (calendar days, with its quartiles). Values are formatted by the report in its
        language (``formats``); the best and worst are named channels (not the missing group). When the channels do not differ clearly, or the two comparisons
        disagree, the display says so instead of presenting a "best" channel as a finding."""
        items = []
        bw = (best_and_worst(self.channel, named_only=True) if self.channel is not None
              else {"best": None, "worst": None})
        verdict = self.channel_verdict()
        for key in ("best", "worst"):
            row = bw[key]
            if row is not None:
                items.append(Headline(
                    label=f"closerate.headline.{key}_channel", value=float(row["rate"]), kind="pct:1",
                    display=f"closerate.headline.channel_rate_{verdict}",
                    params={"group": str(row["group"]), "rate": float(row["rate"]),
                            "ci": (float(row["ci_low"]), float(row["ci_high"]))},
                    formats={"rate": "pct:1", "ci": "ci:1"}))
        if self.cycle_all is not None and len(self.cycle_all) and pd.notna(self.cycle_all["median_days"].iloc[0]):
            row = self.cycle_all.iloc[0]
            items.append(Headline(label="closerate.headline.median_cycle", value=float(row["median_days"]),
                                  kind="number:0", display="closerate.headline.cycle_days",
                                  params={"median": float(row["median_days"]), "q1": float(row["q1_days"]),
                                          "q3": float(row["q3_days"])},
                                  formats={"median": "number:0", "q1": "number:0", "q3": "number:0"}))
        return items


def _missing(exc: NotEnoughData) -> Missing:
    return Missing(needs=tuple(exc.needs), reason=exc.reason, params=dict(exc.params))


def _checks(client, o: pd.DataFrame, rates_by_dim: dict[str, pd.DataFrame], tests: pd.DataFrame,
            cycle_q3: float | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """:func:`decided_rates` and :func:`cross_check` of every dimension whose groups can be compared;
    verdicts on both sides read from q-values corrected across those dimensions (as the tests table)."""
    cfg = client.config.analysis
    decided = {dim: decided_rates(client, dim, outcomes=o) for dim, rates in rates_by_dim.items()
               if dim != "activity" and rates is not None and len(rates) >= 2}  # a handful of dimensions
    if not decided:
        return None, None
    dp = pd.Series({d: (t.attrs["decided_test"] or {}).get("pvalue", np.nan) for d, t in decided.items()}, dtype=float)
    dq = pd.Series(stats.bh_adjust(dp), index=dp.index)
    wq = tests.set_index("dimension")["qvalue"]
    checks = [cross_check(rates_by_dim[d], t, alpha=cfg.alpha, cycle_q3=cycle_q3, min_group_size=cfg.min_group_size,
                          window_q=wq.get(d), decided_q=dq.get(d)) for d, t in decided.items()]
    checks = [c for c in checks if c is not None]
    return pd.concat(list(decided.values()), ignore_index=True), (pd.DataFrame(checks) if checks else None)


def _with_checks(tests: pd.DataFrame, checks: pd.DataFrame | None, alpha: float) -> pd.DataFrame:
    """The tests table with the cross-check beside each dimension: ``decided_pvalue``, ``decided_qvalue``
    (BH across the dimensions checked), ``decided_matters`` and ``agree`` (NaN / NA where not checked)."""
    out = tests.copy()
    if checks is None or not len(checks):
        out["decided_pvalue"] = np.nan
        out["decided_qvalue"] = np.nan
        out["decided_matters"] = pd.array([pd.NA] * len(out), dtype="boolean")
        out["agree"] = pd.array([pd.NA] * len(out), dtype="boolean")
        return out
    c = checks.set_index("dimension")
    out["decided_pvalue"] = out["dimension"].map(c["decided_pvalue"]).astype(float)
    out["decided_qvalue"] = stats.bh_adjust(out["decided_pvalue"])
    known = out["decided_qvalue"].notna()
    out["decided_matters"] = pd.array(np.where(known, out["decided_qvalue"] < alpha, pd.NA), dtype="boolean")
    out["agree"] = pd.array(out["dimension"].map(c["agree"]).to_numpy(), dtype="boolean")
    return out


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
    cfg = client.config.analysis
    cov = o.attrs["coverage"]
    dims = available_dimensions(client)
    missing: dict[str, Missing] = {}
    parts: dict = {}
    others = [d for d in dims if d not in ("channel", "offer")]
    by_dim = {}
    for d in ("channel", "offer", *others):  # a handful of dimensions
        if d in dims:
            r = close_rates(client, d, outcomes=o)
            r.attrs["alpha"] = cfg.alpha
            by_dim[d] = r
    for d in ("channel", "offer"):
        if d in dims:
            parts[d] = by_dim[d]
        else:
            missing[d] = Missing(needs=(), reason=f"closerate.missing.no_{d}")
    parts["tests"] = _tests_frame([{"dimension": d, **r.attrs["independence"]} for d, r in by_dim.items()], cfg.alpha)
    if others:
        parts["others"] = pd.concat([by_dim[d] for d in others], ignore_index=True)
        parts["others"].attrs.update({"dimensions": others, "window_days": int(cfg.close_window_days)})
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
    q3 = parts["cycle_all"]["q3_days"].iloc[0] if len(parts["cycle_all"]) else np.nan
    q3 = float(q3) if pd.notna(q3) else None
    scope = in_scope(o)
    has_lost = bool(scope["lost"].any())
    parts["decided"], parts["checks"] = _checks(client, o, by_dim, parts["tests"], q3) if has_lost else (None, None)
    parts["tests"] = _with_checks(parts["tests"], parts["checks"], cfg.alpha)
    for name, fn in (("assists", lambda: attribution.conversion_assists(client, outcomes=scope)),
                     ("landing", lambda: attribution.landing_pages(client)),
                     ("attribution_channel", lambda: attribution.attribution(client, "channel", outcomes=o)),
                     ("attribution_asset", lambda: attribution.attribution(client, "asset", outcomes=o))):
        try:
            parts[name] = fn()
        except NotEnoughData as exc:
            missing[name] = _missing(exc)
    return CloseRatesResult(
        window_days=int(cfg.close_window_days), outcomes=o, missing=missing,
        coverage_start=cov.start if cov.partial else None, uncovered_leads=int(cov.uncovered_leads) if cov.partial else 0,
        set_aside=set_aside_leads(o), merged=dict(o.attrs.get("merged", {})), has_lost=has_lost,
        cycle_q3=q3, short_window=bool(q3 is not None and q3 > cfg.close_window_days), **parts)


__all__ = [
    "CHECK_REASONS", "CYCLE_UNIT", "DIMENSIONS", "GROUP_COLUMNS", "MISSING", "MISSING_TOKENS", "SECTIONS",
    "SET_ASIDE_REASONS", "STEPS", "TOTAL", "CloseRatesResult", "analyse", "available_dimensions", "best_and_worst",
    "calendar_days", "clean_groups", "close_curves", "close_rates", "close_rates_all", "cohort_table", "cross_check",
    "decided_rates", "dimension_tests", "fast_and_slow", "fastest_and_slowest", "funnel", "funnel_steps",
    "highest_and_lowest", "in_scope", "lead_table", "leaks", "local_day", "naive_vs_fair", "recent_vs_earlier",
    "sales_cycle", "set_aside_leads", "size_band", "size_band_labels",
]
