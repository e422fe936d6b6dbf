"""Per-lead activity counts, from an activities log or from per-lead counters.

Many CRMs export no event log, only counters on the lead row (``n_page_view``, ``n_form_submission``…).
Analyses ask this module for counts and never care which shape the client has.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from smk.io.arrays import NAT_NS, align, epoch_ns, isin, positions, row_patterns  # noqa: F401  (re-used names)


def _coded_events(index: pd.Index, activities: pd.DataFrame, by, before: pd.Series | None):
    """The log as integer codes: (lead codes of ``index``, number of distinct leads, per kept event
    its lead's code and its kind's code, kind labels sorted). Kept: events of known leads with a
    kind, before the lead's cut-off when ``before`` is given."""
    cols = (by,) if isinstance(by, str) else tuple(by)
    lead_codes, lead_uniques = pd.factorize(index, use_na_sentinel=True)
    pos = positions(activities["lead_id"], lead_uniques)
    keep = pos >= 0
    kind = np.zeros(len(activities), dtype=np.int64)
    parts = []
    for col in cols:
        codes, uniques = pd.factorize(activities[col], use_na_sentinel=True)
        keep &= codes >= 0
        kind = kind * (len(uniques) + 1) + codes
        parts.append((uniques, len(uniques) + 1))
    kind = kind[keep]
    size = int(np.prod([base for _, base in parts]))
    if size <= 50_000_000:  # a bincount over the code space: linear, where np.unique sorts
        present = np.bincount(kind, minlength=size) > 0
        kinds_all = np.flatnonzero(present)
        kind = (np.cumsum(present) - 1)[kind]
    else:
        kinds_all, kind = np.unique(kind, return_inverse=True)
        kind = kind.reshape(-1)
    pos = pos[keep]
    labels = []
    for code in kinds_all:  # decode the combined code into " · "-joined values
        vals = []
        for uniques, base in reversed(parts):
            code, c = divmod(int(code), base)
            vals.append(str(uniques[c]))
        labels.append(" · ".join(reversed(vals)))
    order = sorted(range(len(labels)), key=lambda i: labels[i])  # every kind keeps a column, even if cut off
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    kind = rank[kind] if len(order) else kind
    labels = [labels[i] for i in order]
    if before is not None:
        cut_pos = positions(lead_uniques, before.index)
        cut_ns = epoch_ns(before.array)
        lead_cut = np.where(cut_pos >= 0, cut_ns[np.clip(cut_pos, 0, None)], NAT_NS)
        ev_cut = lead_cut[pos]
        when = epoch_ns(activities["occurred_at"].array)[keep]
        inside = (ev_cut == NAT_NS) | ((when != NAT_NS) & (when < ev_cut))
        pos, kind = pos[inside], kind[inside]
    return lead_codes, len(lead_uniques), pos, kind, labels


def _per_lead_frame(per_lead: np.ndarray, lead_codes: np.ndarray, index: pd.Index, labels: list[str]) -> pd.DataFrame:
    """Rows of ``per_lead`` (one per distinct lead) laid out in the order of ``index``, without
    copying when the leads are already distinct (the usual case: one copy of n × kinds is enough)."""
    if not (len(lead_codes) == len(per_lead) and (lead_codes == np.arange(len(lead_codes))).all()):
        rows = per_lead[np.clip(lead_codes, 0, None)]
        rows[lead_codes < 0] = 0
        per_lead = rows
    out = pd.DataFrame(per_lead, index=index, columns=labels, copy=False)
    out.attrs["source"] = "log"
    return out


def activity_done(leads: pd.DataFrame, activities: pd.DataFrame | None = None, *,
                  by: str | tuple[str, ...] = "activity_type", before: pd.Series | None = None) -> pd.DataFrame:
    """Boolean frame: did each lead do each activity (before its cut-off)? Same rules as
    :func:`activity_counts` (``did_activity(activity_counts(...))``) but built as booleans, one byte
    per lead and kind: asset-level tables on a million leads stay small."""
    index = pd.Index(leads["lead_id"], name="lead_id")
    if activities is not None and len(activities):
        lead_codes, n_leads, pos, kind, labels = _coded_events(index, activities, by, before)
        k = len(labels)
        flat = np.zeros(n_leads * k, dtype=bool)
        flat[pos * k + kind] = True
        return _per_lead_frame(flat.reshape(n_leads, k), lead_codes, index, labels)
    return did_activity(activity_counts(leads, None))


def activity_counts(leads: pd.DataFrame, activities: pd.DataFrame | None = None, *,
                    by: str | tuple[str, ...] = "activity_type", before: pd.Series | None = None) -> pd.DataFrame:
    """Counts per lead (rows, indexed by ``lead_id`` in the order of ``leads``) and activity (columns).

    - With an ``activities`` log: counts events per ``by`` value (``activity_type`` or ``asset``;
      a tuple of columns counts their combinations, labelled ``"<type> · <asset>"``).
      ``before``, a Series of cut-off timestamps indexed by ``lead_id`` (e.g. the won or MQL date),
      keeps only events strictly before the lead's cut-off (missing cut-off: every event counts).
      This is how "only activity before the lead's outcome counts" is enforced.
    - Without a log: the ``n_<activity>`` counter columns of ``leads`` (``n_attempts`` and
      ``n_connects`` excluded: they are sales activity). Counters carry no dates, so ``before`` cannot
      be applied; ``result.attrs['source'] == 'counters'`` tells the caller to say so.

    ``result.attrs['source']`` is ``'log'`` or ``'counters'`` (or ``'none'`` when neither exists).
    Works on integer codes (lead positions, kind codes, int64 timestamps): a log of 20 million
    events is counted without building per-event strings or timestamps.
    """
    index = pd.Index(leads["lead_id"], name="lead_id")
    if activities is not None and len(activities):
        lead_codes, n_leads, pos, kind, labels = _coded_events(index, activities, by, before)
        k = len(labels)
        per_lead = (np.bincount(pos * k + kind, minlength=n_leads * k).reshape(n_leads, k) if k
                    else np.zeros((n_leads, 0), np.int64))
        return _per_lead_frame(per_lead, lead_codes, index, labels)
    cols = [c for c in leads.columns if c.startswith("n_") and c not in ("n_attempts", "n_connects")]
    counts = leads[cols].fillna(0).astype("int64").set_axis(index)
    counts.columns = [c[2:] for c in cols]
    counts = counts[sorted(counts.columns)]
    counts.attrs["source"] = "counters" if cols else "none"
    return counts


def did_activity(counts: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame: the lead did the activity at least once."""
    out = counts > 0
    out.attrs.update(counts.attrs)
    return out
