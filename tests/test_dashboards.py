"""04 dashboards: marketing pacing, first-contact and attempts compliance, the breaching list
(smk.analyses.sla.clock, .pacing, .compliance) and how smk.views.sla says them.

Hand-made months and timestamps; arithmetic in the comments. Timezone: Europe/Madrid, whose clocks
jump from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2) on Sunday 2026-03-29.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smk.analyses import sla
from smk.client import Client
from smk.io.config import ClientConfig, SLAConfig
from smk.io.ledger import Ledger

TZ = "Europe/Madrid"


def ts(text: str, tz: str = TZ) -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


def make_client(leads: pd.DataFrame, attempts: pd.DataFrame | None = None, *, data_end: str, **cfg) -> Client:
    leads = leads.copy()
    for c in ("created_at", "mql_at", "customer_at", "sql_at", "first_contact_at"):
        if c in leads:
            s = pd.to_datetime(leads[c])
            leads[c] = s.dt.tz_localize(TZ) if s.dt.tz is None else s.dt.tz_convert(TZ)
    tables = {"leads": leads}
    if attempts is not None:
        a = attempts.copy()
        aware = isinstance(a["attempted_at"].iloc[0], pd.Timestamp) and a["attempted_at"].iloc[0].tzinfo is not None
        s = pd.to_datetime(a["attempted_at"], utc=True) if aware else pd.to_datetime(a["attempted_at"])
        a["attempted_at"] = s.dt.tz_localize(TZ) if s.dt.tz is None else s.dt.tz_convert(TZ)
        tables["contact_attempts"] = a
    config = ClientConfig(name="Test", timezone=TZ, **cfg)
    return Client(config=config, tables=tables, ledger=Ledger(), rows_in={}, data_end=ts(data_end))


# ------------------------------------------------------------------------------------ pacing
def _events(day_counts: dict[str, int], hour: int = 10) -> pd.Series:
    out = []
    for day, n in day_counts.items():
        out += [ts(f"{day} {hour:02d}:00")] * n
    return pd.Series(out, dtype=f"datetime64[ns, {TZ}]")


def test_pacing_calendar_partial_month_statuses():
    # April 2026 has 30 days. Cut at the end of 10 April (11 April 00:00): t = 10 days of 30.
    # Goal 300 → goal to date 300 · 10/30 = 100.
    for n, status in ((100, "on_track"), (50, "behind"), (130, "ahead")):
        ev = _events({"2026-04-05": n})
        p = sla.pacing_from_events(ev, "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
        assert p.elapsed_units == pytest.approx(10.0) and p.total_units == 30
        assert p.goal_to_date == pytest.approx(100.0)
        # projection = n · 30 / 10
        assert p.projection == pytest.approx(3.0 * n)
        assert p.status == status
        assert p.projection_low <= p.projection <= p.projection_high
        assert not p.complete
    behind = sla.pacing_from_events(_events({"2026-04-05": 50}), "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
    # the goal line: day d ends at 300 · d / 30; the cumulative stops after the cut
    d = behind.daily
    assert d["goal_line"].iloc[0] == pytest.approx(10.0) and d["goal_line"].iloc[-1] == pytest.approx(300.0)
    assert d["cumulative"].iloc[9] == 50 and np.isnan(d["cumulative"].iloc[10])
    # 250 MQLs still needed over 20 days → 12.5 per day
    assert behind.needed_per_remaining_day == pytest.approx(12.5)


def test_pacing_mid_day_cut_is_fractional():
    # cut at 2026-04-15 12:00 local: 14 whole days + half a day = 14.5 of 30; 29 MQLs → 29 · 30 / 14.5 = 60
    ev = _events({"2026-04-02": 29})
    p = sla.pacing_from_events(ev, "2026-04", 60, tz=TZ, as_of=ts("2026-04-15 12:00"))
    assert p.elapsed_units == pytest.approx(14.5)
    assert p.projection == pytest.approx(60.0) and p.status == "on_track"
    # an MQL after the cut is ignored
    ev2 = pd.concat([ev, _events({"2026-04-20": 5})])
    assert sla.pacing_from_events(ev2, "2026-04", 60, tz=TZ, as_of=ts("2026-04-15 12:00")).mqls_so_far == 29


def test_pacing_working_days():
    # April 2026 starts on a Wednesday: working days 1–3, 6–10, 13–17, 20–24, 27–30 = 3+5+5+5+4 = 22.
    # By the end of Friday 10 April: 3 + 5 = 8 working days. Goal 220 → goal to date 220 · 8/22 = 80.
    ev = _events({"2026-04-06": 80})
    p = sla.pacing_from_events(ev, "2026-04", 220, tz=TZ, as_of=ts("2026-04-11 00:00"), rule="working_days")
    assert p.total_units == 22 and p.elapsed_units == pytest.approx(8.0)
    assert p.goal_to_date == pytest.approx(80.0) and p.status == "on_track"
    # the weekend adds nothing: cut on Sunday night gives the same elapsed units
    p2 = sla.pacing_from_events(ev, "2026-04", 220, tz=TZ, as_of=ts("2026-04-12 23:00"), rule="working_days")
    assert p2.elapsed_units == pytest.approx(8.0)
    # the goal line is flat over the weekend (11–12 April)
    gl = p.daily.set_index("date")["goal_line"]
    assert gl[pd.Timestamp("2026-04-10")] == gl[pd.Timestamp("2026-04-12")] == pytest.approx(80.0)


def test_pacing_month_with_no_leads():
    empty = pd.Series([], dtype=f"datetime64[ns, {TZ}]")
    p = sla.pacing_from_events(empty, "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
    assert p.mqls_so_far == 0 and p.projection == 0 and p.status == "behind"
    assert p.projection_low == 0 and p.projection_high > 0  # a zero rate so far is not a sure zero
    assert (p.daily["cumulative"].iloc[:10] == 0).all()
    # not started yet
    p0 = sla.pacing_from_events(empty, "2026-04", 300, tz=TZ, as_of=ts("2026-03-20 00:00"))
    assert p0.status == "not_started" and np.isnan(p0.projection)


def test_pacing_complete_month_and_timezone_of_day():
    # 2026-03-31 22:30 UTC is 2026-04-01 00:30 in Madrid: an April MQL
    ev = pd.Series([pd.Timestamp("2026-03-31 22:30", tz="UTC"), pd.Timestamp("2026-03-31 21:30", tz="UTC")])
    p = sla.pacing_from_events(ev, "2026-04", 1, tz=TZ, as_of=ts("2026-05-10 00:00"))
    assert p.complete and p.mqls_so_far == 1
    assert p.daily.loc[0, "mqls"] == 1
    assert p.projection == p.projection_low == p.projection_high == 1
    assert p.status == "on_track"


def test_projection_interval_matches_gamma_poisson_simulation():
    # k = 40 MQLs in t = 10 of 30 days. Predictive for the 20 days left: λ ~ Gamma(40.5, rate 10),
    # N ~ Poisson(20 λ). Independent recomputation by simulation (seeded).
    ev = _events({"2026-04-03": 40})
    p = sla.pacing_from_events(ev, "2026-04", 120, tz=TZ, as_of=ts("2026-04-11 00:00"))
    rng = np.random.default_rng(7)
    lam = rng.gamma(40.5, 1 / 10, size=200_000)
    future = rng.poisson(20 * lam)
    lo, hi = 40 + np.quantile(future, [0.025, 0.975])
    assert p.projection_low == pytest.approx(lo, abs=2)
    assert p.projection_high == pytest.approx(hi, abs=2)
    # P(reach 120) ≈ share of simulations with 40 + N ≥ 120
    assert p.prob_reaching_goal == pytest.approx(np.mean(40 + future >= 120), abs=0.01)


def test_pacing_from_client_uses_mql_at_and_goal():
    leads = pd.DataFrame({"lead_id": ["a", "b", "c"],
                          "created_at": ["2026-03-01 10:00", "2026-04-02 10:00", "2026-04-03 10:00"],
                          "mql_at": ["2026-04-01 10:00", None, "2026-04-03 11:00"]})
    c = make_client(leads, data_end="2026-04-11 00:00")
    p = sla.pacing(c, "2026-04", goal=6)
    # MQLs: a (mql in April although created in March) and c; b is not an MQL → 2 in 10 days → 2·3 = 6
    assert p.basis == "mql_at" and p.mqls_so_far == 2 and p.projection == pytest.approx(6.0)


# ------------------------------------------------------------------------------ elapsed time
def test_elapsed_hours_across_dst_is_real_time():
    # 28 Mar 22:00 CET (21:00 UTC) → 29 Mar 03:30 CEST (01:30 UTC): 4.5 real hours (the wall clock says 5.5)
    h = sla.elapsed_hours(pd.Series([ts("2026-03-28 22:00")]), pd.Series([ts("2026-03-29 03:30")]), tz=TZ)
    assert h.iloc[0] == pytest.approx(4.5)


def test_business_hours_count_only_working_time():
    start = pd.Series([ts("2026-03-27 17:00"),   # Friday 17:00 → Monday 10:00: 1 h Fri + 1 h Mon = 2 h
                       ts("2026-03-28 10:00"),   # Saturday (CET) → Monday 30 Mar 09:30 (CEST): 0.5 h
                       ts("2026-03-30 07:00"),   # before opening → 12:00 same day: 3 h (09–12)
                       ts("2026-03-30 20:00")])  # after closing → next day 08:00: 0 h
    end = pd.Series([ts("2026-03-30 10:00"), ts("2026-03-30 09:30"), ts("2026-03-30 12:00"), ts("2026-03-31 08:00")])
    h = sla.elapsed_hours(start, end, tz=TZ, business_hours="09:00-18:00")
    assert h.tolist() == pytest.approx([2.0, 0.5, 3.0, 0.0])
    # real time for the second pair: Sat 10:00 CET (09:00 UTC) → Mon 09:30 CEST (07:30 UTC) = 46.5 h
    assert sla.elapsed_hours(start, end, tz=TZ).iloc[1] == pytest.approx(46.5)
    # a holiday on Monday 30 March removes Monday's working time: Fri 17→18 = 1 h
    hh = sla.elapsed_hours(start.iloc[[0]], end.iloc[[0]], tz=TZ, business_hours="09:00-18:00", holidays=["2026-03-30"])
    assert hh.iloc[0] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- first contact
def _fc_client(**cfg) -> Client:
    """Five MQLs in Madrid around the DST change, data until Tue 31 Mar 2026 12:00 (CEST).

    L1 28 Mar 22:00 CET, contacted 29 Mar 03:30 CEST: 4.5 real hours → in time for H = 5
       (the wall clock would say 5.5: late).
    L2 created 30 Mar 09:00, attempt recorded in UTC 30 Mar 13:30Z = 15:30 CEST: 6.5 h → late.
    L3 created 30 Mar 10:00, never attempted, 26 h old → not contacted (breaching, kept).
    L4 created 31 Mar 09:00, never attempted, 3 h old → pending (not judged).
    L5 created 29 Mar 12:00, an attempt *before* it became an MQL (28 Mar) and one 2 h after → in time.
    """
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5"],
        "created_at": ["2026-03-28 22:00", "2026-03-30 09:00", "2026-03-30 10:00", "2026-03-31 09:00", "2026-03-20 12:00"],
        "mql_at": ["2026-03-28 22:00", "2026-03-30 09:00", "2026-03-30 10:00", "2026-03-31 09:00", "2026-03-29 12:00"],
        "owner": ["ana", "ana", "luis", "luis", "ana"], "team": ["A", "A", "B", "B", "A"],
        "offer": ["ebook", "demo", "demo", "ebook", "webinar"],
        "email": ["x@y.com"] * 5,
    })
    att = pd.DataFrame({
        "lead_id": ["L1", "L2", "L5", "L5"],
        "attempted_at": [ts("2026-03-29 03:30"), pd.Timestamp("2026-03-30 13:30", tz="UTC"),
                         ts("2026-03-28 12:00"), ts("2026-03-29 14:00")],
        "outcome": ["no_answer"] * 4,
    })
    return make_client(leads, att, data_end="2026-03-31 12:00", sla=SLAConfig(first_contact_hours=5, **cfg))


def test_first_contact_statuses_across_dst_and_timezones():
    c = _fc_client()
    t = sla.first_contact_table(c).set_index("lead_id")
    assert t.loc["L1", "hours_to_first_contact"] == pytest.approx(4.5)
    assert t.loc["L1", "status"] == "in_time"
    assert t.loc["L2", "hours_to_first_contact"] == pytest.approx(6.5) and t.loc["L2", "status"] == "late"
    assert t.loc["L3", "status"] == "not_contacted" and bool(t.loc["L3", "within_sla"]) is False
    assert t.loc["L4", "status"] == "pending" and pd.isna(t.loc["L4", "within_sla"])
    assert t.loc["L5", "hours_to_first_contact"] == pytest.approx(2.0) and t.loc["L5", "status"] == "in_time"
    overall = sla.first_contact_compliance(c, by=None)
    # judged: L1, L2, L3, L5 (L4 pending) → in time: L1, L5 → 2 / 4
    r = overall.iloc[0]
    assert (r["mqls"], r["evaluable"], r["ok"], r["pending"], r["not_contacted"]) == (5, 4, 2, 1, 1)
    assert r["rate"] == pytest.approx(0.5)
    team = sla.first_contact_compliance(c, by="team").set_index("team")
    # team A: L1, L2, L5 judged, 2 in time; team B: L3 judged (0), L4 pending
    assert team.loc["A", "rate"] == pytest.approx(2 / 3) and team.loc["B", "rate"] == 0.0
    assert team.loc["B", "pending"] == 1
    # median hours to first contact among contacted team-A leads: 2, 4.5, 6.5 → 4.5
    assert team.loc["A", "median_hours"] == pytest.approx(4.5)


def test_first_contact_period_uses_local_calendar():
    c = _fc_client()
    march = sla.first_contact_table(c, "2026-03")
    assert len(march) == 5
    assert len(sla.first_contact_table(c, "2026-04")) == 0


def test_first_contact_business_hours_from_config():
    # business hours 09:00-18:00 Mon–Fri: L1 (Sat 22:00 → Sun 03:30) takes 0 working hours;
    # L2: 09:00 → 15:30 Monday = 6.5 h (late); L3 (Mon 10:00, never contacted) is 8 + 3 = 11 working hours old.
    c = _fc_client(business_hours="09:00-18:00")
    t = sla.first_contact_table(c).set_index("lead_id")
    assert t.loc["L1", "hours_to_first_contact"] == pytest.approx(0.0)
    assert t.loc["L2", "hours_to_first_contact"] == pytest.approx(6.5)
    assert t.loc["L3", "age_hours"] == pytest.approx(11.0)
    # business hours off: pass False
    t2 = sla.first_contact_table(c, business_hours=False).set_index("lead_id")
    assert t2.loc["L1", "hours_to_first_contact"] == pytest.approx(4.5)


def test_first_contact_over_time_weekly():
    c = _fc_client()
    w = sla.first_contact_compliance(c, by="team", freq="W")
    # weeks start on Monday: L1 (Sat 28 Mar) and L5 (Sun 29 Mar) in the week of 23 Mar; L2, L3, L4 in 30 Mar
    got = {(r.team, r.time): (r.mqls, r.ok) for r in w.itertuples()}
    assert got == {("A", "2026-03-23"): (2, 2), ("A", "2026-03-30"): (1, 0), ("B", "2026-03-30"): (2, 0)}


# ---------------------------------------------------------------------------------- attempts
def _att_client() -> Client:
    """K = 3 attempts within D = 4 days, data until 2026-04-20 12:00.

    A1 created 10 Apr 09:00, attempts 10, 11, 12 Apr → met.
    A2 created 10 Apr 09:00, no attempts at all → breaching (window over), never dropped.
    A3 created 10 Apr 09:00, 2 attempts inside the window and 1 on day 6 → breaching.
    A4 created 10 Apr 09:00, 1 attempt, connected → reached.
    A5 created 19 Apr 12:00 (1 day old), 1 attempt → in window (needs 2 more in 3 days, ≤ 2/day·3).
    A6 created 17 Apr 00:00 (3.5 days old), 0 attempts → needs 3 in 0.5 day: floor(0.5·2)=1 < 3 → cannot make it.
    """
    leads = pd.DataFrame({
        "lead_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
        "created_at": ["2026-04-10 09:00"] * 4 + ["2026-04-19 12:00", "2026-04-17 00:00"],
        "owner": ["ana", "ana", "luis", "luis", "ana", "luis"], "team": ["A", "A", "B", "B", "A", "B"],
        "phone": ["+34 600 000 000"] * 6,
    })
    att = pd.DataFrame({
        "lead_id": ["A1", "A1", "A1", "A3", "A3", "A3", "A4", "A5"],
        "attempted_at": ["2026-04-10 10:00", "2026-04-11 10:00", "2026-04-12 10:00",
                         "2026-04-10 10:00", "2026-04-11 10:00", "2026-04-16 10:00",
                         "2026-04-10 12:00", "2026-04-19 13:00"],
        "outcome": ["no_answer"] * 6 + ["connected", "no_answer"],
    })
    return make_client(leads, att, data_end="2026-04-20 12:00",
                       sla=SLAConfig(attempts=3, attempts_within_days=4, first_contact_hours=4))


def test_attempts_statuses_and_no_attempts_counted_as_breaching():
    c = _att_client()
    t = sla.attempts_table(c).set_index("lead_id")
    assert t["status"].to_dict() == {"A1": "met", "A2": "breaching", "A3": "breaching", "A4": "reached",
                                     "A5": "in_window", "A6": "cannot_make_it"}
    assert t.loc["A2", "attempts_so_far"] == 0 and bool(t.loc["A2", "breaching"])
    assert t.loc["A3", "attempts_within"] == 2 and t.loc["A3", "attempts_so_far"] == 3
    allc = sla.attempts_compliance(c, by=None).iloc[0]
    # judged: A1, A2, A3, A4, A6 (A5 in window) → ok: A1, A4 → 2 / 5; breaching: A2, A3, A6
    assert (allc["mqls"], allc["evaluable"], allc["ok"], allc["breaching"], allc["pending"]) == (6, 5, 2, 3, 1)
    assert allc["rate"] == pytest.approx(0.4)


def test_breaching_list_is_an_early_warning_without_pii():
    c = _att_client()
    b = sla.breaching_leads(c, lookback_days=30)
    assert "phone" not in b.columns and "email" not in b.columns
    assert set(b["lead_id"]) == {"A2", "A3", "A6"}
    row = b.set_index("lead_id").loc["A2"]
    assert row["attempts_so_far"] == 0 and row["attempts_needed"] == 3
    # A2: never contacted (4 h) and no attempts in its 4 days; A3: 2 attempts in the window; A6 cannot make it
    assert b.set_index("lead_id")["reason"].to_dict() == {
        "A2": "no_first_contact_too_few_attempts", "A3": "too_few_attempts", "A6": "no_first_contact_cannot_make_it"}
    assert set(b["reason"]) <= set(sla.BREACH_REASONS)
    # sorted by owner then oldest first
    assert b["owner"].tolist() == sorted(b["owner"].tolist())
    # with a short lookback, leads whose window closed more than 2 days ago drop off the current list
    assert set(sla.breaching_leads(c, lookback_days=2)["lead_id"]) == {"A6"}


def test_counters_only_attempts():
    leads = pd.DataFrame({"lead_id": ["x", "y", "z"], "created_at": ["2026-04-01 09:00"] * 3,
                          "n_attempts": pd.array([5, 1, pd.NA], dtype="Int64")})
    c = make_client(leads, data_end="2026-04-20 12:00", sla=SLAConfig(attempts=3, attempts_within_days=4))
    t = sla.attempts_table(c).set_index("lead_id")
    assert t.attrs["source"] == "counters"
    # 5 ≥ 3 taken as met; 1 < 3 a sure breach; missing counter = 0 attempts → breach
    assert t["status"].to_dict() == {"x": "met", "y": "breaching", "z": "breaching"}


def test_data_ending_at_2359_on_the_last_day_is_a_complete_month():
    ev = _events({"2026-04-30": 3}, hour=23)
    p = sla.pacing_from_events(ev, "2026-04", 3, tz=TZ, as_of=ts("2026-04-30 23:59:59"))
    assert p.complete and p.mqls_so_far == 3 and p.projection == 3 and p.status == "on_track"


# ------------------------------------------------------------------------------ demo client
@pytest.fixture(scope="module")
def demo():
    from pathlib import Path

    import smk

    return smk.load_client(Path(__file__).resolve().parents[1] / "data" / "demo")


def test_demo_planted_slow_team_is_found(demo):
    # smk/synth.py plants Cobalt's first attempts at a median of 600 min (10 h) against 25–30 min for
    # Atlas and Boreal; with the 4 h SLA Cobalt must be the one team significantly below the rest.
    fc = sla.first_contact_compliance(demo, by="team").set_index("team")
    below = fc.index[fc["significant"] & (fc["direction"] == "below")].tolist()
    assert below == ["Cobalt"]
    assert fc.loc["Cobalt", "rate"] < 0.35 and fc.loc[["Atlas", "Boreal"], "rate"].min() > 0.8
    assert 6 < fc.loc["Cobalt", "median_hours"] < 16
    # the same team stands out per rep: every Cobalt rep is below every Atlas/Boreal rep
    per_rep = sla.first_contact_table(demo).merge(
        sla.first_contact_compliance(demo, by="owner")[["owner", "rate"]], on="owner")
    cobalt_max = per_rep.loc[per_rep["team"] == "Cobalt", "rate"].max()
    others_min = per_rep.loc[per_rep["team"] != "Cobalt", "rate"].min()
    assert cobalt_max < others_min


def test_demo_late_first_attempts_match_docs_demo_data(demo):
    # docs/demo-data.md §6: share of first attempts later than 4 h after mql_at, mature leads (created
    # before 2026-05-01) with an attempt: Atlas 5.8 %, Boreal 8.7 %, Cobalt 81.6 %.
    t = sla.first_contact_table(demo)
    created = t["lead_id"].map(demo.leads.set_index("lead_id")["created_at"])
    m = t[(created < pd.Timestamp("2026-05-01", tz=TZ)).to_numpy() & t["first_contact_at"].notna().to_numpy()]
    late = (m["hours_to_first_contact"] > 4).groupby(m["team"]).mean()
    assert late.to_dict() == pytest.approx({"Atlas": 0.058, "Boreal": 0.087, "Cobalt": 0.816}, abs=0.0006)


def test_demo_never_attempted_mqls_are_kept(demo):
    at = sla.attempts_table(demo)
    start, _ = sla.sla_start(demo.leads)
    # every MQL is in the table, attempted or not
    assert len(at) == int(start.notna().sum())
    zero = at[at["attempts_so_far"] == 0]
    assert (zero.loc[zero["age_days"] >= 14, "status"].isin(["breaching", "reached"])).all()


def test_first_contact_needs_timing_data():
    from smk.errors import NotEnoughData

    leads = pd.DataFrame({"lead_id": ["a"], "created_at": ["2026-04-01 09:00"]})
    c = make_client(leads, data_end="2026-04-20 12:00")
    with pytest.raises(NotEnoughData):
        sla.first_contact_table(c)
    with pytest.raises(NotEnoughData):
        sla.attempts_table(c)


def test_attempts_workload_by_hand():
    c = _att_client()
    w = sla.attempts_workload(c, 10)
    # at most 10 MQLs × K=3 = 30 attempts
    assert w["max_attempts"] == 30
    # judged leads of the last three months: A1 3, A2 0, A3 2 (inside the window), A4 1, A6 0 → 6 / 5 = 1.2 per MQL
    assert w["per_mql"] == pytest.approx(1.2) and w["expected_attempts"] == pytest.approx(12.0)
    # reps: ana, luis → capacity 2 × 60 calling hours × 6 attempts an hour = 720
    assert w["reps"] == 2 and w["capacity"] == 720


def test_month_cut_of_the_every_month_tables_is_the_month_alone(demo):
    # analyse() builds the per-lead tables of every month once and cuts the report month out of them:
    # the same tables as computing the month alone (the slow path the notebook used to take)
    res = sla.analyse(demo, "2026-10")
    pd.testing.assert_frame_equal(res.first_contact_leads, sla.first_contact_table(demo, "2026-10"))
    pd.testing.assert_frame_equal(res.first_contact_team, sla.first_contact_compliance(demo, "2026-10", by="team"))
    pd.testing.assert_frame_equal(res.first_contact_trend, sla.first_contact_compliance(demo, by="team", freq="M"))
    pd.testing.assert_frame_equal(res.attempts_team, sla.attempts_compliance(demo, "2026-10", by="team"))
    pd.testing.assert_frame_equal(res.attempts_rep, sla.attempts_compliance(demo, "2026-10", by=["team", "owner"]))
    pd.testing.assert_frame_equal(res.breaching, sla.breaching_leads(demo))
    pd.testing.assert_frame_equal(res.commitments, sla.commitments(demo, "2026-10"))


def test_one_group_still_has_the_comparison_columns():
    # a single team: nothing to compare it with, but the table keeps its columns (04 used to crash on
    # the missing 'direction' column with a one-team client)
    c = _fc_client()
    c.leads["team"] = "A"
    t = sla.first_contact_compliance(c, by="team")
    assert len(t) == 1 and t.loc[0, "direction"] == "" and not t.loc[0, "significant"] and np.isnan(t.loc[0, "qvalue"])


# ------------------------------------------------------------------- presentation (smk.views.sla)
def title(ax) -> str:
    """An Axes' title wherever the theme put it (the theme titles on the left)."""
    return next((ax.get_title(loc) for loc in ("left", "center", "right") if ax.get_title(loc)), "")


