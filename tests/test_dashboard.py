"""The daily dashboard (issue 19): smk.analyses.dashboard (the day's snapshot as it stood at the end of
the day) and smk.views.dashboard (its words, both languages, its HTML and plain text).

The demo client's figures are recomputed here from the raw CSV files with pandas (not through the
loader or smk.analyses.sla); docs/demo-data.md says what is planted: lead volume grows 50 % over the
18 months, so by autumn 2026 marketing runs well above the MQL goal set from the quota ("ahead"), and
every August delivers 60 % of the trend.
"""
from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smk.analyses import dashboard, sla
from smk.client.loader import load_client
from smk.errors import SmkError
from smk.views import dashboard as views

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial import build  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
DAY = "2026-10-15"  # mid-October 2026: "ahead"
CUT = pd.Timestamp("2026-10-16 00:00")  # the end of the day, local (no DST change from 25 Sep to 16 Oct 2026)


@pytest.fixture(scope="module")
def demo():
    return load_client(DEMO)


@pytest.fixture(scope="module")
def oct15(demo):
    """The company's, team Cobalt's and José Núñez's versions of 15 Oct 2026."""
    res = dashboard.versions(demo, DAY, [("all", None), ("team", "Cobalt"), ("owner", "José Núñez")])
    return dict(zip(("all", "team", "owner"), res))


@pytest.fixture(scope="module")
def raw():
    """The demo's contacts and tasks as exported (local times, naive), read with pandas only."""
    leads = pd.read_csv(DEMO / "hubspot_contacts.csv", dtype=str).drop_duplicates("Record ID")  # row 12 re-imports row 5
    leads = pd.DataFrame({
        "lead_id": leads["Record ID"], "team": leads["HubSpot Team"].str.strip(),
        "owner": leads["Contact owner"].str.strip(),
        "mql_at": pd.to_datetime(leads["Became a Marketing Qualified Lead Date"]),
        "sql_at": pd.to_datetime(leads["Became a Sales Qualified Lead Date"]),
        "customer_at": pd.to_datetime(leads["Became a Customer Date"]),
        "email": leads["Email"], "phone": leads["Phone Number"],
    })
    tasks = pd.read_csv(DEMO / "salesforce_tasks.csv", dtype=str, encoding="cp1252")
    tasks = pd.DataFrame({"lead_id": tasks["Lead ID"], "outcome": tasks["Call Result"],
                          "at": pd.to_datetime(tasks["Date"], format="%d/%m/%Y %H:%M", errors="coerce")}).dropna(subset=["at"])
    return leads, tasks


# ------------------------------------------------------------------------------------ marketing
def test_mid_month_pacing_is_ahead_and_matches_the_raw_files(oct15, raw, demo):
    leads, _ = raw
    res = oct15["all"]
    p = res.pacing
    mql = leads["mql_at"]
    so_far = int(((mql >= "2026-10-01") & (mql < CUT)).sum())
    today = int(((mql >= "2026-10-15") & (mql < CUT)).sum())
    assert p.mqls_so_far == so_far == 106
    assert res.new_mqls == res.changes.new_mqls == today == 11
    # the goal is notebook 04's for October 2026 (its stored output: "that is 128 MQLs"), the same function
    assert p.goal == 128 == sla.monthly_mql_goal(demo, "2026-10")["goal"]
    # 15 of October's 31 days are over: goal to date 128 · 15/31, projection 106 · 31/15
    assert p.elapsed_units == pytest.approx(15.0) and p.total_units == 31
    assert p.goal_to_date == pytest.approx(128 * 15 / 31)
    assert p.projection == pytest.approx(106 * 31 / 15)
    assert 106 * 31 / 15 / 128 > 1.10 and p.status == "ahead"  # more than 10 % over the goal line
    assert not p.complete and p.needed_per_remaining_day == pytest.approx((128 - 106) / 16)
    assert res.period == "2026-10" and res.day == pd.Timestamp(DAY)
    assert res.as_of == pd.Timestamp("2026-10-16 00:00", tz="Europe/Madrid")


