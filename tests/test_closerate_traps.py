"""Notebook 03 on exports that set traps for a conclusion (issue 16 items 4, 5, 7, 11): what each section
*says*, in both languages, and what the index tile's JSON shows, not just the numbers.

Clients: the adversarial builders of tests/adversarial.py (partial_outcome_coverage, stale_open_deals,
no_lost_deals, no_contact_data, undated) and small ones written here (a win dated before its lead, a
placeholder "unknown" beside empty values, one channel, a close window shorter than the cycle, calendar
days across midnight). Every figure a sentence quotes is recomputed here from the CSV files with pandas.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import smk
import smk.report
from smk.analyses import closerate as cr
from smk.views import closerate as vcr
from smk.views import fmt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial import build  # noqa: E402

LANGS = ("en", "es")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def report(folder: Path, tmp: Path) -> dict:
    """Load the client and render every section of 03 in both languages through the notebook's calls.
    Returns {'client', 'res', lang: {'sections': {name: text}, 'headlines': [items]}}."""
    import matplotlib

    matplotlib.use("Agg")
    client = smk.load_client(folder)
    out = {"client": client}
    for lang in LANGS:
        ctx = smk.report.setup(client_dir=folder, lang=lang, output_dir=tmp / lang, client=client, apply_theme=False)
        res = ctx.analyse(cr.analyse)
        shown = {}
        for name in cr.SECTIONS:
            before = len(ctx.shown)
            ctx.show(res, name)
            shown[name] = "\n".join(repr(x) for x in ctx.shown[before:] if not hasattr(x, "savefig"))
        ctx.save_headlines("03", res)
        items = json.loads((tmp / lang / "03.headlines.json").read_text(encoding="utf-8"))["items"]
        out[lang] = {"sections": shown, "headlines": items, "ctx": ctx}
        out["res"] = res
    return out


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """The CSV files of a client written by tests/adversarial.py (or here), dates parsed."""
    tables = {}
    for f in folder.glob("*.csv"):
        df = pd.read_csv(f, dtype={"lead_id": str})
        for c in ("created_at", "closed_at", "mql_at"):
            if c in df:
                df[c] = pd.to_datetime(df[c])
        tables[f.stem] = df
    return tables


def data_end(t: dict[str, pd.DataFrame]) -> pd.Timestamp:
    stamps = [t["leads"]["created_at"].max()]
    if "deals" in t:
        stamps += [t["deals"]["created_at"].max(), t["deals"]["closed_at"].max()]
    return max(s for s in stamps if pd.notna(s))


def write(folder: Path, name: str, tables: dict[str, pd.DataFrame], extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {name}", "currency: EUR", "lang: en", "timezone: UTC", "tables:"]
    for table, df in tables.items():
        df.to_csv(folder / f"{table}.csv", index=False, date_format="%Y-%m-%d %H:%M")
        lines += [f"  {table}:", f"    file: {table}.csv"]
    (folder / "client.yml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------------------------
# outcomes that cover only the later half (item 4)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("partial")
    folder = build("partial_outcome_coverage", tmp)
    return {"folder": folder, "csv": read(folder), **report(folder, tmp)}


def test_partial_coverage_leaves_the_uncovered_cohorts_out(partial):
    res, t = partial["res"], partial["csv"]
    leads = t["leads"]
    before = leads["created_at"] < pd.Timestamp("2026-01-01")
    # the deals export starts with the leads of January 2026: every earlier lead has no deal at all
    assert not leads.loc[before, "lead_id"].isin(t["deals"]["lead_id"]).any()
    assert res.coverage_start == pd.Timestamp("2026-01-01")
    assert res.uncovered_leads == int(before.sum()) == 1602
    # rates on covered leads at least 90 calendar days old only
    end_day = data_end(t).normalize()
    covered_old = leads[~before & ((end_day - leads["created_at"].dt.normalize()).dt.days >= 90)]
    assert int(res.channel["n"].sum()) == len(covered_old)
    # no month of 2025 in the cohort table or among the months tested; and month created does not
    # "make a difference" (within the covered months every cohort closes alike)
    assert res.cohorts["cohort"].min() == "2026-01"
    assert not res.others.query("dimension == 'cohort'")["group"].str.startswith("2025").any()
    tests = res.tests.set_index("dimension")
    assert not tests.loc["cohort", "matters"] and tests.loc["cohort", "qvalue"] >= 0.05
    assert res.verdict("cohort") == "unclear"


def test_partial_coverage_is_said_in_every_affected_section(partial):
    full = {"en": "Note: The outcome data (deals, wins, losses) start in January 2026: the 1,602 leads created before "
                  "then have no recorded outcome because the export does not reach them, not because they did not buy. "
                  "They are left out of every close rate, test, cohort table, curve and sales cycle below, which cover "
                  "leads created from January 2026 on.",
            "es": f"Nota: Los datos de resultados (negocios, ventas, pérdidas) empiezan en {fmt.month('2026-01', 'es')}: "
                  "los 1.602 leads creados antes no tienen resultado registrado porque la exportación no llega hasta "
                  "ellos, no porque no hayan comprado. Quedan fuera de todas las tasas de cierre, pruebas, tablas por "
                  "mes, curvas y ciclos de venta de abajo, que cubren los leads creados desde "
                  f"{fmt.month('2026-01', 'es')}."}
    short = {"en": "Only leads created from January 2026 on count here: the 1,602 earlier leads have no recorded "
                   "outcome (the outcome data start in January 2026).",
             "es": f"Aquí solo cuentan los leads creados desde {fmt.month('2026-01', 'es')}: los 1.602 leads anteriores "
                   f"no tienen resultado registrado (los datos de resultados empiezan en {fmt.month('2026-01', 'es')})."}
    for lang in LANGS:
        sec = partial[lang]["sections"]
        assert full[lang] in sec["scope"]
        for name in ("channel", "offer", "dimension_tests", "cohorts", "funnel", "cycle"):
            assert short[lang] in sec[name], (lang, name)
        # no sentence calls the month of creation a difference
        assert "month created\" does make" not in " ".join(sec.values())
    # the tile does not present a best channel as a finding the test does not support
    items = {i["key"]: i for i in partial["en"]["headlines"]}
    assert items["closerate.headline.best_channel"]["display"].endswith("(channels do not differ clearly)")
    items_es = {i["key"]: i for i in partial["es"]["headlines"]}
    assert items_es["closerate.headline.best_channel"]["display"].endswith("(los canales no difieren claramente)")


# --------------------------------------------------------------------------------------------
# stale open deals: per-rep verdicts (item 5)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stale(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stale")
    folder = build("stale_open_deals", tmp)
    return {"folder": folder, "csv": read(folder), **report(folder, tmp)}


def _per_rep(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Plain pandas: leads at least 90 calendar days old, per rep: leads, won within 90 days, won, lost, open."""
    leads, deals = t["leads"], t["deals"]
    end_day = data_end(t).normalize()
    old = leads[(end_day - leads["created_at"].dt.normalize()).dt.days >= 90].copy()
    d = deals.set_index("lead_id")
    old["stage"] = old["lead_id"].map(d["stage"]).fillna("open")
    old["days"] = (old["lead_id"].map(d["closed_at"]).dt.normalize() - old["created_at"].dt.normalize()).dt.days
    old["won_90"] = (old["stage"] == "won") & (old["days"] <= 90)
    return old.groupby("owner").agg(n=("lead_id", "size"), won_90=("won_90", "sum"),
                                    won=("stage", lambda s: (s == "won").sum()),
                                    lost=("stage", lambda s: (s == "lost").sum()),
                                    open=("stage", lambda s: (s == "open").sum()))