def context(client, lang: str, tmp_path, period: str = "2026-03"):
    """A notebook context on ``client`` (the one views receive), without loading anything."""
    from smk.report import Context

    return Context(client=client, period=pd.Period(period, "M"), lang=lang, output_dir=tmp_path, client_dir=tmp_path)


def test_compliance_sentences_in_both_languages(tmp_path):
    from smk.views import sla as views

    c = _fc_client()
    fc = sla.first_contact_compliance(c, by="team")
    # judged 4, in time 2 → 50 %; one lead pending; team B (0 of 1) is not significantly below A (2 of 3)
    assert repr(views.say_compliance(fc, context(c, "en", tmp_path), kind="first_contact")) == (
        "50 % of the 4 new MQLs judged were first contacted within 5 h. Not judged yet (still inside their "
        "window): 1. No group is clearly below the rest.")
    assert repr(views.say_compliance(fc, context(c, "es", tmp_path), kind="first_contact")) == (
        "El 50 % de los 4 MQL nuevos evaluados se contactó en 5 h. Aún sin juzgar (dentro de su plazo): 1. "
        "Ningún grupo está claramente por debajo del resto.")
    a = _att_client()
    at = sla.attempts_compliance(a, by="team")
    # judged 5, ok 2 (A1 met, A4 reached) → 40 %; A5 still in its window
    assert repr(views.say_compliance(at, context(a, "en", tmp_path), kind="attempts")) == (
        "40 % of the 5 new MQLs judged got 3 attempts within 4 days or were reached sooner. Not judged yet "
        "(still inside their window): 1. No group is clearly below the rest.")
    assert repr(views.say_compliance(at, context(a, "es", tmp_path), kind="attempts")) == (
        "El 40 % de los 5 MQL nuevos evaluados recibió 3 intentos en 4 días o se contactó antes. Aún sin juzgar "
        "(dentro de su plazo): 1. Ningún grupo está claramente por debajo del resto.")
    # one lead judged, one group: no percentage of one, no comparison
    one = sla.first_contact_compliance(c, by="team", per_lead=sla.first_contact_table(c).iloc[[0]])
    assert repr(views.say_compliance(one, context(c, "en", tmp_path), kind="first_contact")) == (
        "The only new MQL judged was first contacted within 5 h.")
    assert repr(views.say_compliance(one, context(c, "es", tmp_path), kind="first_contact")) == (
        "El único MQL nuevo evaluado se contactó en 5 h.")
    empty = sla.first_contact_compliance(c, "2026-05", by="team")
    assert repr(views.say_compliance(empty, context(c, "es", tmp_path), kind="first_contact")) == (
        "No hay MQL nuevos que evaluar en este periodo.")