def test_the_august_dip_takes_marketing_off_ahead(demo):
    """Planted: August runs at 60 % of the trend. Mid-July and mid-September are ahead; mid-August is
    not, and its projection is about 60–75 % of its neighbours'."""
    jul, aug, sep = (dashboard.analyse(demo, d).pacing for d in ("2026-07-15", "2026-08-15", "2026-09-15"))
    assert (jul.status, sep.status) == ("ahead", "ahead")
    assert aug.status == "on_track"
    assert 0.55 < aug.projection / ((jul.projection + sep.projection) / 2) < 0.8


def test_last_day_is_notebook_04s_month(demo):
    """The default day is the last day in the data; its pacing and breaching list are 04's."""
    res = dashboard.analyse(demo)
    assert res.day == pd.Timestamp("2026-10-31")
    nb04 = sla.analyse(demo, "2026-10", use_recommendation=False)
    assert res.pacing.summary().equals(nb04.pacing.summary())
    assert res.pacing.mqls_so_far == 203 and res.pacing.complete and res.pacing.status == "ahead"
    assert list(res.breaching["lead_id"]) == list(nb04.breaching["lead_id"])


# ------------------------------------------------------------------------------------ sales
def test_first_contact_and_attempts_per_team_match_the_raw_files(oct15, raw):
    leads, tasks = raw
    tasks = tasks[tasks["at"] < CUT]
    # first contact: MQLs of the last 7 days; first attempt at or after mql_at; 4 h
    fc = leads[(leads["mql_at"] >= CUT - pd.Timedelta(days=7)) & (leads["mql_at"] < CUT)]
    t = tasks.merge(fc[["lead_id", "mql_at"]], on="lead_id")
    first = t[t["at"] >= t["mql_at"]].groupby("lead_id")["at"].min()
    hours = (fc["lead_id"].map(first) - fc["mql_at"]).dt.total_seconds() / 3600
    age = (CUT - fc["mql_at"]).dt.total_seconds() / 3600
    judged = hours.notna() | (age > 4)
    ok = hours <= 4
    want_fc = pd.DataFrame({"team": fc["team"], "judged": judged, "ok": ok & judged}).groupby("team").sum()
    # attempts: MQLs whose 14-day window ended in the last 7 days; >= 8 attempts in [mql, mql + 14 d], or
    # reached sooner (a connected call, an SQL or customer date inside the window)
    start = CUT - pd.Timedelta(days=21)
    at = leads[(leads["mql_at"] >= start) & (leads["mql_at"] < start + pd.Timedelta(days=7))]
    t = tasks.merge(at[["lead_id", "mql_at"]], on="lead_id")
    t = t[(t["at"] >= t["mql_at"]) & (t["at"] - t["mql_at"] <= pd.Timedelta(days=14))]
    n = at["lead_id"].map(t.groupby("lead_id").size()).fillna(0)
    connected = at["lead_id"].isin(t.loc[t["outcome"] == "Connected", "lead_id"])
    inside = [((at[c] - at["mql_at"]) >= pd.Timedelta(0)) & ((at[c] - at["mql_at"]) <= pd.Timedelta(days=14))
              for c in ("sql_at", "customer_at")]
    met = (n >= 8) | connected | inside[0] | inside[1]
    want_at = pd.DataFrame({"team": at["team"], "judged": True, "ok": met}).groupby("team").sum()

    s = oct15["all"].sales.set_index("team")
    assert list(s.index) == ["Atlas", "Boreal", "Cobalt"]
    assert s["fc_judged"].to_dict() == want_fc["judged"].astype(int).to_dict()
    assert s["fc_ok"].to_dict() == want_fc["ok"].astype(int).to_dict()
    assert s["at_judged"].to_dict() == want_at["judged"].astype(int).to_dict()
    assert s["at_ok"].to_dict() == want_at["ok"].astype(int).to_dict()
    # planted: Cobalt's first attempts come hours late (81.6 % after 4 h), the others' within minutes
    assert s.loc["Cobalt", "fc_rate"] < 0.5 < 0.8 < min(s.loc["Atlas", "fc_rate"], s.loc["Boreal", "fc_rate"])
    overall = oct15["all"].first_contact_overall.iloc[0]
    assert (overall["evaluable"], overall["ok"]) == (want_fc["judged"].sum(), want_fc["ok"].sum())


