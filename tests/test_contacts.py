"""Per-lead contact summary and activity counts from a log or from counters (hand-made cases)."""
import pandas as pd

from smk.analyses.contacts import contact_summary
from smk.analyses.features import activity_counts

TZ = "Europe/Madrid"


def t(*values):
    return pd.to_datetime(list(values)).tz_localize(TZ)


def leads():
    return pd.DataFrame({"lead_id": ["a", "b", "c"], "created_at": t("2026-01-01 00:00", "2026-01-02 00:00", "2026-01-05 00:00")})


def test_from_a_log_without_any_connection():
    att = pd.DataFrame({"lead_id": ["a", "a", "b"], "attempted_at": t("2026-01-01 05:00", "2026-01-03 00:00", "2026-01-02 01:30"),
                        "outcome": ["no_answer", "voicemail", "busy"]})
    out = contact_summary(leads(), att, within_days=1).set_index("lead_id")
    assert out["n_attempts"].to_dict() == {"a": 2, "b": 1, "c": 0}           # c never attempted: kept, 0
    assert out.loc["a", "hours_to_first_attempt"] == 5.0 and out.loc["b", "hours_to_first_attempt"] == 1.5
    assert pd.isna(out.loc["c", "first_attempt_at"])
    assert out["attempts_within"].to_dict() == {"a": 1, "b": 1, "c": 0}      # a's second attempt is 2 days later
    assert out["n_connects"].tolist() == [0, 0, 0] and out["first_connect_at"].isna().all()
    assert contact_summary(leads(), att).attrs["source"] == "log"


def test_from_counters_and_from_nothing():
    l2 = leads().assign(n_attempts=[3, 0, None])
    out = contact_summary(l2, None)
    assert out["n_attempts"].tolist()[:2] == [3, 0] and pd.isna(out["n_attempts"].iloc[2])
    assert out.attrs["source"] == "counters" and out["first_attempt_at"].isna().all()
    assert contact_summary(leads(), None).attrs["source"] == "none"


def test_activity_counts_respect_the_cut_off():
    acts = pd.DataFrame({"lead_id": ["a", "a", "b", "zz"], "occurred_at": t("2026-01-02", "2026-01-10", "2026-01-03", "2026-01-03"),
                         "activity_type": ["demo_request", "pricing_page_view", "demo_request", "demo_request"]})
    before = pd.Series(t("2026-01-05"), index=["a"])  # a won on 5 Jan: its pricing view on the 10th does not count
    counts = activity_counts(leads(), acts, before=before)
    assert counts.loc["a"].to_dict() == {"demo_request": 1, "pricing_page_view": 0}
    assert counts.loc["c"].sum() == 0 and "zz" not in counts.index and counts.attrs["source"] == "log"
    l2 = leads().assign(n_page_view=[16, 0, 2], n_attempts=[1, 1, 1])
    from_counters = activity_counts(l2)
    assert list(from_counters.columns) == ["page_view"] and from_counters.attrs["source"] == "counters"