def test_stale_open_deals_reverse_the_verdict_and_both_are_shown(stale):
    res, g = stale["res"], _per_rep(stale["csv"])
    # within 90 days the reps differ; among the same leads with a result, won ÷ (won + lost), they do not
    p_window = st.chi2_contingency(np.column_stack([g["won_90"], g["n"] - g["won_90"]]), correction=False)[1]
    p_decided = st.chi2_contingency(np.column_stack([g["won"], g["lost"]]), correction=False)[1]
    assert p_window < 0.001 and p_decided > 0.2
    chk = res.check("owner")
    assert chk["window_pvalue"] == pytest.approx(p_window) and chk["decided_pvalue"] == pytest.approx(p_decided)
    assert not chk["agree"] and chk["reason"] == "open_share" and chk["open_group"] == "Luis"
    luis = g.loc["Luis", "open"] / g.loc["Luis", "n"]
    rest = g.drop("Luis")["open"].sum() / g.drop("Luis")["n"].sum()
    assert chk["open_share"] == pytest.approx(luis) and chk["open_rest"] == pytest.approx(rest)
    assert res.verdict("owner") == "disputed"
    # the decided table beside it: Luis's won ÷ (won + lost) is like the others'
    dec = res.decided.query("dimension == 'owner'").set_index("group")
    assert dec.loc["Luis", "decided_rate"] == pytest.approx(g.loc["Luis", "won"] / (g.loc["Luis", "won"] + g.loc["Luis", "lost"]))
    assert (dec["direction"] == "").all()
    words = {"en": (f"Note: The two ways of comparing by sales rep disagree. Within 90 days, it makes a clear difference "
                    f"(p < 0.001); among the same leads, counting only those that already have a result, won ÷ (won + "
                    f"lost), it does not (p = {p_decided:.3f}). The reason: {luis:.0%} of the leads of Luis are still "
                    f"open more than 90 days after they were created, against {rest:.0%} for the others. Within 90 days "
                    "counts those leads as not won; won ÷ (won + lost) leaves them out. Which reading is right depends on "
                    "whether those deals are still alive: check them in the CRM before judging by sales rep on either "
                    "figure. Both are shown below."),
             "es": (f"Nota: Las dos formas de comparar por vendedor no coinciden. En 90 días, sí marca una diferencia clara "
                    f"(p < 0,001); entre los mismos leads, contando solo los que ya tienen resultado, ganados ÷ (ganados "
                    f"+ perdidos), no la marca (p = {fmt.number(p_decided, 'es', 3)}). El motivo: el "
                    f"{fmt.pct(luis, 'es', 0)} de los leads de Luis sigue abierto más de 90 días después de creado, "
                    f"frente al {fmt.pct(rest, 'es', 0)} de los demás.")}
    assert words["en"].replace("%", " %") in stale["en"]["sections"]["other_dimensions"]
    assert words["es"] in stale["es"]["sections"]["other_dimensions"]
    L = g.loc["Luis"]
    row = (f"Luis | {L['n']} | {L['open']} | {fmt.pct(L['open'] / L['n'], 'en')} | {L['won'] + L['lost']} | "
           f"{fmt.pct(L['won'] / (L['won'] + L['lost']), 'en')}")
    assert row == "Luis | 584 | 381 | 65.2 % | 203 | 33.5 %"
    assert row in stale["en"]["sections"]["other_dimensions"]
    assert stale["en"]["sections"]["dimension_tests"].endswith(
        "For sales rep, the close rate within 90 days and won ÷ (won + lost) disagree: its section shows both, with "
        "the reason.")
    assert stale["es"]["sections"]["dimension_tests"].endswith(
        "Para vendedor, la tasa de cierre en 90 días y ganados ÷ (ganados + perdidos) no coinciden: su sección muestra "
        "ambas, con el motivo.")


