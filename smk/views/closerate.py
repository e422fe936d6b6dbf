"""Notebook 03's sections: the tables, sentences and charts of a
:class:`smk.analyses.closerate.CloseRatesResult` (close rates, censoring, funnel, sales cycle,
winning assets, landing pages, attribution), in the report's language.

Each ``@section`` function returns what the notebook cell ``ctx.show(res, "<name>")`` displays, in
order. Words come from the catalogue (``closerate.*`` in smk/texts/<lang>/closerate.yml), numbers
and dates from smk.views.fmt; the playbook's codes in the tables (``(all)``, ``(missing)``,
dimension and step names, ``above`` / ``below``, test names) are shown as catalogue labels.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from smk import texts
from smk.analyses import attribution as attr
from smk.analyses import closerate as cr
from smk.analyses import survival
from smk.analyses.closerate import CloseRatesResult
from smk.views import fmt, theme
from smk.views.html import note_html, text_html
from smk.views.registry import section

# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
#: The columns each kind of table shows, in order (``<name>_low``/``_high`` pairs become one interval).
COLUMNS: dict[str, list[str]] = {
    "rates": ["group", "n", "successes", "rate", "ci_low", "ci_high", "lift", "qvalue", "too_small", "direction"],
    "rates_long": ["dimension", "group", "n", "successes", "rate", "ci_low", "ci_high", "qvalue", "too_small",
                   "direction"],
    "tests": ["dimension", "test", "groups", "statistic", "pvalue", "qvalue", "matters", "decided_qvalue",
              "decided_matters", "agree"],
    "cohorts": ["cohort", "leads", "won", "open_share", "naive_rate", "window_rate", "window_ci_low", "window_ci_high"],
    "naive_fair": ["group", "leads", "won", "lost", "open", "naive_rate", "decided_rate", "window_rate", "cif_window",
                   "cif_window_ci_low", "cif_window_ci_high", "km_window", "median_days_to_won", "median_days_to_lost"],
    "funnel": ["group", "visits", "leads", "mqls", "sqls", "customers", "visit_to_lead", "lead_to_mql", "mql_to_sql",
               "sql_to_customer", "visits_per_lead", "leads_per_customer"],
    "leaks": ["group", "step", "step_rate", "overall_rate", "diff", "qvalue"],
    "cycle": ["group", "leads", "n_won", "open_share", "median_days", "q1_days", "q3_days", "adj_median_days",
              "km_median_days"],
    "assists": ["asset", "customers_touched", "share_customers", "non_customers_touched", "share_non_customers",
                "difference", "diff_ci_low", "diff_ci_high", "qvalue", "real_difference"],
    "landing": ["asset", "views", "submissions", "submission_rate", "ci_low", "ci_high", "new_contacts"],
    "attribution": ["key", "first_touch", "last_touch", "linear", "u_shaped", "spread"],
    "decided": ["group", "n", "open", "open_share", "decided", "decided_rate", "ci_low", "ci_high", "direction"],
    "set_aside": ["lead_id", "created_at", "outcome_at", "days", "reason"],
}

#: ``ctx.table`` formats of the columns of this notebook.
FORMATS: dict[str, str] = {
    "rate": "pct", "ci": "ci", "lift": "number:2", "pvalue": "number:3", "qvalue": "number:3",
    "naive_rate": "pct", "decided_rate": "pct", "window_rate": "pct", "cif_window": "pct", "km_window": "pct",
    "open_share": "pct", "overall_rate": "pct", "diff": "pp", "visit_to_lead": "pct", "lead_to_mql": "pct",
    "mql_to_sql": "pct", "sql_to_customer": "pct", "lead_to_customer": "pct", "visits_per_lead": "number:1",
    "leads_per_customer": "number:1", "median_days": "number:0", "q1_days": "number:0", "q3_days": "number:0",
    "km_median_days": "number:0", "adj_median_days": "number:0", "km_median_low": "number:0", "km_median_high": "number:0",
    "median_days_to_won": "number:0", "median_days_to_lost": "number:0", "visits": "int",
    "window_ci": "ci", "cif_window_ci": "ci", "statistic": "number:1", "share_customers": "pct",
    "share_non_customers": "pct", "difference": "pp", "diff_ci": "ci", "submission_rate": "pct",
    "first_touch": "number:1", "last_touch": "number:1", "linear": "number:1", "u_shaped": "number:1",
    "spread": "number:1", "mqls": "int", "sqls": "int", "step_rate": "pct", "decided": "int", "open": "int",
    "created_at": "date", "outcome_at": "date", "days": "number:0", "decided_pvalue": "number:3",
    "decided_qvalue": "number:3",
}

#: Formats per kind of table (the interval columns joined into one).
FORMATS_BY_VIEW: dict[str, dict[str, str]] = {
    kind: {**{k: v for k, v in FORMATS.items() if k in cols},
           **({"ci": "ci"} if "ci_low" in cols else {}),
           **({"window_ci": "ci"} if "window_ci_low" in cols else {}),
           **({"cif_window_ci": "ci"} if "cif_window_ci_low" in cols else {}),
           **({"diff_ci": "ci"} if "diff_ci_low" in cols else {})}
    for kind, cols in COLUMNS.items()
}

#: Rows shown per kind of table (the rest is counted under the table).
MAX_ROWS: dict[str, int] = {"rates": 50, "rates_long": 120, "tests": 50, "cohorts": 36, "naive_fair": 50,
                            "funnel": 50, "leaks": 50, "cycle": 50, "assists": 30, "landing": 30, "attribution": 50,
                            "decided": 50, "set_aside": 20}

_GROUP_KEYS = {cr.TOTAL: "all", cr.MISSING: "missing", attr.NO_TOUCH: "no_touch"}
#: stats.rate_table's test names -> catalogue keys (closerate.values.tests.*)
_TEST_KEYS = {"chi_square (some expected counts < 5: approximate)": "chi_square_approx"}


def _value(prefix: str, code, lang: str) -> str:
    """Catalogue label ``closerate.values.<prefix>.<code>``; the code itself when it has none."""
    key = f"closerate.values.{prefix}.{code}"
    return texts.t(key, lang) if texts.has(key, lang) else str(code)


def group_label(group, lang: str) -> str:
    """A group as shown: the playbook's ``(all)`` / ``(missing)`` / ``(no touch)`` in words, data values as they are."""
    key = _GROUP_KEYS.get(group) if isinstance(group, str) else None
    return texts.t(f"closerate.values.groups.{key}", lang) if key else str(group)