def test_breaching_list_in_words(tmp_path):
    from smk.views import sla as views

    a = _att_client()
    b = sla.breaching_leads(a, lookback_days=30)
    en, es = context(a, "en", tmp_path), context(a, "es", tmp_path)
    assert views.breaching_reasons(b, en).tolist() == [
        "not contacted within 4 h; fewer than 3 attempts in 4 days", "fewer than 3 attempts in 4 days",
        "not contacted within 4 h; cannot reach 3 attempts within 4 days any more"]
    assert views.breaching_reasons(b, es).tolist() == [
        "sin contacto en 4 h; menos de 3 intentos en 4 días", "menos de 3 intentos en 4 días",
        "sin contacto en 4 h; ya no llega a 3 intentos en 4 días"]
    # owners: A2 ana, A3 luis, A6 luis
    assert repr(views.say_breaching(b, en)) == ("As of 20 Apr 2026, 3 open leads breach the sales SLA, held by 2 reps "
                                                "(most: luis, 2). Reassign or work them today.")
    assert repr(views.say_breaching(b, es)) == ("Al 20 abr 2026, 3 leads abiertos incumplen el ANS de ventas, de 2 "
                                                "vendedores (más: luis, 2). Reasignarlos o trabajarlos hoy.")
    one = sla.breaching_leads(a, lookback_days=2)
    assert repr(views.say_breaching(one, en)) == ("As of 20 Apr 2026, 1 open lead breaches the sales SLA, held by luis. "
                                                  "Reassign or work it today.")
    assert repr(views.say_breaching(one, es)) == ("Al 20 abr 2026, 1 lead abierto incumple el ANS de ventas, de luis. "
                                                  "Reasignarlo o trabajarlo hoy.")
    assert repr(views.say_breaching(one.iloc[0:0], es)) == "Ningún lead abierto incumple ahora el ANS de ventas."
    # the table shows words, never the codes
    shown = views.breaching(sla.analyse(a, "2026-04"), en)
    assert "fewer than 3 attempts in 4 days" in repr(shown[0]) and "too_few_attempts" not in repr(shown[0])