def test_stale_open_deals_channels_agree(stale):
    """Where both comparisons agree (channels, offers), no disagreement box is printed."""
    res = stale["res"]
    assert res.check("channel")["agree"] and res.check("offer")["agree"]
    for lang in LANGS:
        assert "Note:" not in stale[lang]["sections"]["channel"] and "Nota:" not in stale[lang]["sections"]["channel"]


# --------------------------------------------------------------------------------------------
# no lost deals (item 7)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def no_lost(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("no_lost")
    folder = build("no_lost_deals", tmp)
    return {"folder": folder, "csv": read(folder), **report(folder, tmp)}


def test_no_lost_deals_shows_no_won_over_decided(no_lost):
    res = no_lost["res"]
    assert (no_lost["csv"]["deals"]["stage"] != "lost").all()
    assert not res.has_lost and res.checks is None and res.decided is None
    header = {"en": "Won ÷ (won + lost)", "es": "Ganados ÷ (ganados + perdidos)"}
    for lang in LANGS:
        sec = no_lost[lang]["sections"]
        table_head = sec["naive_fair"].splitlines()[0]
        assert header[lang] not in table_head and ("Lost" if lang == "en" else "Perdidos") not in table_head
        assert "Still open" in table_head if lang == "en" else "Aún abiertos" in table_head
    assert no_lost["en"]["sections"]["naive_fair"].endswith(
        "The export records no lost leads: won ÷ (won + lost) would read 100 % wherever there is a win, so it is not "
        "shown, and P(won by day 90) treats every lead not won as still open (some were surely lost without it being "
        "recorded).")
    assert no_lost["es"]["sections"]["naive_fair"].endswith(
        "La exportación no registra leads perdidos: ganados ÷ (ganados + perdidos) daría 100 % dondequiera que haya una "
        "venta, así que no se muestra, y P(ganado al día 90) trata todo lead no ganado como aún abierto (seguramente "
        "algunos se perdieron sin que se registrara).")
    assert no_lost["en"]["sections"]["dimension_tests"].endswith(
        "The export records no lost leads, so won ÷ (won + lost) cannot cross-check these verdicts.")
    assert "The export records no lost deals or lost leads" in no_lost["en"]["sections"]["scope"]
    assert "Here, " not in no_lost["en"]["sections"]["naive_fair"]  # no "100.0 % won among decided leads"


