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


# --- outcome coverage ---------------------------------------------------------------------------

def _coverage_client(lead_months: dict[str, int], deal_months: dict[str, int], won_every: int = 3):
    """Leads per creation month; the first ``deal_months[m]`` leads of month m get a deal closed ten
    days after creation, every ``won_every``-th won, the others lost."""
    from types import SimpleNamespace

    rows, deals = [], []
    for month, n in lead_months.items():
        for i in range(n):
            lid = f"{month}-{i}"
            created = pd.Timestamp(f"{month}-01 09:00", tz="UTC") + pd.Timedelta(days=i % 20)
            rows.append({"lead_id": lid, "created_at": created})
            if i < deal_months.get(month, 0):
                deals.append({"deal_id": f"D{lid}", "lead_id": lid, "stage": "won" if i % won_every == 0 else "lost",
                              "amount": 100.0, "created_at": created + pd.Timedelta(days=1),
                              "closed_at": created + pd.Timedelta(days=10)})
    leads = pd.DataFrame(rows)
    deal_frame = pd.DataFrame(deals)
    return SimpleNamespace(leads=leads, deals=deal_frame, tables={"leads": leads, "deals": deal_frame},
                           data_end=pd.Timestamp("2026-07-31", tz="UTC"))


def test_coverage_starts_where_the_outcome_export_starts():
    from smk.analyses.outcomes import outcome_coverage

    # Jan–Jun, 30 leads a month; deals exist only for leads from April (12 of 30 = 40 % a month).
    # Dates: the earliest deal is created on 2 April → the records start in April. Shares: 0 % in
    # Jan–Mar, 40 % after; median 40 %, floor 4 % → the first covered month is April too.
    client = _coverage_client({m: 30 for m in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")},
                              {"2026-04": 12, "2026-05": 12, "2026-06": 12})
    cov = outcome_coverage(client)
    assert cov.start == pd.Timestamp("2026-04-01") and cov.partial
    assert cov.uncovered_leads == 90
    assert cov.months["covered"].tolist() == [False, False, False, True, True, True]
    assert cov.months["share"].round(2).tolist() == [0.0, 0.0, 0.0, 0.4, 0.4, 0.4]
    assert int(cov.mask(client.leads["created_at"]).sum()) == 90


def test_coverage_is_complete_when_records_start_with_the_leads():
    from smk.analyses.outcomes import outcome_coverage

    # A quiet month (1 of 30 leads with a deal: 3.3 %, above 10 % of the 40 % median) is not a gap.
    client = _coverage_client({"2026-01": 30, "2026-02": 30, "2026-03": 30}, {"2026-01": 12, "2026-02": 1, "2026-03": 12})
    cov = outcome_coverage(client)
    assert cov.start is None and not cov.partial and cov.uncovered_leads == 0
    assert bool(cov.mask(client.leads["created_at"]).all())


def test_coverage_of_an_export_whose_deals_start_late_by_dates_alone():
    from smk.analyses.outcomes import outcome_coverage

    # Every month has some deals by share (a few long cycles), but no outcome is dated before
    # March: leads of January and February could not have had their outcome recorded.
    client = _coverage_client({"2026-01": 30, "2026-02": 30, "2026-03": 30, "2026-04": 30},
                              {"2026-01": 0, "2026-02": 0, "2026-03": 10, "2026-04": 10})
    client.deals.loc[0, "created_at"] = pd.Timestamp("2026-03-05", tz="UTC")  # first dated record: March
    cov = outcome_coverage(client)
    assert cov.start == pd.Timestamp("2026-03-01") and cov.uncovered_leads == 60


def test_olist_outcomes_cover_only_from_december_2017():
    """Olist's MQLs start in June 2017 but its first won date is in December 2017: the 2017
    cohorts' outcomes were never exported (1,802 MQLs created June–November 2017)."""
    from conftest import ROOT, require_dataset

    import smk
    from smk.analyses.outcomes import outcome_coverage

    require_dataset("olist")
    cov = outcome_coverage(smk.load_client(ROOT / "examples" / "olist"))
    assert cov.start == pd.Timestamp("2017-12-01") and cov.uncovered_leads == 1802