def test_codes_in_cells_become_words(tmp_path):
    from smk.views import sla as views

    c = _fc_client()
    loc = views.localize(pd.DataFrame({"direction": ["below", ""], "side": ["sales", "marketing"],
                                       "team": ["(missing)", "Atlas"], "lead_type": ["(mix)", "ebook"]}),
                         context(c, "es", tmp_path))
    assert loc.to_dict("list") == {"direction": ["por debajo", ""], "side": ["Ventas", "Marketing"],
                                   "team": ["(sin dato)", "Atlas"], "lead_type": ["Combinación actual", "Ebook"]}
    # a lead type is a canonical value: its label in the report's language, never the code
    loc = views.localize(pd.DataFrame({"lead_type": ["demo_request", "free_trial", "Partner webinar"]}),
                         context(c, "es", tmp_path))
    assert loc["lead_type"].tolist() == ["Solicitud de demo", "Prueba gratuita", "Partner webinar"]


def test_pacing_sentences_with_the_seeds_advice(tmp_path):
    from smk.views import sla as views

    c = _fc_client()
    # 50 MQLs in the first 10 of 30 days against 300 → projection 150, behind (the 95 % range from the
    # predictive, checked by simulation above)
    behind = sla.pacing_from_events(_events({"2026-04-05": 50}), "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
    assert repr(views.say_pacing(behind, context(c, "en", tmp_path))) == (
        "April 2026 so far: 50 MQLs against 100 expected by now; at this pace the month ends with about 150 "
        "(95 % range 119–187) against a goal of 300; chance of reaching it 0 %. Status: behind. Below the SLA "
        "goal: marketing has to work harder to reach it — develop new content, increase social media activity "
        "or invest more in advertising.")
    assert repr(views.say_pacing(behind, context(c, "es", tmp_path))) == (
        "Abril de 2026 hasta ahora: 50 MQL frente a 100 esperados a esta fecha; a este ritmo el mes termina con unos "
        "150 (rango del 95 % 119–187) frente a una meta de 300; probabilidad de alcanzarla 0 %. Estado: por "
        "debajo. Por debajo de la meta del ANS: el equipo de marketing debe trabajar más para alcanzarla — "
        "desarrollar nuevo contenido, aumentar la actividad en redes sociales o invertir más en publicidad.")
    ahead = sla.pacing_from_events(_events({"2026-04-05": 130}), "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
    assert "start designing next month's material" in repr(views.say_pacing(ahead, context(c, "en", tmp_path)))
    assert "diseñar el material del próximo mes" in repr(views.say_pacing(ahead, context(c, "es", tmp_path)))
    one = sla.pacing_from_events(pd.Series([pd.Timestamp("2026-03-31 22:30", tz="UTC")]), "2026-04", 1, tz=TZ,
                                 as_of=ts("2026-05-10 00:00"))
    assert repr(views.say_pacing(one, context(c, "en", tmp_path))).startswith(
        "April 2026: 1 MQL against a goal of 1. Status: on track.")
    assert repr(views.say_pacing(one, context(c, "es", tmp_path))).startswith(
        "Abril de 2026: 1 MQL frente a una meta de 1. Estado: en línea.")
    not_started = sla.pacing_from_events(pd.Series([], dtype=f"datetime64[ns, {TZ}]"), "2026-04", 300, tz=TZ,
                                         as_of=ts("2026-03-20 00:00"))
    assert repr(views.say_pacing(not_started, context(c, "en", tmp_path))) == "The month has not started in the data yet."
    fig = views.plot_pacing(behind, context(c, "es", tmp_path))
    assert title(fig.axes[0]) == "MQL del mes frente a la meta del ANS — abril de 2026: por debajo"
    # the days of the month on the x axis in Spanish, without the year
    fig.canvas.draw()
    days = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert days and all(d.split()[-1] in ("mar", "abr", "may") and d.split()[0].isdigit() for d in days), days
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["MQL acumulados", "Meta a la fecha", "Proyección"]