# --------------------------------------------------------------------------------------------
# no contact data, undated
# --------------------------------------------------------------------------------------------
def test_no_contact_data_renders_with_mql_cycle(tmp_path):
    out = report(build("no_contact_data", tmp_path), tmp_path)
    res = out["res"]
    assert res.cycle_mql is not None and int(res.cycle_mql["n_won"].iloc[0]) > 0
    for lang in LANGS:
        assert out[lang]["sections"]["cycle_mql"].splitlines()[0].startswith("Group" if lang == "en" else "Grupo")


def test_undated_says_once_what_is_missing_and_nothing_within_n_days(tmp_path):
    out = report(build("undated", tmp_path), tmp_path)
    assert out["res"].why.reason == "closerate.missing.undated"
    for lang in LANGS:
        shown = [s for s in out[lang]["sections"].values() if s]
        assert len(shown) == 1
        assert "90" not in shown[0]
        assert out[lang]["headlines"] == []
    assert out["en"]["sections"]["scope"].startswith(
        "Not enough data: The leads have no creation dates: close rates within a window, close curves and sales "
        "cycles all count from them.")


# --------------------------------------------------------------------------------------------
# small clients written here
# --------------------------------------------------------------------------------------------
def _small(folder: Path, *, extra: str = "", single_channel: bool = False) -> Path:
    """120 leads over 2025 (10 a month at 09:00 on days 1, 4, 7…), data to 2026-03-31. Every third lead
    won 20 days after creation, every third lost 10 days after, the rest open. Traps:

    - L000 is won on 2024-12-30, two days *before* it was created (2025-01-01): set aside;
    - owner: "Ana" / "Bea", but 12 leads say "unknown" and 12 are empty: one missing group of 24;
    - with ``single_channel`` every lead comes from "web".
    """
    n = 120
    created = pd.Series([pd.Timestamp("2025-01-01 09:00") + pd.DateOffset(months=i // 10) + pd.Timedelta(days=3 * (i % 10))
                         for i in range(n)])
    owner = np.where(np.arange(n) % 2 == 0, "Ana", "Bea").astype(object)
    owner[np.arange(n) % 10 == 1] = "unknown"
    owner[np.arange(n) % 10 == 3] = None
    leads = pd.DataFrame({"lead_id": [f"L{i:03d}" for i in range(n)], "created_at": created,
                          "channel": "web" if single_channel else np.where(np.arange(n) % 4 < 2, "web", "events"),
                          "owner": owner})
    stage = np.array(["won", "lost", "open"] * 40)
    closed = created + pd.to_timedelta(np.where(stage == "won", 20, 10), unit="D")
    closed = closed.where(stage != "open")
    closed[0] = pd.Timestamp("2024-12-30 10:00")  # won before its lead was created
    # no deal creation date (as in the Olist closed-deals export): the loader cannot see the inconsistency
    deals = pd.DataFrame({"deal_id": [f"D{i:03d}" for i in range(n)], "lead_id": leads["lead_id"], "stage": stage,
                          "amount": 1000.0, "closed_at": closed})
    end = pd.DataFrame({"lead_id": ["Z999"], "created_at": [pd.Timestamp("2026-03-31 18:00")],
                        "channel": ["web"], "owner": ["Ana"]})
    return write(folder, "Small traps", {"leads": pd.concat([leads, end], ignore_index=True), "deals": deals}, extra)


def test_a_win_before_creation_is_set_aside_and_listed(tmp_path):
    out = report(_small(tmp_path / "small"), tmp_path)
    res = out["res"]
    assert res.set_aside[["lead_id", "days", "reason"]].values.tolist() == [["L000", -2.0, "won_before_created"]]
    t = res.outcomes.set_index("lead_id")
    assert not t.loc["L000", "in_scope"] and t.loc["L000", "won"]  # a win in the export, left out of 03's figures
    # 40 won leads, L000 set aside: 39 wins of 20 calendar days each
    assert res.cycle_all[["n_won", "median_days", "q1_days", "q3_days"]].iloc[0].tolist() == [39, 20, 20, 20]
    assert res.channel.attrs["set_aside"] == 1
    en, es = out["en"]["sections"], out["es"]["sections"]
    assert ("Note: 1 lead is set aside: its win or loss is dated on a day before the lead was created, which the data "
            "cannot explain. It is left out of every close rate, curve and sales cycle (not counted as a win after 0 "
            "days); the sales cycle section lists it, to be checked in the CRM.") in en["scope"]
    assert "Nota: 1 lead queda apartado: su venta o pérdida tiene fecha de un día anterior a la creación del lead" in es["scope"]
    assert ("Lead | Created | Won or lost on | Days | Why set aside\nL000 | 1 Jan 2025 | 30 Dec 2024 | −2 | won before "
            "it was created") in en["cycle"]
    assert "L000 | 1 ene 2025 | 30 dic 2024 | −2 | ganado antes de crearse" in es["cycle"]


def test_unknown_and_empty_are_one_missing_group(tmp_path):
    out = report(_small(tmp_path / "small"), tmp_path)
    r = cr.close_rates(out["client"], "owner")
    assert set(r["group"]) == {"Ana", "Bea", cr.MISSING}
    # every lead of 2025 is at least 90 days old on 2026-03-31; i % 10 == 1 says "unknown" (12 leads),
    # i % 10 == 3 is empty (12): one group of 24 (L000, set aside, is Ana's)
    assert r.set_index("group").loc[cr.MISSING, "n"] == 24
    assert r.attrs["merged"] == {"unknown": 12}
    assert out["en"]["sections"]["other_dimensions"].count("Sales rep | (missing) | 24 |") == 1
    en = vcr.merged_text({"owner": {"unknown": 12}}, out["en"]["ctx"])
    es = vcr.merged_text({"owner": {"unknown": 12}}, out["es"]["ctx"])
    assert en == 'A value that means "not recorded" is counted with the empty ones, as one group (missing): "unknown" in sales rep (12 leads).'
    assert es == ("Un valor que significa «sin registrar» se cuenta junto con los vacíos, como un solo grupo (sin dato): "
                  "«unknown» en vendedor (12 leads).")
    assert en in out["en"]["sections"]["scope"]
    others = out["en"]["sections"]["other_dimensions"]
    assert "| unknown |" not in others


def test_one_channel_is_not_highest_and_lowest(tmp_path):
    out = report(_small(tmp_path / "one", single_channel=True), tmp_path)
    res = out["res"]
    assert list(res.naive_fair["group"]) == ["web"]
    assert cr.highest_and_lowest(res.naive_fair) is None
    nf = res.naive_fair.iloc[0]
    for lang in LANGS:
        text = out[lang]["sections"]["curves"]
        assert "highest" not in text and "más alta" not in text
    assert out["en"]["sections"]["curves"] == (
        f"Probability of winning within 90 days (Aalen–Johansen): {fmt.pct(nf['cif_window'], 'en')} "
        f"{fmt.ci(nf['cif_low'], nf['cif_high'], 'en')}. A curve still rising on the right means leads keep closing "
        "after 90 days.")
    # one channel: nothing to compare, and the tile names no "worst" channel
    assert [i["key"] for i in out["en"]["headlines"]] == ["closerate.headline.best_channel",
                                                          "closerate.headline.median_cycle"]
    # the funnel without a second group: one row, not the same row twice
    assert len(res.funnel) == 2 and list(res.funnel["group"]) == ["web", cr.TOTAL]
    noch = _small(tmp_path / "nochannel")
    leads = pd.read_csv(noch / "leads.csv").drop(columns=["channel"])
    leads.to_csv(noch / "leads.csv", index=False)
    res2 = cr.analyse(smk.load_client(noch))
    assert list(res2.funnel["group"]) == [cr.TOTAL]


def test_window_shorter_than_the_cycle_is_said(tmp_path):
    out = report(_small(tmp_path / "short", extra="analysis:\n  close_window_days: 15\n"), tmp_path)
    res = out["res"]
    assert res.window_days == 15 and res.cycle_q3 == 20 and res.short_window
    caution = ("Note: 15 days is shorter than the sales cycle's third quartile (20 days): more than a quarter of "
               "customers are won later than that, so close rates within 15 days leave out late wins and favour "
               "groups that close fast. The cumulative curves (section 4) follow each group over its whole cycle.")
    assert caution in out["en"]["sections"]["scope"] and caution in out["en"]["sections"]["cycle"]
    assert ("Nota: 15 días es menos que el tercer cuartil del ciclo de ventas (20 días)"
            in out["es"]["sections"]["scope"])
    # with 20-day wins and N = 15 nobody is won within the window
    assert res.channel["successes"].sum() == 0


def test_days_are_calendar_days(tmp_path):
    """Created 23:00 on 1 March, won 01:00 on 3 March: 26 hours, 2 calendar days. Created 10:00 on 1 January,
    won 18:00 on 1 April (90 days and 8 hours later): on calendar day 90, so won within 90 days."""
    leads = pd.DataFrame({"lead_id": ["A", "B", "C"],
                          "created_at": pd.to_datetime(["2025-03-01 23:00", "2025-01-01 10:00", "2025-01-02 10:00"]),
                          "channel": ["web", "web", "web"]})
    deals = pd.DataFrame({"deal_id": ["DA", "DB", "DC"], "lead_id": ["A", "B", "C"], "stage": ["won", "won", "lost"],
                          "amount": 1.0, "created_at": leads["created_at"],
                          "closed_at": pd.to_datetime(["2025-03-03 01:00", "2025-04-01 18:00", "2025-01-05 10:00"])})
    folder = write(tmp_path / "days", "Calendar days", {"leads": leads, "deals": deals},
                   "analysis:\n  min_group_size: 1\n")
    client = smk.load_client(folder)
    t = cr.lead_table(client).set_index("lead_id")
    assert t.loc["A", "days"] == 2 and t.loc["B", "days"] == 90 and t.loc["C", "days"] == 3
    assert t.loc["B", "won_in_window"]  # 90.33 elapsed days, 90 calendar days
    cyc = cr.sales_cycle(client).iloc[0]
    assert (cyc["median_days"], cyc["q1_days"], cyc["q3_days"]) == (46.0, 24.0, 68.0)
    sec = report(folder, tmp_path)
    assert sec["en"]["sections"]["scope"].startswith(
        "Days are calendar days in the client's time zone (UTC), from the day a lead was created to the day it was "
        "won or lost: a lead created on a Monday evening and won on Wednesday morning took 2 days.")
    assert sec["es"]["sections"]["scope"].startswith("Los días son días calendario en la zona horaria del cliente (UTC)")


def test_headline_values_are_formatted_by_the_report(partial):
    """No Python format spec in the catalogue: the tile's numbers are the report's (6,7 % in Spanish)."""
    res = partial["res"]
    best = cr.best_and_worst(res.channel, named_only=True)["best"]
    items = {i["key"]: i for i in partial["es"]["headlines"]}
    assert items["closerate.headline.best_channel"]["display"] == (
        f"{best['group']}: {fmt.pct(best['rate'], 'es')} {fmt.ci(best['ci_low'], best['ci_high'], 'es')} "
        "(los canales no difieren claramente)")
    cyc = res.cycle_all.iloc[0]
    assert items["closerate.headline.median_cycle"]["display"] == (
        f"{fmt.number(cyc['median_days'], 'es')} días (Q1–Q3 {fmt.number(cyc['q1_days'], 'es')}–"
        f"{fmt.number(cyc['q3_days'], 'es')})")
