"""Per-lead outcomes from deals and/or lead fields, with censoring."""
import pandas as pd
import pytest

from smk.analyses.outcomes import lead_outcomes, old_enough, won_within

TZ = "Europe/Madrid"


def ts(s):
    return pd.Timestamp(s, tz=TZ)


def leads():
    return pd.DataFrame({
        "lead_id": ["a", "b", "c", "d", "e"],
        "created_at": [ts("2026-01-01"), ts("2026-01-10"), ts("2026-02-01"), ts("2026-03-01"), ts("2026-03-05")],
        "customer_at": [pd.NaT, ts("2026-02-10"), pd.NaT, pd.NaT, pd.NaT],
        "status": ["open", "won", "lost", "open", "open"],
        "closed_at": [pd.NaT, pd.NaT, ts("2026-02-15"), pd.NaT, pd.NaT],
    }).astype({"customer_at": f"datetime64[ns, {TZ}]", "closed_at": f"datetime64[ns, {TZ}]"})


def deals():
    return pd.DataFrame({
        "deal_id": ["d1", "d2", "d3", "d4"],
        "lead_id": ["a", "a", "d", None],
        "stage": ["won", "won", "lost", "won"],
        "closed_at": [ts("2026-01-31"), ts("2026-03-01"), ts("2026-03-20"), ts("2026-03-01")],
        "amount": [1000.0, 500.0, 99.0, 7.0],
    })


def test_outcomes_from_deals_and_lead_fields():
    out = lead_outcomes(leads(), deals(), data_end=ts("2026-04-01")).set_index("lead_id")
    assert out["status"].to_dict() == {"a": "won", "b": "won", "c": "lost", "d": "lost", "e": "open"}
    assert out.loc["a", "won_at"] == ts("2026-01-31")            # earliest won deal
    assert out.loc["a", "revenue"] == 1500.0                      # both won deals
    assert out.loc["b", "won_at"] == ts("2026-02-10") and out.loc["b", "revenue"] == 0.0  # customer date, no amount
    assert out.loc["d", "lost_at"] == ts("2026-03-20")            # its only deal was lost
    assert out.loc["e", "event"] == "censored" and out.loc["e", "end_at"] == ts("2026-04-01")
    assert out.loc["a", "duration_days"] == pytest.approx(30.0)   # 1 Jan -> 31 Jan
    assert out.loc["e", "duration_days"] == pytest.approx(26.0 + 23 / 24)  # 5 Mar -> 1 Apr, across the DST change (23 h day)
    assert "d4" not in out.index                                  # unlinked deal is not a lead


def test_windows_and_age():
    out = lead_outcomes(leads(), deals(), data_end=ts("2026-04-01"))
    assert won_within(out, 30).tolist() == [True, False, False, False, False]   # b took 31 days
    assert old_enough(out, ts("2026-04-01"), 60).tolist() == [True, True, False, False, False]


def test_needs_data_end():
    with pytest.raises(ValueError, match="data_end"):
        lead_outcomes(leads(), deals())