def test_breaching_list_is_open_leads_of_the_day_without_pii(oct15, demo):
    b = oct15["all"].breaching
    assert len(b) == 6 and list(b.columns) == ["lead_id", "owner", "team", "age_days", "attempts_so_far",
                                              "attempts_needed", "hours_to_first_contact", "reason"]
    assert set(b["reason"]) <= set(sla.BREACH_REASONS)
    # open at the end of the day, by the leads' own dates
    then = dashboard.client_as_of(demo, DAY).leads.set_index("lead_id")
    assert then.loc[list(b["lead_id"]), "status"].eq("open").all()
    assert (b["age_days"] >= 0).all()


def test_team_and_owner_versions_are_their_own_slices(oct15):
    full, team, rep = oct15["all"], oct15["team"], oct15["owner"]
    assert (team.scope, team.scope_name, team.group) == ("team", "Cobalt", "owner")
    assert set(team.breaching["team"]) <= {"Cobalt"}
    assert list(team.breaching["lead_id"]) == list(full.breaching.loc[full.breaching["team"] == "Cobalt", "lead_id"])
    # per rep of the team, adding up to the team's row of the company version
    s = full.sales.set_index("team").loc["Cobalt"]
    assert set(team.sales["owner"]) == {"Björn Schäfer", "Jürgen Müller", "Sören Weiß"}
    for col in ("fc_judged", "fc_ok", "at_judged", "at_ok", "breaching"):
        assert team.sales[col].sum() == s[col]
    assert team.first_contact_rate == pytest.approx(s["fc_rate"])
    assert list(rep.sales["owner"]) == ["José Núñez"] and set(rep.breaching["owner"]) <= {"José Núñez"}
    assert list(rep.breaching["lead_id"]) == list(full.breaching.loc[full.breaching["owner"] == "José Núñez", "lead_id"])
    # marketing is the company's in every version
    assert team.pacing.mqls_so_far == rep.pacing.mqls_so_far == full.pacing.mqls_so_far


def test_unknown_team_or_rep_and_days_outside_the_data(demo):
    with pytest.raises(SmkError, match="no team called 'Nimbus'.*Atlas, Boreal, Cobalt"):
        dashboard.analyse(demo, DAY, team="Nimbus")
    with pytest.raises(SmkError, match="no rep called"):
        dashboard.analyse(demo, DAY, owner="Nobody")
    with pytest.raises(SmkError, match="data end on 2026-10-31"):
        dashboard.analyse(demo, "2026-11-01")
    with pytest.raises(SmkError, match="data start on 2025-05-01"):
        dashboard.analyse(demo, "2025-04-30")


# ------------------------------------------------------------------------------------ as of the day
def _future(client, day: str):
    """``client`` with what happens after ``day`` changed: every lead still open then is won three days
    later, every lead gets 12 connected calls an hour after the day ends, 50 new MQLs arrive, every
    deal still open then closes won (the past stays as it was)."""
    cut = dashboard.day_end(client, day)
    later = cut + pd.Timedelta(days=3)
    leads = client.leads.copy()
    open_then = ((leads["status"] == "open") | (leads["customer_at"] >= cut) | (leads["closed_at"] >= cut)).fillna(False)
    leads.loc[open_then, "customer_at"] = later
    leads.loc[open_then, "closed_at"] = pd.NaT
    leads.loc[open_then, "status"] = "won"
    leads.loc[open_then, "lifecycle_stage"] = "customer"
    new = leads.head(50).copy()
    new["lead_id"] = [f"F{i}" for i in range(50)]
    new["created_at"] = later
    new["mql_at"] = later
    leads = pd.concat([leads, new], ignore_index=True)
    calls = pd.DataFrame({"lead_id": np.repeat(client.leads["lead_id"].to_numpy(), 12),
                          "attempted_at": cut + pd.Timedelta(hours=1), "rep": "x", "method": "call",
                          "outcome": "connected"})
    attempts = pd.concat([client.contact_attempts, calls], ignore_index=True)
    deals = client.deals.copy()
    still_open = (deals["closed_at"].isna() | (deals["closed_at"] >= cut)) & (deals["created_at"] < cut)
    deals.loc[still_open, "stage"] = "won"
    deals.loc[still_open, "closed_at"] = later
    tables = {**client.tables, "leads": leads, "contact_attempts": attempts, "deals": deals}
    return dataclasses.replace(client, tables=tables, data_end=later + pd.Timedelta(days=30), _derived={})