def dimension_in_text(dimension: str, lang: str) -> str:
    key = f"closerate.in_text.dimensions.{dimension}"
    return texts.t(key, lang) if texts.has(key, lang) else str(dimension)


def column_labels(lang: str, window_days: int | None) -> dict[str, str]:
    """Column labels of every table (``closerate.columns``), the close window filled in."""
    labels = texts.labels("closerate.columns", lang)
    for col in ("window_rate", "cif_window", "km_window"):
        labels[col] = texts.t(f"closerate.window_columns.{col}", lang, days=window_days)
    return labels


def decided_labels(lang: str, window_days: int | None) -> dict[str, str]:
    """Column labels of the cross-check table (:func:`smk.analyses.closerate.decided_rates`)."""
    labels = column_labels(lang, window_days)
    labels["n"] = texts.t("closerate.window_columns.n_old", lang, days=window_days)
    labels["open"] = texts.t("closerate.window_columns.open_old", lang, days=window_days)
    labels["open_share"] = texts.t("closerate.window_columns.open_share_old", lang, days=window_days)
    labels["direction"] = texts.t("closerate.columns.decided_direction", lang)
    return labels


def localize(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Copy with the playbook's own values in words: groups, dimension, step, start, direction, test."""
    out = df.copy()
    for c in ("group", "key"):
        if c in out:
            out[c] = out[c].map(lambda v: group_label(v, lang))
    for c, prefix in (("dimension", "dimensions"), ("step", "steps"), ("start", "start")):
        if c in out:
            out[c] = out[c].map(lambda v, p=prefix: _value(p, v, lang))
    if "direction" in out:
        out["direction"] = out["direction"].map(lambda v: _value("direction", v, lang) if v else "")
    if "test" in out:
        out["test"] = out["test"].map(lambda v: _value("tests", _TEST_KEYS.get(v, v), lang))
    if "reason" in out:
        out["reason"] = out["reason"].map(lambda v: _value("set_aside", v, lang))
    for c in ("matters", "decided_matters", "agree"):
        if c in out:
            out[c] = out[c].map(lambda v: fmt.MISSING if pd.isna(v) else texts.t("common.yes" if v else "common.no", lang))
    return out


def view(df: pd.DataFrame, kind: str, lang: str) -> pd.DataFrame:
    """The columns of a result table that the notebook shows (see :data:`COLUMNS`), values in words."""
    d = df
    if kind == "attribution":
        d = attr.attribution_wide(df)
    elif kind == "naive_fair":
        d = df.rename(columns={"cif_low": "cif_window_ci_low", "cif_high": "cif_window_ci_high"})
    elif kind == "assists":
        d = df.rename(columns={"diff_low": "diff_ci_low", "diff_high": "diff_ci_high", "significant": "real_difference"})
    elif kind == "leaks":
        d = df.rename(columns={"rate": "step_rate"})
    elif kind == "cohorts":
        d = df.assign(cohort=df["cohort"].map(lambda m: fmt.month(m, lang, short=True)))
    elif kind == "rates_long" and "dimension" in df:  # months of creation as months, like the cohorts table
        month = df["dimension"].eq("cohort") & ~df["group"].isin([cr.TOTAL, cr.MISSING])
        d = df.assign(group=df["group"].where(~month, df["group"][month].map(lambda m: fmt.month(m, lang, short=True))))
    return localize(d[[c for c in COLUMNS[kind] if c in d.columns]], lang)


def table(ctx, df: pd.DataFrame | None, kind: str, window_days: int | None = None, *, empty: str | None = None,
          drop: tuple[str, ...] = (), labels: dict | None = None, **values):
    """``ctx.table`` of a result table as the notebook shows it; a table without rows is never printed as
    bare headers: the sentence ``empty`` (a catalogue key, filled with ``values``) says what is missing."""
    if df is None or not len(df):
        return ctx.para(empty or "closerate.empty.rows", **values)
    shown = view(df, kind, ctx.lang)
    shown = shown[[c for c in shown.columns if c not in drop]]
    return ctx.table(shown, formats=FORMATS_BY_VIEW[kind],
                     labels=labels or column_labels(ctx.lang, window_days), max_rows=MAX_ROWS[kind])


# --------------------------------------------------------------------------------------------
# sentences
# --------------------------------------------------------------------------------------------
def _join(items, lang: str) -> str:
    return texts.t("closerate.list_sep", lang).join(str(x) for x in items)


def p_text(p: float, lang: str, key: str = "p") -> str:
    """``p < 0.001`` / ``p = 0.034`` (``key='q'``: the q-value) in the report language."""
    if p < 0.001:
        return texts.t(f"closerate.{key}.below", lang, p=fmt.number(0.001, lang, 3))
    return texts.t(f"closerate.{key}.equal", lang, p=fmt.number(p, lang, 3))


def _test_row(res: CloseRatesResult | None, dimension: str) -> dict | None:
    if res is None or res.tests is None:
        return None
    rows = res.tests[res.tests["dimension"] == dimension]
    return rows.iloc[0].to_dict() if len(rows) else None


def rates_text(rates: pd.DataFrame, ctx, res: CloseRatesResult | None = None) -> str:
    """The overall rate, whether the dimension matters, which groups are above / below, how many
    are too small to judge (a :func:`smk.analyses.closerate.close_rates` table). With the result ``res``,
    the verdict is the tests table's (q-value corrected across dimensions), and it is left to the
    cross-check box when the two comparisons disagree."""
    lang = ctx.lang
    n_days = rates.attrs.get("window_days")
    if not len(rates) or not rates.attrs.get("n_total"):
        return ctx.text("closerate.rates.none_old_enough", days=n_days) if n_days else ctx.text("closerate.rates.none")
    overall = rates.attrs.get("overall_rate", np.nan)
    dimension = rates.attrs.get("dimension", "")
    test = rates.attrs.get("independence", {}) or {}
    p = test.get("pvalue", np.nan)
    small = int(rates["too_small"].sum()) if len(rates) else 0
    parts = [ctx.text("closerate.rates.overall_window", rate=fmt.pct(overall, lang), days=n_days) if n_days
             else ctx.text("closerate.rates.overall_naive", rate=fmt.pct(overall, lang))]
    row = _test_row(res, dimension)
    verdict = res.verdict(dimension) if res is not None else None
    words = dimension_in_text(dimension, lang)
    if verdict == "disputed":
        pass  # the cross-check box says both, with the reason
    elif row is not None and pd.notna(row["qvalue"]):
        parts.append(ctx.text("closerate.rates.matters_q" if row["matters"] else "closerate.rates.does_not_matter_q",
                              dimension=words, p=p_text(row["pvalue"], lang), q=p_text(row["qvalue"], lang, "q")))
    elif pd.notna(p):
        parts.append(ctx.text("closerate.rates.matters" if p < 0.05 else "closerate.rates.does_not_matter",
                              dimension=words, p=p_text(p, lang)))
    elif int((~rates["too_small"]).sum()) == 1 and len(rates) > 1:
        parts.append(ctx.text("closerate.rates.one_group"))
    if verdict != "disputed":
        above = rates.loc[rates["direction"] == "above", "group"].map(lambda g: group_label(g, lang)).tolist()
        below = rates.loc[rates["direction"] == "below", "group"].map(lambda g: group_label(g, lang)).tolist()
        if above:
            parts.append(ctx.text("closerate.rates.above", groups=_join(above, lang)))
        if below:
            parts.append(ctx.text("closerate.rates.below", groups=_join(below, lang)))
    if small:
        parts.append(ctx.text("closerate.rates.too_small", count=small))
    merged = rates.attrs.get("merged") or {}
    if merged:
        parts.append(merged_text({dimension: merged}, ctx))
    return " ".join(parts)


def merged_text(merged: dict, ctx) -> str:
    """Placeholders such as "unknown" counted with the empty values as one missing group."""
    items = [ctx.text("closerate.scope.merged_item", value=value, count=count, leads=fmt.number(count, ctx.lang),
                      column=dimension_in_text(column, ctx.lang))
             for column, found in merged.items() for value, count in found.items()]  # a few placeholders
    return ctx.text("closerate.scope.merged", count=len(items), items=_join(items, ctx.lang),
                    missing=group_label(cr.MISSING, ctx.lang))


def check_text(chk: dict, ctx) -> str:
    """Why the close rate within N days and won ÷ (won + lost) disagree on a dimension, and what to do."""
    lang = ctx.lang
    days = int(chk["window_days"])
    words = dimension_in_text(chk["dimension"], lang)
    conflicts = list(chk.get("conflicts") or ())
    if chk["window_matters"] != chk["decided_matters"]:
        head = ctx.text("closerate.check.window_only" if chk["window_matters"] else "closerate.check.decided_only",
                        dimension=words, days=days, window_p=p_text(chk["window_pvalue"], lang),
                        decided_p=p_text(chk["decided_pvalue"], lang))
    else:
        head = ctx.text("closerate.check.conflicts", dimension=words, count=len(conflicts),
                        groups=_join([group_label(g, lang) for g in conflicts], lang))
    reason = chk["reason"]
    if reason == "open_share":
        tail = ctx.text("closerate.check.reason.open_share", group=group_label(chk["open_group"], lang), days=days,
                        share=fmt.pct(chk["open_share"], lang, 0), rest=fmt.pct(chk["open_rest"], lang, 0),
                        dimension=words)
    elif reason == "short_window":
        tail = ctx.text("closerate.check.reason.short_window", days=days, q3=fmt.number(chk["cycle_q3"], lang))
    else:
        tail = ctx.text("closerate.check.reason.other", days=days)
    return f"{head} {tail}"


def check_parts(res: CloseRatesResult, dimension: str, ctx) -> list:
    """The cross-check of a dimension when its two comparisons disagree: the box with the reason and the
    table of won ÷ (won + lost) and leads still open (nothing when they agree)."""
    chk = res.check(dimension)
    if chk is None or chk["agree"] or res.decided is None:
        return []
    d = res.decided[res.decided["dimension"] == dimension]
    return [note_html(check_text(chk, ctx), "note", ctx.text("common.caution")),
            table(ctx, d, "decided", res.window_days, labels=decided_labels(ctx.lang, res.window_days))]


def coverage_text(res: CloseRatesResult, ctx, short: bool = True) -> str:
    """Which leads the outcome data cover ("" when all are)."""
    if res.coverage_start is None or not res.uncovered_leads:
        return ""
    key = "closerate.scope.coverage_short" if short else "closerate.scope.coverage"
    return ctx.text(key, start=fmt.month(res.coverage_start, ctx.lang), count=res.uncovered_leads,
                    leads=fmt.number(res.uncovered_leads, ctx.lang))


def _coverage(res: CloseRatesResult, ctx) -> list:
    text = coverage_text(res, ctx)
    return [note_html(text, "note", ctx.text("common.caution"))] if text else []


def first_month_text(res: CloseRatesResult, ctx) -> str:
    """When the first month the outcome data cover comes out below the rest by month created, say that the
    export may cover it only in part ("" otherwise): the gap may still be speaking."""
    if res.coverage_start is None or res.others is None or not len(res.others):
        return ""
    code = pd.Timestamp(res.coverage_start).strftime("%Y-%m")
    row = res.others[(res.others["dimension"] == "cohort") & (res.others["group"] == code)]
    if not len(row) or row["direction"].iloc[0] != "below":
        return ""
    r = row.iloc[0]
    months = res.others[res.others["dimension"] == "cohort"]
    overall = months["successes"].sum() / months["n"].sum()
    return ctx.text("closerate.scope.first_month_low", month=fmt.month(res.coverage_start, ctx.lang),
                    rate=fmt.pct(r["rate"], ctx.lang), ci=fmt.ci(r["ci_low"], r["ci_high"], ctx.lang),
                    overall=fmt.pct(overall, ctx.lang))


def short_window_text(res: CloseRatesResult, ctx) -> str:
    """The close window is shorter than the sales cycle's third quartile ("" when it is not)."""
    if not res.short_window:
        return ""
    return ctx.text("closerate.scope.short_window", days=res.window_days, q3=fmt.number(res.cycle_q3, ctx.lang))


def set_aside_text(res: CloseRatesResult, ctx) -> str:
    """Leads set aside because their outcome is dated before their creation ("" without any)."""
    n = 0 if res.set_aside is None else len(res.set_aside)
    return ctx.text("closerate.scope.set_aside", count=n, leads=fmt.number(n, ctx.lang)) if n else ""


def scope_parts(res: CloseRatesResult, ctx) -> list:
    """Who is counted and how days are counted: always the unit of days; the coverage of the outcome data,
    the leads set aside, placeholders merged, no lost leads, a window shorter than the cycle, when so."""
    out = [ctx.para("closerate.scope.days", tz=str(ctx.client.tz) if ctx.client is not None else "", days=res.window_days)]
    caution = ctx.text("common.caution")
    for text in (coverage_text(res, ctx, short=False), set_aside_text(res, ctx),
                 ctx.text("closerate.scope.no_lost") if not res.has_lost else "", short_window_text(res, ctx)):
        if text:
            out.append(note_html(text, "note", caution))
    if res.merged:
        out.append(text_html(merged_text(res.merged, ctx)))
    return out


def censoring_text(res: CloseRatesResult, ctx) -> str:
    """Why recent months look worse, with the client's numbers when there are both kinds of month."""
    lang = ctx.lang
    text = ctx.text("closerate.censoring.explain", days=res.window_days)
    facts = cr.recent_vs_earlier(res.cohorts)
    if facts:
        key = ("closerate.censoring.in_this_data" if facts["recent_rate"] < facts["earlier_rate"]
               else "closerate.censoring.in_this_data_not_lower")
        text += " " + ctx.text(key, days=res.window_days,
                               recent_rate=fmt.pct(facts["recent_rate"], lang),
                               recent_open=fmt.pct(facts["recent_open"], lang),
                               earlier_rate=fmt.pct(facts["earlier_rate"], lang))
    return text


def decided_text(table_: pd.DataFrame | None, ctx) -> str:
    """Why won ÷ (won + lost) flatters fast channels, with the fastest and slowest channel; without lost
    leads in the export, why it is not shown at all."""
    lang = ctx.lang
    if table_ is not None and not table_.attrs.get("has_lost", True):
        return ctx.text("closerate.decided.no_lost", days=table_.attrs.get("window_days", 90))
    text = ctx.text("closerate.decided.explain")
    facts = cr.fast_and_slow(table_)
    if facts:
        fast, slow = facts["fast"], facts["slow"]
        text += " " + ctx.text(
            "closerate.decided.here", days=table_.attrs.get("window_days", 90),
            fast=group_label(fast["group"], lang), fast_days=fmt.number(fast["median_days_to_won"], lang),
            fast_decided=fmt.pct(fast["decided_rate"], lang), fast_cif=fmt.pct(fast["cif_window"], lang),
            slow=group_label(slow["group"], lang), slow_days=fmt.number(slow["median_days_to_won"], lang),
            slow_decided=fmt.pct(slow["decided_rate"], lang), slow_cif=fmt.pct(slow["cif_window"], lang))
    return text


def curves_text(nf: pd.DataFrame, ctx) -> str:
    """P(won by day N): highest and lowest group with intervals, or the one curve's value ("" without any)."""
    lang = ctx.lang
    days = nf.attrs.get("window_days", 90) if nf is not None else 90
    facts = cr.highest_and_lowest(nf, "cif_window")
    if not facts:
        one = nf.dropna(subset=["cif_window"]) if nf is not None and len(nf) else None
        if one is None or len(one) != 1:
            return ""
        r = one.iloc[0]
        return ctx.text("closerate.curves.overall", days=days, rate=fmt.pct(r["cif_window"], lang),
                        ci=fmt.ci(r["cif_low"], r["cif_high"], lang))
    hi, lo = facts["high"], facts["low"]
    return ctx.text("closerate.curves.summary", days=days,
                    high=group_label(hi["group"], lang), high_rate=fmt.pct(hi["cif_window"], lang),
                    high_ci=fmt.ci(hi["cif_low"], hi["cif_high"], lang),
                    low=group_label(lo["group"], lang), low_rate=fmt.pct(lo["cif_window"], lang),
                    low_ci=fmt.ci(lo["cif_low"], lo["cif_high"], lang))


def funnel_text(ft: pd.DataFrame, lk: pd.DataFrame, ctx) -> str:
    """Where channels leak and the guide's ratios (visits per lead, leads per customer)."""
    lang = ctx.lang
    if len(lk):
        items = [ctx.text("closerate.funnel.leak", group=group_label(r.group, lang), step=_value("steps", r.step, lang),
                          rate=fmt.pct(r.rate, lang), overall=fmt.pct(r.overall_rate, lang))
                 for r in lk.itertuples()]  # one per leak
        head = ctx.text("closerate.funnel.leaks", leaks=ctx.text("common.list_sep").join(items))
    else:
        head = ctx.text("closerate.funnel.no_leaks")
    tot = ft[ft["group"] == cr.TOTAL].iloc[0]
    if pd.isna(tot["leads_per_customer"]):
        return f"{head} {ctx.text('closerate.funnel.no_customers')}"
    per_customer = fmt.number(tot["leads_per_customer"], lang, 1)
    if pd.notna(tot["visits_per_lead"]):
        ratios = ctx.text("closerate.funnel.ratios", visits_per_lead=fmt.number(tot["visits_per_lead"], lang, 1),
                          leads_per_customer=per_customer)
    else:
        ratios = ctx.text("closerate.funnel.ratio_customers", leads_per_customer=per_customer)
    return f"{head} {ratios}"


def cycle_text(all_: pd.DataFrame, by: pd.DataFrame | None, ctx) -> str:
    """Median sales cycle (won-only and adjusted for open leads), fastest and slowest group."""
    lang = ctx.lang
    r = all_.iloc[0]
    if pd.isna(r["median_days"]):
        return ctx.text("closerate.cycle.none_won")
    text = ctx.text("closerate.cycle.summary", count=int(r["n_won"]), median=fmt.number(r["median_days"], lang),
                    q1=fmt.number(r["q1_days"], lang), q3=fmt.number(r["q3_days"], lang),
                    open_share=fmt.pct(r["open_share"], lang, 0), adjusted=fmt.number(r["adj_median_days"], lang))
    facts = cr.fastest_and_slowest(by)
    if facts:
        f, s = facts["fast"], facts["slow"]
        text += " " + ctx.text("closerate.cycle.fastest_slowest", fast=group_label(f["group"], lang),
                               fast_days=fmt.number(f["median_days"], lang), slow=group_label(s["group"], lang),
                               slow_days=fmt.number(s["median_days"], lang), min_won=facts["min_won"])
    return text


def assists_text(assists: pd.DataFrame, ctx) -> str:
    """The assets customers touched significantly more often than non-customers."""
    lang = ctx.lang
    pos = attr.winning_assets(assists)
    if pos.empty:
        return ctx.text("closerate.assists.none")
    items = [ctx.text("closerate.assists.asset", asset=r.asset, share_customers=fmt.pct(r.share_customers, lang, 0),
                      share_non_customers=fmt.pct(r.share_non_customers, lang, 0), difference=fmt.pp(r.difference, lang),
                      diff_low=fmt.pp(r.diff_low, lang), diff_high=fmt.pp(r.diff_high, lang))
             for r in pos.itertuples()]  # a few rows
    return ctx.text("closerate.assists.winning", assets=ctx.text("common.list_sep").join(items))


def landing_text(lp: pd.DataFrame, ctx) -> str:
    """What the landing-page table can and cannot say."""
    lang = ctx.lang
    facts = attr.best_landing_page(lp)
    best = facts["best"]
    if best is None:
        return ctx.text("closerate.landing.not_tied")
    return ctx.text("closerate.landing.best", count=facts["paired"], asset=best["asset"],
                    rate=fmt.pct(best["submission_rate"], lang), ci=fmt.ci(best["ci_low"], best["ci_high"], lang),
                    views=fmt.number(best["views"], lang))


def attribution_text(table_: pd.DataFrame, ctx) -> str:
    """How much the credited figures change with the model ("" for an empty table)."""
    lang = ctx.lang
    facts = attr.model_spread(attr.attribution_wide(table_))
    if facts is None:
        return ""
    if facts["same"]:
        return ctx.text("closerate.attribution.same")
    return ctx.text("closerate.attribution.matters", key=group_label(facts["key"], lang),
                    low=fmt.number(facts["low"], lang, 1),
                    low_model=ctx.text(f"closerate.in_text.models.{facts['low_model']}"),
                    high=fmt.number(facts["high"], lang, 1),
                    high_model=ctx.text(f"closerate.in_text.models.{facts['high_model']}"))


# --------------------------------------------------------------------------------------------
# charts (matplotlib Figures, never shown here)
# --------------------------------------------------------------------------------------------
def plot_rates(rates: pd.DataFrame, lang: str, title: str | None = None):
    """Horizontal dot-and-interval chart of a close-rates table; groups too small to judge in
    grey, overall rate as a dashed line."""
    fig, ax = plt.subplots(figsize=theme.figsize("normal"))
    r = rates.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(r))
    colors = np.where(r["too_small"], theme.COLORS["neutral"],
                      np.where(r["direction"] == "above", theme.COLORS["good"],
                               np.where(r["direction"] == "below", theme.COLORS["bad"], theme.COLORS["highlight"])))
    err = np.vstack([(r["rate"] - r["ci_low"]).fillna(0).clip(lower=0), (r["ci_high"] - r["rate"]).fillna(0).clip(lower=0)])
    for i in range(len(r)):  # one marker per group (a handful), colour by verdict
        ax.errorbar(r["rate"].iloc[i], y[i], xerr=err[:, i:i + 1], fmt="o", color=colors[i], capsize=3)
    overall = rates.attrs.get("overall_rate")
    if overall is not None and pd.notna(overall):
        ax.axvline(overall, ls="--", color=theme.COLORS["goal"], lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels([group_label(g, lang) for g in r["group"]])
    theme.format_axis(ax, "x", "pct", lang)
    ax.set_xlabel(texts.t("closerate.columns.rate", lang))
    ax.set_title(title if title is not None else
                 texts.t("closerate.plots.rates_title", lang,
                         dimension=dimension_in_text(rates.attrs.get("dimension", ""), lang)))
    return fig


def plot_close_curves(curves: pd.DataFrame, lang: str, *, max_days: float | None = None,
                      window_days: int | None = None, band: bool | None = None):
    """Step plot of the cumulative close rate vs days, one line per group, with the 95 % band (by
    default only with at most 3 groups, to stay readable); a dotted line at the close window."""
    fig, ax = plt.subplots(figsize=theme.figsize("wide"))
    c = survival.with_origin(curves, "cif", 0.0)
    if max_days is not None:
        c = c[c["time"] <= max_days]
    groups = list(pd.unique(c["group"]))
    band = len(groups) <= 3 if band is None else band
    for g, colour in zip(groups, theme.palette(len(groups))):  # one line per group
        s = c[c["group"] == g]
        ax.step(s["time"], s["cif"], where="post", color=colour, label=group_label(g, lang))
        if band:
            ax.fill_between(s["time"], s["ci_low"].fillna(s["cif"]), s["ci_high"].fillna(s["cif"]), step="post",
                            color=colour, alpha=0.12, lw=0)
    if window_days:
        ax.axvline(window_days, ls=":", color=theme.COLORS["goal"], lw=1)
    theme.format_axis(ax, "y", "pct", lang)
    ax.set_xlabel(texts.t("closerate.columns.time", lang))
    ax.set_ylabel(texts.t("closerate.columns.cif", lang))
    ax.set_title(texts.t("closerate.plots.curves_title", lang))
    if len(groups) > 1:
        ax.legend(loc="upper left", fontsize=9)
    return fig


def plot_cohorts(cohorts: pd.DataFrame, lang: str):
    """Naive close rate (customers so far ÷ leads) and close rate within N days by month of
    creation: the naive line falls for recent months because their leads are still open."""
    fig, ax = plt.subplots(figsize=theme.figsize("wide"))
    x = np.arange(len(cohorts))
    n = cohorts.attrs.get("window_days", 90)
    ax.plot(x, cohorts["naive_rate"], marker="o", color=theme.PALETTE[1], label=texts.t("closerate.columns.naive_rate", lang))
    ax.plot(x, cohorts["window_rate"], marker="s", color=theme.PALETTE[0],
            label=texts.t("closerate.window_columns.window_rate", lang, days=n))
    ax.fill_between(x, cohorts["window_ci_low"], cohorts["window_ci_high"], color=theme.PALETTE[0], alpha=0.12, lw=0)
    ax.set_xticks(x)
    ax.set_xticklabels([fmt.month(m, lang, short=True) for m in cohorts["cohort"]], rotation=45, ha="right")
    theme.format_axis(ax, "y", "pct", lang)
    ax.set_title(texts.t("closerate.plots.cohorts_title", lang))
    ax.legend(loc="best", fontsize=9)
    return fig


def plot_funnel(steps: pd.DataFrame, lang: str):
    """Heat map of step rates (rows: groups, columns: steps); colour = rate ÷ overall rate of the
    step (red: below, green: above); the cell text is the rate, with '!' on significant leaks."""
    fig, ax = plt.subplots(figsize=theme.figsize("normal"))
    steps_present = [s for s in cr.STEPS if s in set(steps["step"])]
    groups = sorted(pd.unique(steps["group"]).tolist(), key=str)
    piv = steps.pivot(index="group", columns="step", values="rate").reindex(index=groups, columns=steps_present)
    ovr = steps.groupby("step")["overall_rate"].first().reindex(steps_present)
    lk = steps.pivot(index="group", columns="step", values="leak").reindex(index=groups, columns=steps_present)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log2((piv / ovr).astype(float).to_numpy())
    ratio = np.clip(np.nan_to_num(ratio, nan=0.0, neginf=-1.5, posinf=1.5), -1.5, 1.5)
    ax.imshow(ratio, cmap="RdYlGn", vmin=-1.5, vmax=1.5, aspect="auto")
    for i in range(len(groups)):  # annotate cells (groups × 4 steps)
        for j in range(len(steps_present)):
            txt = fmt.pct(piv.iat[i, j], lang) + (" !" if lk.iat[i, j] is True else "")
            ax.text(j, i, txt, ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(steps_present)))
    ax.set_xticklabels([_value("steps", s, lang) for s in steps_present])
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([group_label(g, lang) for g in groups])
    ax.grid(False)
    ax.set_title(texts.t("closerate.plots.funnel_title", lang))
    return fig


