"""Per-lead sales-contact summary, from a contact-attempts log or from per-lead counters.

Used by the SLA (04), contact-attempt (05), alignment (01) and monthly (06) analyses.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from smk.analyses.features import align, isin

CONNECTED_OUTCOMES = ("connected", "conversation", "meeting", "answered")


def contact_summary(leads: pd.DataFrame, attempts: pd.DataFrame | None = None, *,
                    within_days: float | None = None,
                    connected_outcomes: tuple[str, ...] = CONNECTED_OUTCOMES) -> pd.DataFrame:
    """One row per lead (order of ``leads``):

    ``lead_id, created_at, n_attempts, first_attempt_at, hours_to_first_attempt, n_connects,
    first_connect_at, attempts_within`` (attempts made within ``within_days`` of creation; NaN when
    ``within_days`` is None or no log).

    From a log, attempts before the lead was created are ignored (the loader already set them aside).
    Without a log, ``n_attempts`` / ``n_connects`` / ``first_contact_at`` come from the lead row when
    present; ``result.attrs['source']`` says ``'log'``, ``'counters'`` or ``'none'``. Leads never
    attempted have ``n_attempts == 0`` and a missing first attempt: they are never dropped.
    """
    out = pd.DataFrame({"lead_id": leads["lead_id"], "created_at": leads["created_at"]}).reset_index(drop=True)
    if attempts is not None and len(attempts):
        a = attempts[isin(attempts["lead_id"], out["lead_id"])]
        g = a.groupby("lead_id", sort=False)
        out["n_attempts"] = align(out["lead_id"], g.size()).fillna(0).astype("int64")
        out["first_attempt_at"] = align(out["lead_id"], g["attempted_at"].min()).astype(leads["created_at"].dtype)
        if "outcome" in a:
            conn = a[a["outcome"].isin(connected_outcomes)].groupby("lead_id", sort=False)
            out["n_connects"] = align(out["lead_id"], conn.size()).fillna(0).astype("int64")
            out["first_connect_at"] = align(out["lead_id"], conn["attempted_at"].min()).astype(leads["created_at"].dtype)
        else:
            out["n_connects"] = pd.array([pd.NA] * len(out), dtype="Int64")
            out["first_connect_at"] = pd.Series(pd.NaT, index=out.index, dtype=leads["created_at"].dtype)
        if within_days is not None:
            created = align(a["lead_id"], out.set_index("lead_id")["created_at"])
            inside = (a["attempted_at"] - created).dt.total_seconds() <= within_days * 86400
            out["attempts_within"] = align(out["lead_id"], a[inside].groupby("lead_id").size()).fillna(0).astype("int64")
        else:
            out["attempts_within"] = np.nan
        out.attrs["source"] = "log"
    else:
        def lead_col(name, dtype):
            return leads[name].reset_index(drop=True) if name in leads else pd.array([pd.NA] * len(out), dtype=dtype)

        out["n_attempts"] = pd.array(lead_col("n_attempts", "Int64"), dtype="Int64")
        out["first_attempt_at"] = (leads["first_contact_at"].reset_index(drop=True) if "first_contact_at" in leads
                                   else pd.Series(pd.NaT, index=out.index, dtype=leads["created_at"].dtype))
        out["first_attempt_at"] = out["first_attempt_at"].astype(leads["created_at"].dtype)
        out["n_connects"] = pd.array(lead_col("n_connects", "Int64"), dtype="Int64")
        out["first_connect_at"] = pd.Series(pd.NaT, index=out.index, dtype=leads["created_at"].dtype)
        out["attempts_within"] = np.nan
        has_any = "n_attempts" in leads or "first_contact_at" in leads
        out.attrs["source"] = "counters" if has_any else "none"
    out["hours_to_first_attempt"] = (out["first_attempt_at"] - out["created_at"]).dt.total_seconds() / 3600
    return out[["lead_id", "created_at", "n_attempts", "first_attempt_at", "hours_to_first_attempt",
                "n_connects", "first_connect_at", "attempts_within"]]