def _same(a, b) -> None:
    assert a.pacing.summary().equals(b.pacing.summary())
    assert a.pacing.daily.equals(b.pacing.daily)
    pd.testing.assert_frame_equal(a.sales, b.sales)
    pd.testing.assert_frame_equal(a.breaching, b.breaching)
    assert a.changes == b.changes
    assert a.goal == b.goal


def test_nothing_after_the_day_leaks_in(demo, oct15):
    changed = _future(demo, DAY)
    _same(dashboard.analyse(changed, DAY), oct15["all"])
    # negative control: the same changes do show on a later day
    later, before = dashboard.analyse(changed, "2026-10-25"), dashboard.analyse(demo, "2026-10-25")
    assert later.pacing.mqls_so_far == before.pacing.mqls_so_far + 50
    assert len(before.breaching) and set(later.breaching["lead_id"]) <= {f"F{i}" for i in range(50)}


def test_client_as_of_cuts_every_table(demo):
    c = dashboard.client_as_of(demo, DAY)
    assert c.data_end == CUT.tz_localize("Europe/Madrid")
    for name, col in (("leads", "created_at"), ("activities", "occurred_at"), ("contact_attempts", "attempted_at"),
                      ("deals", "created_at")):
        assert c.tables[name][col].max() < c.data_end
    for col in ("mql_at", "sql_at", "customer_at", "closed_at"):
        assert not (c.leads[col] >= c.data_end).any()
    won_later = demo.leads["customer_at"] >= c.data_end
    ids = demo.leads.loc[won_later & (demo.leads["created_at"] < c.data_end), "lead_id"]
    assert len(ids) > 0 and c.leads.set_index("lead_id").loc[list(ids), "status"].eq("open").all()
    assert c.deals["closed_at"].max() < c.data_end and (c.deals.loc[c.deals["closed_at"].isna(), "stage"] == "open").all()
    assert c.web_traffic["date"].max() == pd.Timestamp(DAY)
    assert len(c.quotas) == len(demo.quotas)
    # the original client is untouched
    assert demo.leads["created_at"].max() > c.data_end


# ------------------------------------------------------------------------------------ edge days and clients
def test_a_day_with_no_new_leads(demo):
    """Sunday 2 Aug 2026: no lead was created and none became an MQL."""
    res = dashboard.analyse(demo, "2026-08-02")
    assert res.new_mqls == 0 and res.changes.new_mqls == 0
    assert res.pacing.mqls_so_far == dashboard.analyse(demo, "2026-08-01").pacing.mqls_so_far
    en = views.render_email(res, "en", "EUR").text
    es = views.render_email(res, "es", "EUR").text
    assert "No new MQL today." in en and "Ningún MQL nuevo hoy." in es


def test_first_day_of_the_data_has_no_yesterday_and_no_goal(demo):
    res = dashboard.analyse(demo, "2025-05-01")
    assert res.changes.new_month and res.changes.status_before is None and res.changes.breaching_before is None
    assert res.pacing.status == "no_goal"
    text = views.render_email(res, "en", "EUR").text
    assert "A new month starts: May 2025." in text
    assert "There is no MQL goal for this month" in text
    assert "(yesterday" not in text
    assert "No new MQLs to judge in this period." in text  # no attempts window has closed yet


def test_a_client_without_contact_data_says_what_the_sales_half_needs(tmp_path):
    client = load_client(build("no_contact_data", tmp_path))
    res = dashboard.analyse(client, "2026-06-15")
    assert set(res.missing) == {"first_contact", "attempts", "breaching"}
    assert res.missing["first_contact"].needs == ("attempts",)
    assert res.sales is None and res.breaching is None
    assert res.pacing.mqls_so_far > 0  # the marketing half is there
    for lang, needs in (("en", "The sales dashboard cannot be shown: it needs contact attempts (a log, or the number "
                                "of attempts per lead)."),
                        ("es", "El cuadro de mando de ventas no se puede mostrar: necesita intentos de contacto (un "
                               "registro, o el número de intentos por lead).")):
        mail = views.render_email(res, lang, "USD")
        assert needs in mail.text
        sales_half = mail.text.split("==")[-2] + mail.text.split("==")[-1]
        assert not re.search(r"\b0 (of|de) 0\b|\b0 %", sales_half), sales_half
        assert len(mail.images) == 1  # the pacing chart only
        assert "cid:" + mail.images[0].cid in mail.html