def plot_sales_cycle(cycle: pd.DataFrame, lang: str):
    """Sales cycle per group: bar from Q1 to Q3 of days to win (won leads), dot at the median,
    hollow diamond at the median adjusted for open leads."""
    fig, ax = plt.subplots(figsize=theme.figsize("normal"))
    c = cycle.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(c))
    ax.barh(y, (c["q3_days"] - c["q1_days"]).fillna(0), left=c["q1_days"].fillna(0), color=theme.PALETTE[4],
            alpha=0.5, label=texts.t("closerate.plots.quartiles", lang))
    ax.plot(c["median_days"], y, "o", color=theme.PALETTE[0], label=texts.t("closerate.columns.median_days", lang))
    ax.plot(c["adj_median_days"], y, "D", mfc="none", color=theme.PALETTE[5],
            label=texts.t("closerate.columns.adj_median_days", lang))
    ax.set_yticks(y)
    ax.set_yticklabels([group_label(g, lang) for g in c["group"]])
    ax.set_xlabel(texts.t("closerate.plots.cycle_xlabel", lang))
    ax.set_title(texts.t("closerate.plots.cycle_title", lang, start=_value("start", cycle.attrs.get("start", "lead"), lang)))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=9)
    return fig


def plot_assists(assists: pd.DataFrame, lang: str, top: int = 15):
    """Difference (customers' share − non-customers' share) per asset with its Newcombe interval;
    significant ones coloured."""
    fig, ax = plt.subplots(figsize=theme.figsize("normal"))
    a = assists.head(top).iloc[::-1].reset_index(drop=True)
    y = np.arange(len(a))
    col = np.where(a["significant"], np.where(a["difference"] > 0, theme.COLORS["good"], theme.COLORS["bad"]),
                   theme.COLORS["neutral"])
    ax.hlines(y, a["diff_low"], a["diff_high"], color=col, lw=2)
    ax.scatter(a["difference"], y, color=col, zorder=3)
    ax.axvline(0, color=theme.COLORS["goal"], lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(a["asset"].astype(str))
    theme.format_axis(ax, "x", "pct", lang)
    ax.set_xlabel(texts.t("closerate.plots.assists_xlabel", lang))
    ax.set_title(texts.t("closerate.plots.assists_title", lang))
    return fig


def plot_attribution(table_: pd.DataFrame, lang: str, value: str = "credit_customers", top: int = 10):
    """Grouped horizontal bars: credit per key under each model, for the ``top`` keys with the
    most linear credit."""
    fig, ax = plt.subplots(figsize=theme.figsize("tall"))
    w = attr.attribution_wide(table_, value).head(top).iloc[::-1].reset_index(drop=True)
    y = np.arange(len(w))
    h = 0.8 / len(attr.MODELS)
    for j, (m, colour) in enumerate(zip(attr.MODELS, theme.palette(len(attr.MODELS)))):  # four models
        ax.barh(y + (j - 1.5) * h, w[m], height=h, color=colour, label=texts.t(f"closerate.columns.{m}", lang))
    ax.set_yticks(y)
    ax.set_yticklabels([group_label(k, lang) for k in w["key"]])
    if value == "credit_revenue":
        theme.format_axis(ax, "x", "money", lang)
    ax.set_xlabel(texts.t(f"closerate.columns.{value}", lang))
    ax.set_title(texts.t("closerate.plots.attribution_title", lang))
    ax.legend(loc="lower right", fontsize=9)
    return fig


# --------------------------------------------------------------------------------------------
# the notebook's sections
# --------------------------------------------------------------------------------------------
def _rates(res: CloseRatesResult, rates: pd.DataFrame, ctx) -> list:
    if not len(rates) or not rates.attrs.get("n_total"):
        return _coverage(res, ctx) + [text_html(rates_text(rates, ctx, res))]
    return (_coverage(res, ctx) + [table(ctx, rates, "rates"), plot_rates(rates, ctx.lang),
                                   text_html(rates_text(rates, ctx, res))]
            + check_parts(res, rates.attrs.get("dimension", ""), ctx))


@section(CloseRatesResult, "scope")
def scope(res: CloseRatesResult, ctx, **options) -> list:
    """How days are counted and who is counted (coverage of the outcome data, leads set aside,
    placeholders merged, no lost leads, a close window shorter than the cycle)."""
    return scope_parts(res, ctx)


@section(CloseRatesResult, "channel")
def channel(res: CloseRatesResult, ctx, **options) -> list:
    return _rates(res, res.channel, ctx)


@section(CloseRatesResult, "offer")
def offer(res: CloseRatesResult, ctx, **options) -> list:
    return _rates(res, res.offer, ctx)


def tests_text(res: CloseRatesResult, ctx) -> str:
    """The dimensions whose two comparisons disagree, or why there is no cross-check ("" otherwise)."""
    if not res.has_lost:
        return ctx.text("closerate.tests.no_lost")
    if res.checks is None:
        return ""
    bad = res.checks[~res.checks["agree"].astype(bool)]
    if not len(bad):
        return ctx.text("closerate.tests.agree", count=len(res.checks), days=res.window_days)
    return ctx.text("closerate.tests.disputed", count=len(bad), days=res.window_days,
                    dimensions=_join([dimension_in_text(d, ctx.lang) for d in bad["dimension"]], ctx.lang))


@section(CloseRatesResult, "dimension_tests")
def dimension_tests(res: CloseRatesResult, ctx, **options) -> list:
    drop = () if res.has_lost else ("decided_qvalue", "decided_matters", "agree")
    text = tests_text(res, ctx)
    first = first_month_text(res, ctx)
    return (_coverage(res, ctx) + [table(ctx, res.tests, "tests", empty="closerate.empty.tests", drop=drop)]
            + ([text_html(text)] if text else [])
            + ([note_html(first, "note", ctx.text("common.caution"))] if first else []))


@section(CloseRatesResult, "other_dimensions")
def other_dimensions(res: CloseRatesResult, ctx, **options) -> list:
    out = [table(ctx, res.others, "rates_long", empty="closerate.empty.rows")]
    for dim in res.others.attrs.get("dimensions", []) if res.others is not None else []:  # a handful
        out += check_parts(res, dim, ctx)
    return out


@section(CloseRatesResult, "cohorts")
def cohorts(res: CloseRatesResult, ctx, **options) -> list:
    if res.cohorts is None or not len(res.cohorts):
        return _coverage(res, ctx) + [ctx.para("closerate.empty.cohorts")]
    first = first_month_text(res, ctx)
    return (_coverage(res, ctx) + [plot_cohorts(res.cohorts, ctx.lang), text_html(censoring_text(res, ctx))]
            + ([note_html(first, "note", ctx.text("common.caution"))] if first else [])
            + [table(ctx, res.cohorts, "cohorts", res.window_days)])


@section(CloseRatesResult, "naive_fair")
def naive_fair(res: CloseRatesResult, ctx, **options) -> list:
    drop = () if res.has_lost else ("lost", "decided_rate", "median_days_to_lost")
    return [table(ctx, res.naive_fair, "naive_fair", res.window_days, empty="closerate.empty.rows", drop=drop),
            text_html(decided_text(res.naive_fair, ctx))]


@section(CloseRatesResult, "curves")
def curves(res: CloseRatesResult, ctx, **options) -> list:
    if res.curves is None or not len(res.curves):
        return [ctx.para("closerate.empty.curves")]
    out = [plot_close_curves(res.curves, ctx.lang, window_days=res.window_days, max_days=options.get("max_days", 365))]
    text = curves_text(res.naive_fair, ctx)
    return out + ([text_html(text)] if text else [])


@section(CloseRatesResult, "funnel")
def funnel(res: CloseRatesResult, ctx, **options) -> list:
    out = _coverage(res, ctx) + [table(ctx, res.funnel, "funnel")]
    return out + ([plot_funnel(res.steps, ctx.lang)] if len(res.steps) else [])


@section(CloseRatesResult, "leaks")
def leaks(res: CloseRatesResult, ctx, **options) -> list:
    out = [table(ctx, res.leaks, "leaks")] if len(res.leaks) else []
    return out + [text_html(funnel_text(res.funnel, res.leaks, ctx))]


@section(CloseRatesResult, "cycle")
def cycle(res: CloseRatesResult, ctx, **options) -> list:
    out = _coverage(res, ctx) + [table(ctx, res.cycle_all, "cycle", empty="closerate.empty.cycle")]
    if res.cycle_channel is not None and len(res.cycle_channel) > 1:
        out += [table(ctx, res.cycle_channel, "cycle"), plot_sales_cycle(res.cycle_channel, ctx.lang)]
    out.append(text_html(cycle_text(res.cycle_all, res.cycle_channel, ctx)))
    short = short_window_text(res, ctx)
    if short:
        out.append(note_html(short, "note", ctx.text("common.caution")))
    if res.set_aside is not None and len(res.set_aside):
        out += [note_html(set_aside_text(res, ctx), "note", ctx.text("common.caution")),
                table(ctx, res.set_aside, "set_aside")]
    return out


@section(CloseRatesResult, "cycle_offer")
def cycle_offer(res: CloseRatesResult, ctx, **options) -> list:
    return [table(ctx, res.cycle_offer, "cycle", empty="closerate.empty.cycle")]


@section(CloseRatesResult, "cycle_segment")
def cycle_segment(res: CloseRatesResult, ctx, **options) -> list:
    return [table(ctx, res.cycle_segment, "cycle", empty="closerate.empty.cycle")]


@section(CloseRatesResult, "cycle_mql")
def cycle_mql(res: CloseRatesResult, ctx, **options) -> list:
    out = [table(ctx, res.cycle_mql, "cycle", empty="closerate.empty.cycle")]
    n = int(res.cycle_mql.attrs.get("set_aside", 0))
    return out + ([ctx.para("closerate.cycle.mql_set_aside", count=n, leads=fmt.number(n, ctx.lang))] if n else [])


@section(CloseRatesResult, "assists")
def assists(res: CloseRatesResult, ctx, **options) -> list:
    if not len(res.assists):
        return _coverage(res, ctx) + [ctx.para("closerate.empty.assists")]
    return _coverage(res, ctx) + [table(ctx, res.assists, "assists"), plot_assists(res.assists, ctx.lang),
                                  text_html(assists_text(res.assists, ctx))]


@section(CloseRatesResult, "landing")
def landing(res: CloseRatesResult, ctx, **options) -> list:
    out = [table(ctx, res.landing, "landing")] if len(res.landing) else []
    return out + [text_html(landing_text(res.landing, ctx))]


@section(CloseRatesResult, "attribution_channel")
def attribution_channel(res: CloseRatesResult, ctx, **options) -> list:
    if not len(res.attribution_channel):
        return [ctx.para("closerate.empty.attribution")]
    text = attribution_text(res.attribution_channel, ctx)
    return [table(ctx, res.attribution_channel, "attribution")] + ([text_html(text)] if text else [])


@section(CloseRatesResult, "attribution_asset")
def attribution_asset(res: CloseRatesResult, ctx, **options) -> list:
    if not len(res.attribution_asset):
        return [ctx.para("closerate.empty.attribution")]
    text = attribution_text(res.attribution_asset, ctx)
    out = [table(ctx, res.attribution_asset, "attribution"), plot_attribution(res.attribution_asset, ctx.lang)]
    return out + ([text_html(text)] if text else [])


__all__ = ["COLUMNS", "FORMATS", "FORMATS_BY_VIEW", "MAX_ROWS", "assists_text", "attribution_text", "censoring_text",
           "check_parts", "check_text", "column_labels", "first_month_text", "coverage_text", "curves_text", "cycle_text",
           "decided_labels", "decided_text", "dimension_in_text", "funnel_text", "group_label", "landing_text",
           "localize", "merged_text", "p_text", "plot_assists", "plot_attribution", "plot_close_curves",
           "plot_cohorts", "plot_funnel", "plot_rates", "plot_sales_cycle", "rates_text", "scope_parts",
           "set_aside_text", "short_window_text", "tests_text", "view"]
