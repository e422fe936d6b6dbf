"""04 dashboards: marketing pacing, first-contact and attempts compliance, the breaching list.

Hand-made months and timestamps; arithmetic in the comments. Timezone: Europe/Madrid, whose clocks
jump from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2) on Sunday 2026-03-29.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smk.analyses import dashboards as db
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
        p = db.pacing_from_events(ev, "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
        assert p.elapsed_units == pytest.approx(10.0) and p.total_units == 30
        assert p.goal_to_date == pytest.approx(100.0)
        # projection = n · 30 / 10
        assert p.projection == pytest.approx(3.0 * n)
        assert p.status == status
        assert p.projection_low <= p.projection <= p.projection_high
        assert not p.complete
    assert "next month" in p.advice("en") and "próximo mes" in p.advice("es")  # the last one was 'ahead'
    behind = db.pacing_from_events(_events({"2026-04-05": 50}), "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
    assert "nuevo contenido" in behind.advice("es") and "new content" in behind.advice("en")
    # the goal line: day d ends at 300 · d / 30; the cumulative stops after the cut
    d = behind.daily
    assert d["goal_line"].iloc[0] == pytest.approx(10.0) and d["goal_line"].iloc[-1] == pytest.approx(300.0)
    assert d["cumulative"].iloc[9] == 50 and np.isnan(d["cumulative"].iloc[10])
    # 250 MQLs still needed over 20 days → 12.5 per day
    assert behind.needed_per_remaining_day == pytest.approx(12.5)


def test_pacing_mid_day_cut_is_fractional():
    # cut at 2026-04-15 12:00 local: 14 whole days + half a day = 14.5 of 30; 29 MQLs → 29 · 30 / 14.5 = 60
    ev = _events({"2026-04-02": 29})
    p = db.pacing_from_events(ev, "2026-04", 60, tz=TZ, as_of=ts("2026-04-15 12:00"))
    assert p.elapsed_units == pytest.approx(14.5)
    assert p.projection == pytest.approx(60.0) and p.status == "on_track"
    # an MQL after the cut is ignored
    ev2 = pd.concat([ev, _events({"2026-04-20": 5})])
    assert db.pacing_from_events(ev2, "2026-04", 60, tz=TZ, as_of=ts("2026-04-15 12:00")).mqls_so_far == 29


def test_pacing_working_days():
    # April 2026 starts on a Wednesday: working days 1–3, 6–10, 13–17, 20–24, 27–30 = 3+5+5+5+4 = 22.
    # By the end of Friday 10 April: 3 + 5 = 8 working days. Goal 220 → goal to date 220 · 8/22 = 80.
    ev = _events({"2026-04-06": 80})
    p = db.pacing_from_events(ev, "2026-04", 220, tz=TZ, as_of=ts("2026-04-11 00:00"), rule="working_days")
    assert p.total_units == 22 and p.elapsed_units == pytest.approx(8.0)
    assert p.goal_to_date == pytest.approx(80.0) and p.status == "on_track"
    # the weekend adds nothing: cut on Sunday night gives the same elapsed units
    p2 = db.pacing_from_events(ev, "2026-04", 220, tz=TZ, as_of=ts("2026-04-12 23:00"), rule="working_days")
    assert p2.elapsed_units == pytest.approx(8.0)
    # the goal line is flat over the weekend (11–12 April)
    gl = p.daily.set_index("date")["goal_line"]
    assert gl[pd.Timestamp("2026-04-10")] == gl[pd.Timestamp("2026-04-12")] == pytest.approx(80.0)


def test_pacing_month_with_no_leads():
    empty = pd.Series([], dtype=f"datetime64[ns, {TZ}]")
    p = db.pacing_from_events(empty, "2026-04", 300, tz=TZ, as_of=ts("2026-04-11 00:00"))
    assert p.mqls_so_far == 0 and p.projection == 0 and p.status == "behind"
    assert p.projection_low == 0 and p.projection_high > 0  # a zero rate so far is not a sure zero
    assert (p.daily["cumulative"].iloc[:10] == 0).all()
    # not started yet
    p0 = db.pacing_from_events(empty, "2026-04", 300, tz=TZ, as_of=ts("2026-03-20 00:00"))
    assert p0.status == "not_started" and np.isnan(p0.projection)


def test_pacing_complete_month_and_timezone_of_day():
    # 2026-03-31 22:30 UTC is 2026-04-01 00:30 in Madrid: an April MQL
    ev = pd.Series([pd.Timestamp("2026-03-31 22:30", tz="UTC"), pd.Timestamp("2026-03-31 21:30", tz="UTC")])
    p = db.pacing_from_events(ev, "2026-04", 1, tz=TZ, as_of=ts("2026-05-10 00:00"))
    assert p.complete and p.mqls_so_far == 1
    assert p.daily.loc[0, "mqls"] == 1
    assert p.projection == p.projection_low == p.projection_high == 1
    assert p.status == "on_track"


def test_projection_interval_matches_gamma_poisson_simulation():
    # k = 40 MQLs in t = 10 of 30 days. Predictive for the 20 days left: λ ~ Gamma(40.5, rate 10),
    # N ~ Poisson(20 λ). Independent recomputation by simulation (seeded).
    ev = _events({"2026-04-03": 40})
    p = db.pacing_from_events(ev, "2026-04", 120, tz=TZ, as_of=ts("2026-04-11 00:00"))
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
    h = db.elapsed_hours(pd.Series([ts("2026-03-28 22:00")]), pd.Series([ts("2026-03-29 03:30")]), tz=TZ)
    assert h.iloc[0] == pytest.approx(4.5)


def test_business_hours_count_only_working_time():
    start = pd.Series([ts("2026-03-27 17:00"),   # Friday 17:00 → Monday 10:00: 1 h Fri + 1 h Mon = 2 h
                       ts("2026-03-28 10:00"),   # Saturday (CET) → Monday 30 Mar 09:30 (CEST): 0.5 h
                       ts("2026-03-30 07:00"),   # before opening → 12:00 same day: 3 h (09–12)
                       ts("2026-03-30 20:00")])  # after closing → next day 08:00: 0 h
    end = pd.Series([ts("2026-03-30 10:00"), ts("2026-03-30 09:30"), ts("2026-03-30 12:00"), ts("2026-03-31 08:00")])
    h = db.elapsed_hours(start, end, tz=TZ, business_hours="09:00-18:00")
    assert h.tolist() == pytest.approx([2.0, 0.5, 3.0, 0.0])
    # real time for the second pair: Sat 10:00 CET (09:00 UTC) → Mon 09:30 CEST (07:30 UTC) = 46.5 h
    assert db.elapsed_hours(start, end, tz=TZ).iloc[1] == pytest.approx(46.5)
    # a holiday on Monday 30 March removes Monday's working time: Fri 17→18 = 1 h
    hh = db.elapsed_hours(start.iloc[[0]], end.iloc[[0]], tz=TZ, business_hours="09:00-18:00", holidays=["2026-03-30"])
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
    t = db.first_contact_table(c).set_index("lead_id")
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
    march = db.first_contact_table(c, "2026-03")
    assert len(march) == 5
    assert len(db.first_contact_table(c, "2026-04")) == 0


def test_first_contact_business_hours_from_config():
    # business hours 09:00-18:00 Mon–Fri: L1 (Sat 22:00 → Sun 03:30) takes 0 working hours;
    # L2: 09:00 → 15:30 Monday = 6.5 h (late); L3 (Mon 10:00, never contacted) is 8 + 3 = 11 working hours old.
    c = _fc_client(business_hours="09:00-18:00")
    t = db.first_contact_table(c).set_index("lead_id")
    assert t.loc["L1", "hours_to_first_contact"] == pytest.approx(0.0)
    assert t.loc["L2", "hours_to_first_contact"] == pytest.approx(6.5)
    assert t.loc["L3", "age_hours"] == pytest.approx(11.0)
    # business hours off: pass False
    t2 = db.first_contact_table(c, business_hours=False).set_index("lead_id")
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
    t = db.attempts_table(c).set_index("lead_id")
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
    b = sla.breaching_leads(c, lookback_days=30, lang="es")
    assert "phone" not in b.columns and "email" not in b.columns
    assert set(b["lead_id"]) == {"A2", "A3", "A6"}
    row = b.set_index("lead_id").loc["A2"]
    assert row["attempts_so_far"] == 0 and row["attempts_needed"] == 3
    assert "sin contacto en 4 h" in row["reason"] and "menos de 3 intentos en 4 días" in row["reason"]
    # sorted by owner then oldest first
    assert b["owner"].tolist() == sorted(b["owner"].tolist())
    # with a short lookback, leads whose window closed more than 2 days ago drop off the current list
    assert set(sla.breaching_leads(c, lookback_days=2)["lead_id"]) == {"A6"}


def test_counters_only_attempts():
    leads = pd.DataFrame({"lead_id": ["x", "y", "z"], "created_at": ["2026-04-01 09:00"] * 3,
                          "n_attempts": pd.array([5, 1, pd.NA], dtype="Int64")})
    c = make_client(leads, data_end="2026-04-20 12:00", sla=SLAConfig(attempts=3, attempts_within_days=4))
    t = db.attempts_table(c).set_index("lead_id")
    assert t.attrs["source"] == "counters"
    # 5 ≥ 3 taken as met; 1 < 3 a sure breach; missing counter = 0 attempts → breach
    assert t["status"].to_dict() == {"x": "met", "y": "breaching", "z": "breaching"}


def test_data_ending_at_2359_on_the_last_day_is_a_complete_month():
    ev = _events({"2026-04-30": 3}, hour=23)
    p = db.pacing_from_events(ev, "2026-04", 3, tz=TZ, as_of=ts("2026-04-30 23:59:59"))
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
    per_rep = db.first_contact_table(demo).merge(
        sla.first_contact_compliance(demo, by="owner")[["owner", "rate"]], on="owner")
    cobalt_max = per_rep.loc[per_rep["team"] == "Cobalt", "rate"].max()
    others_min = per_rep.loc[per_rep["team"] != "Cobalt", "rate"].min()
    assert cobalt_max < others_min


def test_demo_late_first_attempts_match_docs_demo_data(demo):
    # docs/demo-data.md §6: share of first attempts later than 4 h after mql_at, mature leads (created
    # before 2026-05-01) with an attempt: Atlas 5.8 %, Boreal 8.7 %, Cobalt 81.6 %.
    t = db.first_contact_table(demo)
    created = t["lead_id"].map(demo.leads.set_index("lead_id")["created_at"])
    m = t[(created < pd.Timestamp("2026-05-01", tz=TZ)).to_numpy() & t["first_contact_at"].notna().to_numpy()]
    late = (m["hours_to_first_contact"] > 4).groupby(m["team"]).mean()
    assert late.to_dict() == pytest.approx({"Atlas": 0.058, "Boreal": 0.087, "Cobalt": 0.816}, abs=0.0006)


def test_demo_never_attempted_mqls_are_kept(demo):
    at = db.attempts_table(demo)
    start, _ = db.sla_start(demo.leads)
    # every MQL is in the table, attempted or not
    assert len(at) == int(start.notna().sum())
    zero = at[at["attempts_so_far"] == 0]
    assert (zero.loc[zero["age_days"] >= 14, "status"].isin(["breaching", "reached"])).all()


def test_first_contact_needs_timing_data():
    from smk.errors import NotEnoughData

    leads = pd.DataFrame({"lead_id": ["a"], "created_at": ["2026-04-01 09:00"]})
    c = make_client(leads, data_end="2026-04-20 12:00")
    with pytest.raises(NotEnoughData):
        db.first_contact_table(c)
    with pytest.raises(NotEnoughData):
        db.attempts_table(c)


def test_sentences_and_display_tables_are_bilingual():
    c = _fc_client()
    fc = sla.first_contact_compliance(c, by="team")
    en = repr(sla.say_compliance(fc, kind="first_contact", lang="en"))
    es = repr(sla.say_compliance(fc, kind="first_contact", lang="es"))
    # judged 4, in time 2 → 50 %; one lead pending
    assert en.startswith("50 % of the 4 new MQLs judged were first contacted within 5 h")
    assert es.startswith("El 50 % de los 4 MQL nuevos evaluados se contactó en 5 h")
    assert "Not judged yet (still inside their window): 1." in en and "Aún sin juzgar (dentro de su plazo): 1." in es
    assert "No group is clearly below the rest." in en
    loc = sla.localize(pd.DataFrame({"direction": ["below", ""], "side": ["sales", "marketing"]}), "es")
    assert loc["direction"].tolist() == ["por debajo", ""] and loc["side"].tolist() == ["Ventas", "Marketing"]
    b = sla.breaching_leads(_att_client(), lookback_days=30)
    assert "3 open leads breach the sales SLA" in repr(sla.say_breaching(b, lang="en"))


def test_attempts_workload_by_hand():
    c = _att_client()
    w = sla.attempts_workload(c, 10)
    # at most 10 MQLs × K=3 = 30 attempts
    assert w["max_attempts"] == 30
    # judged leads of the last three months: A1 3, A2 0, A3 2 (inside the window), A4 1, A6 0 → 6 / 5 = 1.2 per MQL
    assert w["per_mql"] == pytest.approx(1.2) and w["expected_attempts"] == pytest.approx(12.0)
    # reps: ana, luis → capacity 2 × 60 calling hours × 6 attempts an hour = 720
    assert w["reps"] == 2 and w["capacity"] == 720