def test_counters_cannot_say_a_past_day(tmp_path, demo):
    """Per-lead attempt counters count up to the export: for a day before the data end the attempts
    half says so instead of using them."""
    leads = demo.leads.copy()
    leads["n_attempts"] = leads["lead_id"].map(demo.contact_attempts.groupby("lead_id").size()).fillna(0).astype("Int64")
    leads["first_contact_at"] = leads["lead_id"].map(demo.contact_attempts.groupby("lead_id")["attempted_at"].min())
    counters = dataclasses.replace(demo, tables={"leads": leads, "quotas": demo.quotas}, _derived={})
    assert dashboard.counters_stale(counters, DAY) and not dashboard.counters_stale(counters, "2026-10-31")
    past = dashboard.analyse(counters, DAY)
    assert set(past.missing) == {"attempts", "breaching"}
    assert past.missing["attempts"].reason == "dashboard.missing.counters_later"
    assert "n_attempts" not in dashboard.client_as_of(counters, DAY).leads
    # first contact from the leads' own dates, cleared after the day: the log's figures
    assert past.first_contact_overall["evaluable"].iloc[0] == 52
    text = views.render_email(past, "en", "EUR").text
    assert ("Attempts cannot be measured: they need contact attempts (a log, or the number of attempts per lead). "
            "The attempts per lead count every attempt up to the export, so they cannot say how many there had "
            "been by the end of an earlier day") in text
    assert "The list of leads breaching the SLA needs contact attempts" in text
    last = dashboard.analyse(counters, "2026-10-31")
    assert "attempts" not in last.missing and last.attempts_overall is not None


def test_undated_client_raises_not_enough_data(tmp_path):
    from smk.errors import NotEnoughData

    client = load_client(build("undated", tmp_path))
    with pytest.raises(NotEnoughData) as err:
        dashboard.analyse(client)
    assert err.value.needs == ["dated"]


# ------------------------------------------------------------------------------------ words
def test_both_languages_say_the_same_day(oct15):
    res = oct15["all"]
    en = views.render_email(res, "en", "EUR")
    es = views.render_email(res, "es", "EUR")
    assert en.subject == "Demo Corp (synthetic): smarketing dashboard, 15 Oct 2026"
    assert es.subject == "Demo Corp (synthetic): cuadro de mando de smarketing, 15 oct 2026"
    assert ("11 new MQLs today. Pacing still ahead. Leads breaching the SLA: 6 (yesterday 4; newly breaching 4, "
            "no longer breaching 2). First contact in time over the last 7 days: 65 % (yesterday 63 %).") in en.text
    assert ("11 MQL nuevos hoy. El ritmo sigue por encima. Leads que incumplen el ANS: 6 (ayer 4; nuevos "
            "incumplimientos 4, ya no incumplen 2). Primer contacto a tiempo en los últimos 7 días: 65 % (ayer 63 %).") in es.text
    assert "Cobalt | 6 of 19 (32 %) | 6.6 h | 15 of 16 (94 %) | 2" in en.text
    assert "Cobalt | 6 de 19 (32 %) | 6,6 h | 15 de 16 (94 %) | 2" in es.text
    assert "First contact below the target of 90 %: Atlas (86 %), Boreal (84 %), Cobalt (32 %)." in en.text
    assert "Primer contacto por debajo del objetivo de 90 %: Atlas (86 %), Boreal (84 %), Cobalt (32 %)." in es.text
    assert "To reach the goal: 1.4 MQLs a day over the 16 days left." in en.text
    assert "Para llegar a la meta: 1,4 MQL por día en los 16 días que quedan." in es.text
    assert '<html lang="en">' in en.html and '<html lang="es">' in es.html
    for mail in (en, es):
        assert [i.alt for i in mail.images] and all(i.alt for i in mail.images)
        assert mail.text.count("\n") > 20 and "<" not in mail.text.replace("<=", "")


def test_versions_say_who_they_are_for(oct15):
    team = views.render_email(oct15["team"], "en", "EUR")
    rep = views.render_email(oct15["owner"], "es", "EUR")
    assert team.subject == "Demo Corp (synthetic): smarketing dashboard for team Cobalt, 15 Oct 2026"
    assert "Version for team Cobalt: the sales half shows this team's reps and leads only." in team.text
    assert rep.subject == "Demo Corp (synthetic): cuadro de mando de smarketing de José Núñez, 15 oct 2026"
    assert "Versión para José Núñez: la parte de ventas muestra solo sus leads." in rep.text
    assert "Rep | 1st contact in time" in team.text
    # other teams' leads are not in the team's e-mail
    other = set(oct15["all"].breaching.loc[oct15["all"].breaching["team"] != "Cobalt", "lead_id"])
    assert other and not any(i in team.text or i in team.html for i in other)
    assert views.subject(oct15["all"], "en", "[Daily]") == "[Daily] Demo Corp (synthetic): smarketing dashboard, 15 Oct 2026"


def test_markup_and_contact_data_in_the_data_are_escaped_and_hidden(demo):
    """A team named with markup is escaped in the HTML; an owner field holding an e-mail address or a
    phone number is hidden in both parts."""
    leads = demo.leads.copy()
    leads["team"] = leads["team"].replace({"Atlas": "<b>Atlas</b> & Co"})
    leads["owner"] = leads["owner"].replace({"José Núñez": "jose.nunez@demo.example", "Lucía Gómez": "+34 600 111 222"})
    c = dataclasses.replace(demo, tables={**demo.tables, "leads": leads}, _derived={})
    mail = views.render_email(dashboard.analyse(c, DAY), "en", "EUR")
    assert "&lt;b&gt;Atlas&lt;/b&gt; &amp; Co" in mail.html and "<b>Atlas" not in mail.html
    assert "<b>Atlas</b> & Co" in mail.text
    for secret in ("jose.nunez@demo.example", "+34 600 111 222"):
        assert secret not in mail.html and secret not in mail.text
    assert "[hidden]" in mail.text


def test_a_long_breaching_list_is_cut_and_counted(oct15):
    res = oct15["all"]
    many = pd.concat([res.breaching] * 10, ignore_index=True)  # 60 rows
    many.attrs = dict(res.breaching.attrs)
    mail = views.render_email(dataclasses.replace(res, breaching=many), "es", "EUR")
    table = mail.text.split("-- Leads abiertos")[1]
    assert len(re.findall(r"^\d{6} \| ", table, flags=re.M)) == views.MAX_BREACHING_ROWS == 50
    assert "Se muestran las primeras 50 de 60 filas." in mail.text and "Se muestran las primeras 50 de 60 filas." in mail.html


def test_the_window_is_whole_local_days_across_a_clock_change(demo, raw):
    """Madrid's clocks jump forward on Sunday 29 March 2026 (a 23-hour day): the window of 31 March is still
    the new MQLs of 25–31 March, local midnight to local midnight (7 × 24 h back would reach 23:00 on the
    24th). Two MQLs are added: at 23:30 on 24 March (outside) and at 00:30 on 25 March (inside)."""
    leads, _ = raw
    extra = demo.leads.head(2).copy()
    extra["lead_id"] = ["X1", "X2"]
    extra["created_at"] = extra["mql_at"] = pd.to_datetime(["2026-03-24 23:30", "2026-03-25 00:30"]).tz_localize(
        "Europe/Madrid").astype(demo.leads["created_at"].dtype)
    for col in ("sql_at", "customer_at", "closed_at"):
        extra[col] = pd.NaT
    extra["status"] = "open"
    c = dataclasses.replace(demo, tables={**demo.tables, "leads": pd.concat([demo.leads, extra], ignore_index=True)},
                            _derived={})
    res = dashboard.analyse(c, "2026-03-31")
    mql = leads["mql_at"]
    want = int(((mql >= "2026-03-25") & (mql < "2026-04-01")).sum()) + 1  # X2
    assert res.first_contact_overall["mqls"].iloc[0] == want
