"""Synthetic client generator (``smk synth``): realistic, deterministic B2B CRM exports.

``generate(out_dir, n_leads, seed, shape)`` writes one folder per client: the exports a consultant
receives (HubSpot-style contacts, contact activity and deals, a Salesforce-style task export, a
GA-style traffic export, a quota spreadsheet and the alignment survey) plus a ``client.yml`` that maps
them to the canonical model (``smk/schema.py``). Column names, stage labels and formats are the CRM's,
so loading the folder exercises the whole mapping path (value maps, ``;`` and decimal commas, euro
amounts, dd/mm/yyyy dates, cp1252).

The data carry planted effects (close-rate lifts of demo requests and pricing-page views, channel and
offer differences, a contact-attempt hazard that stops after the 8th attempt, speed-to-lead, one team
missing the first-contact SLA, an August dip, censoring, unlinked won deals, a survey with a
sales/marketing perception gap) and a handful of deliberately dirty rows at fixed spreadsheet rows.
Everything is documented in docs/demo-data.md; the true parameters are module constants below.

Determinism: every random draw comes from ``np.random.default_rng([seed, stream, chunk])``; no wall
clock is read. Scale: everything is vectorised numpy / pyarrow; activities and contact attempts are
generated and written in chunks of leads, so ``--leads 1000000`` runs in bounded memory.
"""
from __future__ import annotations

import argparse
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

from smk.errors import SmkError


DEFAULT_LEADS = 4000
DEFAULT_SEED = 2026
DEFAULT_END = "2026-10-31"
DEFAULT_MONTHS = 18
CHUNK_LEADS = 50_000  # leads per chunk of activities / tasks
LEADS_CHUNK = 200_000  # rows per chunk of the contacts export

CLIENT_NAME = "Demo Corp (synthetic)"
TIMEZONE = "Europe/Madrid"

MINUTE = 60
HOUR = 3600
DAY = 86400

# --- channels --------------------------------------------------------------------------------
#: canonical, HubSpot "Original Source" code, share of leads, close multiplier, visit->lead rate,
#: GA channel label ("" = no web traffic row), cost per visit (EUR, 0 = unpaid)
CHANNELS = (
    ("organic_search", "ORGANIC_SEARCH", 0.27, 1.00, 0.012, "Organic Search", 0.0),
    ("paid_search", "PAID_SEARCH", 0.20, 0.70, 0.025, "Paid Search", 1.15),
    ("email", "EMAIL_MARKETING", 0.13, 1.25, 0.040, "Email", 0.0),
    ("referral", "REFERRALS", 0.08, 2.00, 0.030, "Referral", 0.0),
    ("social", "SOCIAL_MEDIA", 0.12, 0.45, 0.008, "Social", 0.55),
    ("direct", "DIRECT_TRAFFIC", 0.10, 1.30, 0.020, "Direct", 0.0),
    ("events", "OFFLINE", 0.10, 1.60, 0.0, "", 0.0),
)

# --- offers (first conversion) ---------------------------------------------------------------
#: canonical, HubSpot "First Conversion" label, share, close multiplier, mean revenue per customer
#: (EUR), mean sales cycle (days), activity type of the converting event
OFFERS = (
    ("ebook", "Ebook: The Smarketing Guide", 0.30, 0.70, 9_000, 55, "Content Download"),
    ("webinar", "Webinar: Closing the Loop", 0.18, 1.30, 14_000, 45, "Webinar Registration"),
    ("checklist", "Checklist: SLA Template", 0.17, 0.60, 7_000, 55, "Content Download"),
    ("newsletter", "Newsletter Signup", 0.13, 0.35, 6_000, 60, "Form Submission"),
    ("free_trial", "Free Trial Signup", 0.13, 1.60, 11_000, 25, "Form Submission"),
    ("demo_request", "Demo Request", 0.09, 1.90, 18_000, 30, "Demo Request"),
)
OFFER_DEMO = 5
OFFER_TRIAL = 4
OFFER_NEWSLETTER = 3
OFFER_WEBINAR = 1

# --- sales teams -----------------------------------------------------------------------------
#: team -> (reps, median minutes to first attempt, lognormal sigma). Cobalt misses the 4 h SLA.
TEAMS = (
    ("Atlas", ("José Núñez", "María Peña", "Íñigo Ibáñez", "Lucía Gómez"), 25.0, 1.5),
    ("Boreal", ("Françoise Lévêque", "Hélène Dubois", "Jérôme Martin", "Amélie Roux"), 30.0, 1.5),
    ("Cobalt", ("Jürgen Müller", "Björn Schäfer", "Sören Weiß"), 600.0, 1.0),
)

# --- contact attempts ------------------------------------------------------------------------
MAX_ATTEMPTS = 12
#: probability that attempt k (1-based) connects, given the lead was not reached before
CONNECT_HAZARD = (0.15, 0.12, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05, 0.001, 0.001, 0.001, 0.001)
#: leads first reached after this attempt never buy (close hazard exactly 0 from attempt 9 on)
LAST_USEFUL_ATTEMPT = 8
PLANNED_ATTEMPTS_N, PLANNED_ATTEMPTS_P = 11, 0.68  # planned attempts = 1 + Binomial(11, 0.68)
ATTEMPT_GAP_DAYS = 1.3  # mean extra gap between attempts (exponential), plus 2 hours

# --- speed to lead ---------------------------------------------------------------------------
#: first-attempt delay buckets (upper bounds in seconds) and close multipliers
SPEED_BOUNDS = (5 * MINUTE, HOUR, 4 * HOUR, DAY)
SPEED_MULT = (2.5, 1.5, 1.0, 0.6, 0.35)

# --- close model -----------------------------------------------------------------------------
Q0 = 0.036  # P(win | reached at attempt <= 8) before multipliers
DEMO_MULT = 3.6
PRICING_MULT = 2.4
GMAIL_MULT = 0.5
STUDENT_MULT = 0.3
AUGUST_FACTOR = 0.6  # every August: 40 % fewer leads than trend
TREND_GROWTH = 0.5  # lead volume grows 50 % from first to last day
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 0.9, 0.35, 0.3)
HOUR_WEIGHTS = (1, 0.6, 0, 0.5, 0.5, 1, 2, 4, 7, 9, 10, 9, 7, 7, 8, 8, 7, 6, 5, 4, 3, 3, 2, 1.5)
UNLINKED_WON_SHARE = 0.10  # extra won deals with no contact, relative to linked won deals
GENERIC_ACTIVITY_MEAN = 19.0

OPEN_STAGES = ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
               "Decision Maker Bought-In", "Contract Sent")

GENERIC_TYPES = (  # export label, probability, asset pool
    ("Page View", 0.50, ("/", "/blog/smarketing-101", "/blog/lead-scoring", "/features", "/customers",
                         "/about", "/blog/sla-template", "/careers", "/integrations")),
    ("Email Open", 0.25, ("Monthly newsletter", "Nurture #1", "Nurture #2", "Product update", "Event invite")),
    ("Email Click", 0.09, ("Monthly newsletter", "Nurture #1", "Nurture #2", "Product update")),
    ("Content Download", 0.05, ("Ebook: The Smarketing Guide", "Checklist: SLA Template",
                                "Report: State of Sales 2026")),
    ("Form Submission", 0.03, ("Newsletter Signup", "Contact us")),
    ("Webinar Registration", 0.02, ("Webinar: Closing the Loop", "Webinar: Lead Scoring 101")),
    ("Social Interaction", 0.04, ("LinkedIn post", "LinkedIn ad", "X post")),
    ("Chat", 0.01, ("Website chat",)),
    ("Event Attendance", 0.01, ("Trade show stand", "Breakfast seminar")),
)
ACTIVITY_VALUES = {
    "Page View": "page_view", "Pricing Page View": "pricing_page_view", "Form Submission": "form_submission",
    "Content Download": "content_download", "Webinar Registration": "webinar_registration",
    "Webinar Attendance": "webinar_attended", "Demo Request": "demo_request", "Email Open": "email_open",
    "Email Click": "email_click", "Social Interaction": "social", "Event Attendance": "event", "Chat": "chat",
}
CONVERSION_TYPES = ("Form Submission", "Content Download", "Webinar Registration", "Demo Request")

LEAD_STATUS_VALUES = {
    "New": "open", "Attempted to Contact": "open", "Connected": "open", "Open Deal": "open",
    "Unqualified": "lost", "Bad Timing": "lost", "Closed Lost": "lost", "Customer": "won",
}
LIFECYCLE_VALUES = {
    "Subscriber": "subscriber", "Lead": "lead", "Marketing Qualified Lead": "mql",
    "Sales Qualified Lead": "sql", "Opportunity": "opportunity", "Customer": "customer", "Other": "other",
}
STATUS_LABELS = ("Customer", "Open Deal", "Closed Lost", "Bad Timing", "Unqualified", "Connected",
                 "Attempted to Contact", "New", "")
LIFECYCLE_LABELS = ("Customer", "Opportunity", "Marketing Qualified Lead", "Subscriber", "Lead")
DEAL_STAGE_VALUES = {**{s: "open" for s in OPEN_STAGES}, "Closed Won": "won", "Closed Lost": "lost"}

SURVEY_QUESTIONS = (  # question id, mean answer for sales, marketing, management (Likert 1-5)
    ("meetings_frequency", 3.0, 3.2, 3.0),
    ("meetings_quality", 2.7, 3.0, 2.8),
    ("heads_relationship", 3.3, 3.1, 3.4),
    ("shared_definitions", 1.7, 2.0, 1.8),
    ("sla_exists", 1.6, 1.8, 1.7),
    ("closed_loop", 2.4, 2.2, 2.5),
    ("lead_quality", 1.6, 4.3, 3.0),
    ("follow_up", 2.6, 1.4, 1.8),
    ("shared_goals", 2.9, 3.0, 3.1),
    ("shared_roles", 3.1, 3.2, 3.0),
    ("shared_tools", 3.4, 3.3, 3.5),
)
SURVEY_TEAMS = (("Sales", 7), ("Marketing", 6), ("Management", 3))

FIRST_NAMES = ("Ana", "Carlos", "Laura", "Javier", "Marta", "David", "Elena", "Pablo", "Sara", "Miguel",
               "Claire", "Louis", "Emma", "Hugo", "Léa", "Paul", "Anna", "Lukas", "Mia", "Felix",
               "Sofia", "Marco", "Giulia", "Luca", "Inês", "João", "Sophie", "Daan", "Emily", "James",
               "Olivia", "Thomas", "Nora", "Jonas", "Chloé", "Raúl", "Irene", "Álvaro", "Noémie", "Max")
LAST_NAMES = ("Garcia", "Lopez", "Martinez", "Sanchez", "Perez", "Romero", "Navarro", "Torres", "Ruiz",
              "Moreno", "Bernard", "Petit", "Durand", "Moreau", "Laurent", "Schmidt", "Fischer", "Weber",
              "Wagner", "Becker", "Rossi", "Russo", "Ferrari", "Esposito", "Silva", "Santos", "Costa",
              "de Jong", "Jansen", "Smith", "Jones", "Taylor", "Brown", "Wilson", "Vidal", "Castro")
COMPANY_A = ("Nova", "Iber", "Alta", "Cresta", "Lumen", "Vértice", "Orbis", "Terra", "Kappa", "Solea",
             "Nordic", "Prisma", "Vega", "Cima", "Delta", "Atria", "Bravo", "Costa", "Helix", "Zenit")
COMPANY_B = ("tech", "logic", "soft", "data", "works", "net", "line", "med", "trans", "fin", "log", "mark")
COMPANY_C = ("Solutions", "Group", "Systems", "SL", "SA", "GmbH", "Ltd", "Partners")
INDUSTRIES = ("Software", "Manufacturing", "Retail", "Financial Services", "Healthcare", "Education",
              "Logistics", "Professional Services", "Energy", "Hospitality")
COUNTRIES = (("Spain", "+34"), ("France", "+33"), ("Germany", "+49"), ("Portugal", "+351"), ("Italy", "+39"),
             ("United Kingdom", "+44"), ("Netherlands", "+31"), ("Austria", "+43"))
COUNTRY_P = (0.30, 0.18, 0.14, 0.08, 0.10, 0.09, 0.07, 0.04)
TITLES = (("Marketing Manager", 0.16, 1.0), ("Head of Sales", 0.10, 1.2), ("CEO", 0.10, 1.3),
          ("Marketing Director", 0.10, 1.2), ("Sales Director", 0.08, 1.2), ("Consultant", 0.10, 0.8),
          ("Operations Manager", 0.10, 0.9), ("CMO", 0.05, 1.4), ("VP Sales", 0.05, 1.3),
          ("Marketing Assistant", 0.09, 0.7), ("Student", 0.07, STUDENT_MULT))

UNKNOWN_LEAD_ID = "99999999"
FORMULA_COMPANY = '=HYPERLINK("http://x","click")'
UNKNOWN_QUESTION = "favourite_colour"

FILES = {
    "leads": "hubspot_contacts.csv",
    "activities": "hubspot_contact_activity.csv",
    "contact_attempts": "salesforce_tasks.csv",
    "deals": "hubspot_deals.csv",
    "web_traffic": "ga4_channels_daily.csv",
    "quotas": "sales_quotas.csv",
    "survey": "alignment_survey.csv",
}


# ============================================================================================
# small vectorised helpers
# ============================================================================================
def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), *stream])


def _fix(t: np.ndarray) -> np.ndarray:
    """Round seconds up to the minute and move 02:xx to 03:xx (no DST gap/overlap in Europe/Madrid)."""
    t = -(-t // MINUTE) * MINUTE
    return t + HOUR * (((t // HOUR) % 24) == 2)


def _ts_str(t: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Seconds since epoch (naive local time) -> 'YYYY-MM-DD HH:MM' strings (null where not valid)."""
    arr = pa.array(np.asarray(t, dtype="int64").astype("datetime64[s]"),
                   mask=None if valid is None else ~np.asarray(valid, dtype=bool))
    return pc.utf8_slice_codeunits(arr.cast(pa.string()), 0, 16)


def _dmy_str(t: np.ndarray) -> pa.Array:
    """Seconds since epoch -> 'dd/mm/yyyy HH:MM' strings."""
    s = pa.array(np.asarray(t, dtype="int64").astype("datetime64[s]")).cast(pa.string())
    sl = pc.utf8_slice_codeunits
    d = pc.binary_join_element_wise(sl(s, 8, 10), sl(s, 5, 7), sl(s, 0, 4), "/")
    return pc.binary_join_element_wise(d, sl(s, 11, 16), " ")


def _take(pool: tuple | list, idx: np.ndarray) -> pa.Array:
    return pa.array(list(pool), pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def _num_str(x: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(x), mask=None if valid is None else ~np.asarray(valid, dtype=bool))
    return arr.cast(pa.string())


def _euro(amount: np.ndarray) -> list[str]:
    """Whole euros -> '€12.345,00' (European export). Deals only (about N/10 rows)."""
    out = []
    for a in np.asarray(amount, dtype=np.int64).tolist():
        s = f"{abs(a):,}".replace(",", ".")
        out.append(("-" if a < 0 else "") + "€" + s + ",00")
    return out


def _with_placeholder(arr: pa.Array, mask: np.ndarray, text: str) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(text), arr)


def _pad(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """Surround values with spaces where ``mask`` (whitespace the loader must trim)."""
    padded = pc.binary_join_element_wise(pa.scalar(" "), arr, pa.scalar("  "), "")
    return pc.if_else(pa.array(mask), padded, arr)


def _csv_bytes(table: pa.Table, delimiter: str = ",", header: bool = True) -> bytes:
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=header, delimiter=delimiter,
                                                    quoting_style="needed"))
    return buf.getvalue()


@dataclass
class _Out:
    """An export being written, possibly in chunks."""

    path: Path
    delimiter: str = ","
    encoding: str = "utf-8"
    rows: int = 0

    def write(self, table: pa.Table, first: bool, rows_per_batch: int = 200_000) -> None:
        """Append ``table`` (with the header when ``first``), in slices to bound memory."""
        with open(self.path, "wb" if first else "ab") as fh:
            for i, lo in enumerate(range(0, max(table.num_rows, 1), rows_per_batch)):
                part = table.slice(lo, rows_per_batch)
                header = first and i == 0
                if self.encoding == "utf-8":
                    pacsv.write_csv(part, fh, pacsv.WriteOptions(include_header=header, delimiter=self.delimiter,
                                                                 quoting_style="needed"))
                else:
                    fh.write(_csv_bytes(part, self.delimiter, header).decode("utf-8").encode(self.encoding))
        self.rows += table.num_rows


def _insert_rows(table: pa.Table, rows: list[tuple[int, dict]]) -> pa.Table:
    """Insert string rows at 0-based positions of the final table (ascending positions)."""
    names = table.column_names
    for pos, row in sorted(rows, key=lambda r: r[0]):
        extra = pa.table({n: pa.array([row.get(n)], pa.string()) for n in names})
        table = pa.concat_tables([table.slice(0, pos), extra, table.slice(pos)])
    return table


def _as_strings(cols: dict[str, pa.Array]) -> pa.Table:
    return pa.table({k: v.cast(pa.string()) for k, v in cols.items()})


# ============================================================================================
# the simulation
# ============================================================================================
def _period(end: str, months: int) -> tuple[np.datetime64, np.datetime64, int]:
    end_day = np.datetime64(end, "D")
    start_day = (end_day.astype("datetime64[M]") - (months - 1)).astype("datetime64[D]")
    return start_day, end_day, int((end_day - start_day).astype(int)) + 1


def _day_weights(start_day: np.datetime64, n_days: int) -> np.ndarray:
    """Lead volume by day: linear trend x weekday x August dip (every August at 60 % of trend)."""
    days = np.arange(n_days)
    dates = start_day + days
    weekday = (dates.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    month0 = dates.astype("datetime64[M]").astype("int64") % 12  # 0 = January
    trend = 1.0 + TREND_GROWTH * days / max(n_days - 1, 1)
    w = trend * np.asarray(WEEKDAY_FACTOR)[weekday] * np.where(month0 == 7, AUGUST_FACTOR, 1.0)
    return w


def _simulate_leads(seed: int, n: int, start_day: np.datetime64, end_s: int, n_days: int) -> dict:
    """Every per-lead quantity: attributes, flags, attempts schedule, outcome. Vectorised."""
    rng = _rng(seed, 0)
    w = _day_weights(start_day, n_days)
    day = np.sort(rng.choice(n_days, size=n, p=w / w.sum()))
    hours = np.asarray(HOUR_WEIGHTS, float)
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    minute = rng.integers(0, 60, n)
    start_s = int(start_day.astype("datetime64[s]").astype("int64"))
    created = start_s + day * DAY + hour * HOUR + minute * MINUTE
    order = np.argsort(created, kind="stable")
    created = created[order]
    ids = 100_000 + np.cumsum(rng.integers(1, 30, n))

    channel = rng.choice(len(CHANNELS), n, p=[c[2] for c in CHANNELS])
    offer = rng.choice(len(OFFERS), n, p=[o[2] for o in OFFERS])
    team = rng.integers(0, len(TEAMS), n)
    sizes = np.array([len(t[1]) for t in TEAMS])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rep = offsets[team] + rng.integers(0, sizes[team])

    # companies: a pool with fixed size/industry/country per company
    n_comp = len(COMPANY_A) * len(COMPANY_B) * len(COMPANY_C)
    comp_emp = np.clip(np.round(np.exp(rng.normal(np.log(60), 1.4, n_comp))), 1, 20_000).astype(np.int64)
    comp_ind = rng.integers(0, len(INDUSTRIES), n_comp)
    comp_cty = rng.choice(len(COUNTRIES), n_comp, p=COUNTRY_P)
    company = rng.integers(0, n_comp, n)
    employees = comp_emp[company]
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    gmail = rng.random(n) < 0.10
    title = rng.choice(len(TITLES), n, p=[t[1] for t in TITLES])

    demo = (offer == OFFER_DEMO) | (rng.random(n) < 0.03)
    p_pricing = np.select([offer == OFFER_DEMO, offer == OFFER_TRIAL, offer == OFFER_WEBINAR],
                          [0.40, 0.35, 0.15], 0.12)
    pricing = rng.random(n) < p_pricing

    # MQL: demo / trial at once; others by engagement, 75 % at conversion, 25 % after nurturing
    p_mql = np.where(offer == OFFER_NEWSLETTER, 0.25, 0.6) + 0.3 * (pricing | demo)
    p_mql = np.where((offer == OFFER_DEMO) | (offer == OFFER_TRIAL), 1.0, p_mql)
    mql = rng.random(n) < p_mql
    instant = (offer == OFFER_DEMO) | (offer == OFFER_TRIAL) | (rng.random(n) < 0.75)
    mql_at = _fix(created + np.where(instant, 0, rng.exponential(6 * DAY, n)).astype(np.int64))
    mql &= mql_at <= end_s

    # contact attempts: first-attempt delay by team, then gaps; connect hazard per attempt
    med = np.array([t[2] for t in TEAMS])[team]
    sig = np.array([t[3] for t in TEAMS])[team]
    delay = np.clip(np.exp(np.log(med) + sig * rng.standard_normal(n)) * MINUTE, 20, 12 * DAY)
    att = np.empty((n, MAX_ATTEMPTS), dtype=np.int64)
    att[:, 0] = _fix(mql_at + delay.astype(np.int64))
    gaps = (2 * HOUR + rng.exponential(ATTEMPT_GAP_DAYS * DAY, (n, MAX_ATTEMPTS - 1))).astype(np.int64)
    for k in range(1, MAX_ATTEMPTS):  # 11 column steps, vectorised over leads
        att[:, k] = _fix(att[:, k - 1] + gaps[:, k - 1])
    del gaps
    planned = 1 + rng.binomial(PLANNED_ATTEMPTS_N, PLANNED_ATTEMPTS_P, n)
    surv = np.cumprod(1 - np.asarray(CONNECT_HAZARD))
    conn_k = np.searchsorted(1 - surv, rng.random(n), side="right") + 1  # 1..12, 13 = never
    n_planned = np.where(conn_k <= planned, conn_k, planned)
    n_planned = np.where(mql, n_planned, 0)
    n_obs = np.minimum((att <= end_s).sum(axis=1), n_planned)  # attempts are time-ordered
    connected = mql & (conn_k <= planned) & (n_obs >= conn_k)
    t_connect = att[np.arange(n), np.minimum(conn_k, MAX_ATTEMPTS) - 1]
    t_first = att[:, 0]
    t_last = att[np.arange(n), np.maximum(n_obs, 1) - 1]

    # close model
    first_delay = t_first - mql_at
    speed = np.searchsorted(np.asarray(SPEED_BOUNDS), first_delay, side="right")
    q = (Q0 * np.array([c[3] for c in CHANNELS])[channel] * np.array([o[3] for o in OFFERS])[offer]
         * np.where(demo, DEMO_MULT, 1.0) * np.where(pricing, PRICING_MULT, 1.0)
         * np.asarray(SPEED_MULT)[speed] * np.array([t[2] for t in TITLES])[title]
         * np.where(gmail, GMAIL_MULT, 1.0) * np.where((employees >= 20) & (employees <= 2000), 1.2, 0.8))
    q = np.where(conn_k <= LAST_USEFUL_ATTEMPT, np.minimum(q, 0.85), 0.0)
    p_deal = np.clip(0.25 + 1.4 * q, 0, 0.95)
    u_deal, u_win = rng.random(n), rng.random(n)
    deal_created = _fix(t_connect + rng.integers(HOUR, 4 * DAY, n))
    has_deal = connected & (u_deal < p_deal) & (deal_created <= end_s)
    win = u_win < q / p_deal
    mean_cycle = np.array([o[5] for o in OFFERS])[offer]
    cycle = np.maximum(rng.gamma(2.0, mean_cycle / 2.0) * DAY, DAY).astype(np.int64)
    close_t = _fix(deal_created + cycle)
    deal_closed = has_deal & (close_t <= end_s)
    won = deal_closed & win
    deal_lost = deal_closed & ~win
    deal_open = has_deal & ~deal_closed
    amount = np.array([o[4] for o in OFFERS])[offer] * (employees / 50.0) ** 0.15 * np.exp(rng.normal(0, 0.3, n))
    amount = (np.round(amount / 50) * 50).astype(np.int64)
    stage_frac = np.clip((end_s - deal_created) / cycle, 0, 0.999)
    open_stage = np.minimum((stage_frac * len(OPEN_STAGES)).astype(int), len(OPEN_STAGES) - 1)

    # lead status and closure dates
    bad_timing = rng.random(n) < 0.3
    unq_conn_t = _fix(t_connect + DAY)
    conn_no_deal = connected & ~has_deal & (u_deal >= p_deal)
    conn_closed = conn_no_deal & (unq_conn_t <= end_s)
    give_up_t = _fix(t_last + 3 * DAY)
    exhausted = mql & ~connected & (n_obs == n_planned) & (n_planned > 0) & (give_up_t <= end_s)
    closed_at = np.select([deal_lost, conn_closed, exhausted], [close_t, unq_conn_t, give_up_t], 0)
    status = np.select(  # codes into STATUS_LABELS
        [won, deal_open, deal_lost, conn_closed & bad_timing, conn_closed, connected, exhausted, n_obs > 0, mql],
        [0, 1, 2, 3, 4, 5, 4, 6, 7], 8).astype(np.int8)
    lifecycle = np.select(  # codes into LIFECYCLE_LABELS
        [won, has_deal, mql, offer == OFFER_NEWSLETTER], [0, 1, 2, 3], 4).astype(np.int8)
    return dict(
        n=n, ids=ids, created=created, channel=channel, offer=offer, team=team, rep=rep, company=company,
        comp_ind=comp_ind, comp_cty=comp_cty, employees=employees, first=first, last=last, gmail=gmail,
        title=title, demo=demo, pricing=pricing, mql=mql, mql_at=mql_at, att=att, n_obs=n_obs,
        connected=connected, conn_k=conn_k, t_connect=t_connect, first_delay=first_delay, q=q,
        has_deal=has_deal, deal_created=deal_created, close_t=close_t, won=won, deal_lost=deal_lost,
        deal_open=deal_open, amount=amount, open_stage=open_stage, closed_at=closed_at, status=status,
        lifecycle=lifecycle,
    )


# ============================================================================================
# writers, one per export
# ============================================================================================
def _leads_table(L: dict, shape: str, counters: dict | None, lo: int, hi: int, chunk: int) -> pa.Table:
    """The contacts export for leads [lo, hi) (clean; dirty rows are added by :func:`_dirty_leads`)."""
    L = {k: (v[lo:hi] if isinstance(v, np.ndarray) and k not in ("comp_ind", "comp_cty") else v) for k, v in L.items()}
    counters = None if counters is None else {k: v[lo:hi] for k, v in counters.items()}
    n = hi - lo
    rng = _rng(L["seed"], 10, chunk)
    comp_name_idx = L["company"]
    nb, nc = len(COMPANY_B), len(COMPANY_C)
    a, b, c = comp_name_idx // (nb * nc), (comp_name_idx // nc) % nb, comp_name_idx % nc
    stem = pc.binary_join_element_wise(_take(COMPANY_A, a), _take(COMPANY_B, b), "")
    company = pc.binary_join_element_wise(stem, _take(COMPANY_C, c), " ")
    domain = pc.binary_join_element_wise(pc.utf8_lower(stem), pa.scalar("com"), ".")
    ascii_first = [_ascii(x).lower() for x in FIRST_NAMES]
    ascii_last = [_ascii(x).lower().replace(" ", "") for x in LAST_NAMES]
    local = pc.binary_join_element_wise(_take(ascii_first, L["first"]), _take(ascii_last, L["last"]), ".")
    domain = pc.if_else(pa.array(L["gmail"]), pa.scalar("gmail.com"), domain)
    email = pc.binary_join_element_wise(local, domain, "@")
    country = L["comp_cty"][L["company"]]
    prefix = _take([p for _, p in COUNTRIES], country)
    phone = pc.binary_join_element_wise(prefix, _num_str(rng.integers(600_000_000, 699_999_999, n)), " ")
    reps = [r for t in TEAMS for r in t[1]]
    team_names = [t[0] for t in TEAMS]
    created, end_ok = L["created"], np.ones(n, bool)
    valid_mql = L["mql"]
    sql_valid = L["has_deal"]
    cols = {
        "Record ID": _num_str(L["ids"]),
        "Email": email,
        "Create Date": _ts_str(created, end_ok),
        "Original Source": _take([c[1] for c in CHANNELS], L["channel"]),
        "First Conversion": _take([o[1] for o in OFFERS], L["offer"]),
        "Contact owner": _pad(_take(reps, L["rep"]), rng.random(n) < 0.01),
        "HubSpot Team": _take(team_names, L["team"]),
        "Company Name": _pad(company, rng.random(n) < 0.02),
        "Industry": _with_placeholder(_take(INDUSTRIES, L["comp_ind"][L["company"]]), rng.random(n) < 0.03, "Select"),
        "Number of Employees": _num_str(L["employees"], rng.random(n) >= 0.05),
        "Country/Region": _with_placeholder(_take([c for c, _ in COUNTRIES], country), rng.random(n) < 0.02, "N/A"),
        "Job Title": _pad(_with_placeholder(_take([t[0] for t in TITLES], L["title"]), rng.random(n) < 0.03, "-"),
                          rng.random(n) < 0.02),
        "Phone Number": _with_placeholder(phone, rng.random(n) < 0.05, "N/A"),
        "Lifecycle Stage": _take(LIFECYCLE_LABELS, L["lifecycle"]),
        "Lead Status": _take(STATUS_LABELS, L["status"]),
        "Became a Marketing Qualified Lead Date": _ts_str(L["mql_at"], valid_mql),
        "Became a Sales Qualified Lead Date": _ts_str(L["deal_created"], sql_valid),
        "Became a Customer Date": _ts_str(L["close_t"], L["won"]),
        "Disqualified Date": _ts_str(L["closed_at"], L["closed_at"] > 0),
    }
    if shape == "summary":
        cols["Number of Pageviews"] = _num_str(counters["page_view"])
        cols["Pricing Page Views"] = _num_str(counters["pricing_page_view"])
        cols["Demo Requests"] = _num_str(counters["demo_request"])
        cols["Number of Form Submissions"] = _num_str(counters["conversions"])
        cols["Number of Sales Activities"] = _num_str(L["n_obs"])
        cols["First Engagement Date"] = _ts_str(L["att"][:, 0], L["n_obs"] > 0)
        cols["Is Customer"] = pa.array(np.where(L["won"], "Yes", "No"))
        cols["Total Revenue"] = _num_str(L["amount"].astype(float), L["won"])
    return _as_strings(cols)


def _dirty_leads(table: pa.Table) -> tuple[pa.Table, list[dict]]:
    """Plant the contacts' dirty rows in the first chunk (fixed rows, whatever the size)."""
    reps = [r for t in TEAMS for r in t[1]]
    # deliberately dirty rows (fixed rows, whatever the size): formula company, duplicate id
    dirty = []
    fi = 7  # 0-based data row -> spreadsheet row 9
    at_fi = np.zeros(table.num_rows, bool)
    at_fi[fi] = True
    comp = pc.if_else(pa.array(at_fi), pa.scalar(FORMULA_COMPANY), table.column("Company Name"))
    table = table.set_column(table.column_names.index("Company Name"), "Company Name", comp)
    dirty.append(dict(file=FILES["leads"], row=fi + 2, column="Company Name", value=FORMULA_COMPANY,
                      reason=None, note="spreadsheet formula injection; valid row, kept (tests safe CSV export)"))
    dup_src = 3
    dup_row = {k: v[0] for k, v in table.slice(dup_src, 1).to_pydict().items()}
    dup_row["Contact owner"] = reps[-1]
    dup_pos = 10  # inserted as 0-based data row 10 -> spreadsheet row 12
    table = _insert_rows(table, [(dup_pos, dup_row)])
    dirty.append(dict(file=FILES["leads"], row=dup_pos + 2, column="Record ID", value=dup_row["Record ID"],
                      reason="duplicate_id", note=f"re-import of the lead on row {dup_src + 2} with another owner"))
    return table, dirty


def _ascii(s: str) -> str:
    """'Léa' -> 'Lea' (for e-mail addresses)."""
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def _activity_chunk(L: dict, lo: int, hi: int, end_s: int, chunk: int) -> tuple[np.ndarray, ...]:
    """Activities of leads [lo, hi): (lead index, time, type label index, asset index), sorted."""
    rng = _rng(L["seed"], 20, chunk)
    m = hi - lo
    created = L["created"][lo:hi]
    offer = L["offer"][lo:hi]
    idx = np.arange(lo, hi)
    labels = _activity_labels()
    lab = {name: i for i, name in enumerate(labels)}
    # 1) the converting event, at creation
    conv_type = np.array([lab[o[6]] for o in OFFERS])[offer]
    parts_lead, parts_t, parts_type, parts_asset = [idx], [created], [conv_type], [1000 + offer]
    # 2) generic engagement after creation
    g = rng.negative_binomial(2, 2 / (2 + GENERIC_ACTIVITY_MEAN), m)
    gl = np.repeat(idx, g)
    gt = L["created"][gl] + _fix(rng.exponential(25 * DAY, gl.size).astype(np.int64))
    gtype = rng.choice(len(GENERIC_TYPES), gl.size, p=[x[1] for x in GENERIC_TYPES])
    pools = np.array([len(x[2]) for x in GENERIC_TYPES])
    gasset = gtype * 100 + (rng.random(gl.size) * pools[gtype]).astype(np.int64)
    parts_lead.append(gl), parts_t.append(gt), parts_type.append(np.array([lab[x[0]] for x in GENERIC_TYPES])[gtype])
    parts_asset.append(gasset)
    # 3) intent events between creation and the sales conversation (or 21 days)
    decision = np.where(L["connected"][lo:hi], L["t_connect"][lo:hi], created + 21 * DAY)
    span = np.maximum(np.minimum(decision, end_s) - created, 2 * HOUR)
    n_pr = np.where(L["pricing"][lo:hi], 1 + rng.poisson(0.8, m), 0)
    pl = np.repeat(idx, n_pr)
    pt = L["created"][pl] + _fix((MINUTE + rng.random(pl.size) * (np.repeat(span, n_pr) - MINUTE)).astype(np.int64))
    parts_lead.append(pl), parts_t.append(pt), parts_type.append(np.full(pl.size, lab["Pricing Page View"]))
    parts_asset.append(np.full(pl.size, 2000))
    dm = L["demo"][lo:hi] & (offer != OFFER_DEMO)
    dl = idx[dm]
    dt = L["created"][dl] + _fix((MINUTE + rng.random(dl.size) * (span[dm] - MINUTE)).astype(np.int64))
    parts_lead.append(dl), parts_t.append(dt), parts_type.append(np.full(dl.size, lab["Demo Request"]))
    parts_asset.append(np.full(dl.size, 1000 + OFFER_DEMO))
    wa = (offer == OFFER_WEBINAR) & (rng.random(m) < 0.6)
    wl = idx[wa]
    wt = L["created"][wl] + _fix(rng.integers(2 * DAY, 10 * DAY, wl.size))
    parts_lead.append(wl), parts_t.append(wt), parts_type.append(np.full(wl.size, lab["Webinar Attendance"]))
    parts_asset.append(np.full(wl.size, 1000 + OFFER_WEBINAR))
    lead = np.concatenate(parts_lead)
    t = np.concatenate(parts_t)
    typ = np.concatenate(parts_type)
    asset = np.concatenate(parts_asset)
    keep = t <= end_s
    lead, t, typ, asset = lead[keep], t[keep], typ[keep], asset[keep]
    order = np.lexsort((typ, t, lead))
    return lead[order], t[order], typ[order], asset[order]


def _activity_labels() -> list[str]:
    return list(ACTIVITY_VALUES)


def _asset_lookup() -> tuple[np.ndarray, list[str]]:
    """Asset codes -> names: 100*generic type + k, 1000 + offer, 2000 = pricing page."""
    names: list[str] = []
    codes: list[int] = []
    for gi, (_, _, pool) in enumerate(GENERIC_TYPES):
        for k, a in enumerate(pool):
            codes.append(gi * 100 + k), names.append(a)
    for oi, o in enumerate(OFFERS):
        codes.append(1000 + oi), names.append(o[1])
    codes.append(2000), names.append("/pricing")
    lut = np.full(2001, -1, dtype=np.int64)
    lut[np.array(codes)] = np.arange(len(codes))
    return lut, names


def _activities_table(L: dict, lead, t, typ, asset) -> pa.Table:
    lut, names = _asset_lookup()
    return pa.table({
        "Contact ID": _num_str(L["ids"][lead]),
        "Timestamp": _ts_str(t),
        "Event Type": _take(_activity_labels(), typ),
        "Asset": _take(names, lut[asset]),
    })


def _attempt_rows(L: dict, lo: int, hi: int, chunk: int) -> pa.Table:
    rng = _rng(L["seed"], 30, chunk)
    n_obs = L["n_obs"][lo:hi]
    lead = np.repeat(np.arange(lo, hi), n_obs)
    k = np.arange(lead.size) - np.repeat(np.cumsum(n_obs) - n_obs, n_obs)  # 0-based attempt number
    t = L["att"][lead, k]
    is_connect = L["connected"][lead] & (k + 1 == L["conn_k"][lead])
    method = rng.choice(3, lead.size, p=[0.7, 0.25, 0.05])
    method = np.where(is_connect, 0, method)
    result = rng.choice(4, lead.size, p=[0.55, 0.35, 0.07, 0.03])  # no answer, voicemail, busy, wrong number
    result = np.where(method == 0, result, 4)  # 4 = sent (email / LinkedIn)
    result = np.where(is_connect, 5, result)
    reps = [r for tm in TEAMS for r in tm[1]]
    subjects = np.where(method == 0, 0, np.where(method == 1, 1, 2))
    return pa.table({
        "Lead ID": _num_str(L["ids"][lead]),
        "Date": _dmy_str(t),
        "Assigned": _take(reps, L["rep"][lead]),
        "Subject": _take(("Call", "Follow-up email", "LinkedIn message"), subjects),
        "Type": _take(("Call", "Email", "LinkedIn"), method),
        "Call Result": _take(("No Answer", "Left Voicemail", "Busy", "Wrong Number", "Sent", "Connected"), result),
    })


def _deals_table(L: dict, start_s: int, end_s: int) -> tuple[pa.Table, list[dict], dict]:
    rng = _rng(L["seed"], 40)
    reps = [r for tm in TEAMS for r in tm[1]]
    team_of_rep = [tm[0] for tm in TEAMS for _ in tm[1]]
    li = np.flatnonzero(L["has_deal"])
    n_won = int(L["won"].sum())
    n_unl = int(round(UNLINKED_WON_SHARE * n_won))
    # unlinked won deals (sales-sourced / contact never associated): closed-loop health < 100 %
    u_created = _fix(start_s + 30 * DAY + (rng.random(n_unl) * (end_s - start_s - 120 * DAY)).astype(np.int64))
    u_close = _fix(u_created + np.maximum(rng.gamma(2.0, 20.0, n_unl) * DAY, DAY).astype(np.int64))
    # created <= end - 90 days; a cycle that would end after the data closes half-way to the end instead
    u_close = np.where(u_close > end_s, _fix(u_created + (end_s - u_created) // 2), u_close)
    u_amount = (np.round(14_000 * np.exp(rng.normal(0, 0.35, n_unl)) / 50) * 50).astype(np.int64)
    u_rep = rng.integers(0, len(reps), n_unl)
    u_comp = rng.integers(0, len(COMPANY_A) * len(COMPANY_B) * len(COMPANY_C), n_unl)

    created = np.concatenate([L["deal_created"][li], u_created])
    closed = np.concatenate([np.where(L["won"][li] | L["deal_lost"][li], L["close_t"][li], 0), u_close])
    stage = np.concatenate([
        np.where(L["won"][li], "Closed Won", np.where(L["deal_lost"][li], "Closed Lost",
                                                       np.asarray(OPEN_STAGES)[L["open_stage"][li]])),
        np.full(n_unl, "Closed Won")]).astype(object)
    amount = np.concatenate([L["amount"][li], u_amount])
    rep = np.concatenate([L["rep"][li], u_rep])
    lead_id = np.concatenate([L["ids"][li].astype(str), np.full(n_unl, "")]).astype(object)
    comp = np.concatenate([L["company"][li], u_comp])
    order = np.argsort(created, kind="stable")
    created, closed, stage, amount, rep, lead_id, comp = (x[order] for x in (created, closed, stage, amount, rep,
                                                                             lead_id, comp))
    nb, nc = len(COMPANY_B), len(COMPANY_C)
    a, b, c = comp // (nb * nc), (comp // nc) % nb, comp % nc
    cname = pc.binary_join_element_wise(
        pc.binary_join_element_wise(_take(COMPANY_A, a), _take(COMPANY_B, b), ""), _take(COMPANY_C, c), " ")
    name = pc.binary_join_element_wise(cname, pa.scalar("new business"), " - ")
    deal_ids = 7_000_000 + np.cumsum(rng.integers(1, 9, created.size))
    table = pa.table({
        "Deal ID": _num_str(deal_ids),
        "Deal Name": name,
        "Pipeline": pa.array(np.full(created.size, "Sales Pipeline")),
        "Deal Stage": pa.array(stage.tolist(), pa.string()),
        "Amount": pa.array(_euro(amount), pa.string()),
        "Create Date": _ts_str(created),
        "Close Date": _ts_str(closed, closed > 0),
        "Deal owner": _take(reps, rep),
        "Team": _take(team_of_rep, rep),
        "Associated Contact ID": pa.array(lead_id.tolist(), pa.string()),
    })
    t0 = int(created[0])
    iso = lambda s: str(np.datetime64(int(s), "s"))[:16].replace("T", " ")  # noqa: E731
    base = dict(Pipeline="Sales Pipeline", **{"Deal owner": reps[0], "Team": team_of_rep[0]})
    dirty_rows = [
        (1, {**base, "Deal ID": "6999001", "Deal Name": "Orphan Corp - new business", "Deal Stage": "Closed Won",
             "Amount": "€8.500,00", "Create Date": iso(t0 + DAY), "Close Date": iso(t0 + 20 * DAY),
             "Associated Contact ID": UNKNOWN_LEAD_ID}),
        (2, {**base, "Deal ID": "6999002", "Deal Name": "Backdated SA - new business", "Deal Stage": "Closed Lost",
             "Amount": "€4.000,00", "Create Date": iso(t0 + 10 * DAY), "Close Date": iso(t0 + 3 * DAY),
             "Associated Contact ID": ""}),
        (3, {**base, "Deal ID": "6999003", "Deal Name": "Refund GmbH - new business", "Deal Stage": "Closed Lost",
             "Amount": "-€1.200,00", "Create Date": iso(t0 + 2 * DAY), "Close Date": iso(t0 + 9 * DAY),
             "Associated Contact ID": ""}),
    ]
    table = _insert_rows(table, dirty_rows)
    f = FILES["deals"]
    dirty = [
        dict(file=f, row=3, column="Associated Contact ID", value=UNKNOWN_LEAD_ID, reason="unknown_lead",
             note="won deal whose contact is not in the contacts export"),
        dict(file=f, row=4, column="Close Date", value=dirty_rows[1][1]["Close Date"], reason="closed_before_created",
             note="Close Date 7 days before Create Date"),
        dict(file=f, row=5, column="Amount", value="-€1.200,00", reason="negative_amount",
             note="refund typed as a deal"),
    ]
    info = dict(linked=int(li.size), unlinked_won=n_unl, won_linked=n_won)
    return table, dirty, info


def _web_traffic_table(L: dict, start_day: np.datetime64, n_days: int) -> pa.Table:
    rng = _rng(L["seed"], 50)
    w = _day_weights(start_day, n_days)
    daily_leads = L["n"] * w / w.sum()
    web = [i for i, c in enumerate(CHANNELS) if c[5]]
    days = np.repeat(np.arange(n_days), len(web))
    ch = np.tile(np.array(web), n_days)
    share = np.array([c[2] for c in CHANNELS])[ch]
    rate = np.array([c[4] for c in CHANNELS])[ch]
    cpv = np.array([c[6] for c in CHANNELS])[ch]
    visits = np.round(daily_leads[days] * share / rate * np.exp(rng.normal(0, 0.12, days.size))).astype(np.int64)
    visits = np.maximum(visits, 1)
    spend = np.round(visits * cpv * np.exp(rng.normal(0, 0.1, days.size)), 2)
    dates = (start_day + days).astype(str)
    return pa.table({
        "Date": pa.array(dates.tolist(), pa.string()),
        "Session default channel group": _take([c[5] for c in CHANNELS], ch),
        "Sessions": _num_str(visits),
        "Cost": pa.array([f"{s:.2f}" if p else None for s, p in zip(spend.tolist(), (cpv > 0).tolist())], pa.string()),
    })


def _quotas_table(L: dict, start_day: np.datetime64, months: int, unl_won_amount: float) -> pa.Table:
    """Monthly quota per team: 1.15 x the average team's monthly won revenue, growing with the trend."""
    won_rev = float(L["amount"][L["won"]].sum()) + unl_won_amount
    per_team_month = won_rev / len(TEAMS) / max(months - 3, 1)  # wins start after ~3 months
    rows = []
    m0 = start_day.astype("datetime64[M]")
    for m in range(months):
        factor = 0.85 + 0.3 * m / max(months - 1, 1)
        amount = int(round(1.15 * per_team_month * factor / 1000.0)) * 1000
        for t in TEAMS:
            rows.append((str((m0 + m).astype("datetime64[D]")), t[0], str(amount)))
    return pa.table({"Month": [r[0] for r in rows], "Sales Team": [r[1] for r in rows],
                     "Quota (EUR)": [r[2] for r in rows]})


def _survey_table(seed: int, end_s: int) -> tuple[pa.Table, list[dict]]:
    rng = _rng(seed, 60)
    rows = []
    r = 0
    for team_label, count in SURVEY_TEAMS:
        ti = [t for t, _ in SURVEY_TEAMS].index(team_label)
        for _ in range(count):
            r += 1
            t = _fix(np.array([end_s - (26 - r) * DAY + int(rng.integers(9 * HOUR, 18 * HOUR))]))[0]
            for q in SURVEY_QUESTIONS:
                ans = int(np.clip(np.round(q[1 + ti] + rng.normal(0, 0.6)), 1, 5))
                stamp = str(np.datetime64(int(t), "s")).replace("T", " ")[:16]
                rows.append([f"R{r:02d}", team_label, q[0], str(ans), stamp])
    f = FILES["survey"]
    qids = [q[0] for q in SURVEY_QUESTIONS]
    oor = 1 * len(qids) + qids.index("meetings_quality")  # respondent R02
    rows[oor][3] = "7"
    unknown = list(rows[3 * len(qids) - 1])  # after R03's answers
    unknown[2], unknown[3] = UNKNOWN_QUESTION, "4"
    rows.insert(3 * len(qids), unknown)
    dirty = [
        dict(file=f, row=oor + 2, column="Score", value="7", reason="out_of_range",
             note="R02 meetings_quality answered 7 on a 1-5 scale"),
        dict(file=f, row=3 * len(qids) + 2, column="Question", value=UNKNOWN_QUESTION, reason="unknown_question",
             note="R03 answered a question id that is not in the bank"),
    ]
    names = ["Response ID", "Department", "Question", "Score", "Submitted At"]
    return pa.table({n: [row[i] for row in rows] for i, n in enumerate(names)}), dirty


# ============================================================================================
# client.yml
# ============================================================================================
def _client_yml(shape: str) -> dict:
    leads_cols = {
        "lead_id": "Record ID", "created_at": "Create Date", "channel": "Original Source",
        "offer": "First Conversion", "owner": "Contact owner", "team": "HubSpot Team", "company": "Company Name",
        "industry": "Industry", "employees": "Number of Employees", "country": "Country/Region",
        "job_title": "Job Title", "email": "Email", "phone": "Phone Number", "lifecycle_stage": "Lifecycle Stage",
        "status": "Lead Status", "mql_at": "Became a Marketing Qualified Lead Date",
        "sql_at": "Became a Sales Qualified Lead Date", "customer_at": "Became a Customer Date",
        "closed_at": "Disqualified Date",
    }
    if shape == "summary":
        leads_cols.update({
            "n_page_view": "Number of Pageviews", "n_pricing_page_view": "Pricing Page Views",
            "n_demo_request": "Demo Requests", "n_form_submission": "Number of Form Submissions",
            "n_attempts": "Number of Sales Activities", "first_contact_at": "First Engagement Date",
            "won": "Is Customer", "revenue": "Total Revenue",
        })
    tables: dict = {
        "leads": {
            "file": FILES["leads"],
            "columns": leads_cols,
            "values": {
                "channel": {c[1]: c[0] for c in CHANNELS},
                "offer": {o[1]: o[0] for o in OFFERS},
                "lifecycle_stage": dict(LIFECYCLE_VALUES),
                "status": dict(LEAD_STATUS_VALUES),
            },
        },
    }
    if shape == "log":
        tables["activities"] = {
            "file": FILES["activities"],
            "columns": {"lead_id": "Contact ID", "occurred_at": "Timestamp", "activity_type": "Event Type",
                        "asset": "Asset"},
            "values": {"activity_type": dict(ACTIVITY_VALUES)},
        }
        tables["contact_attempts"] = {
            "file": FILES["contact_attempts"],
            "encoding": "cp1252",
            "date_format": "%d/%m/%Y %H:%M",
            "columns": {"lead_id": "Lead ID", "attempted_at": "Date", "rep": "Assigned", "method": "Type",
                        "outcome": "Call Result"},
            "values": {
                "method": {"Call": "call", "Email": "email", "LinkedIn": "linkedin"},
                "outcome": {"Connected": "connected", "No Answer": "no_answer", "Left Voicemail": "voicemail",
                            "Busy": "busy", "Wrong Number": "wrong_number", "Sent": "sent"},
            },
        }
        tables["deals"] = {
            "file": FILES["deals"],
            "delimiter": ";",
            "decimal": ",",
            "columns": {"deal_id": "Deal ID", "lead_id": "Associated Contact ID", "created_at": "Create Date",
                        "closed_at": "Close Date", "stage": "Deal Stage", "pipeline_stage": "Deal Stage",
                        "amount": "Amount", "owner": "Deal owner", "team": "Team"},
            "values": {"stage": dict(DEAL_STAGE_VALUES)},
        }
    tables["web_traffic"] = {
        "file": FILES["web_traffic"],
        "columns": {"date": "Date", "channel": "Session default channel group", "visits": "Sessions", "spend": "Cost"},
        "values": {"channel": {c[5]: c[0] for c in CHANNELS if c[5]}},
    }
    tables["quotas"] = {
        "file": FILES["quotas"],
        "columns": {"period": "Month", "team": "Sales Team", "amount": "Quota (EUR)"},
    }
    tables["survey"] = {
        "file": FILES["survey"],
        "columns": {"respondent": "Response ID", "team": "Department", "question_id": "Question",
                    "answer": "Score", "answered_at": "Submitted At"},
        "values": {"team": {"Sales": "sales", "Marketing": "marketing", "Management": "management"}},
    }
    return {"name": CLIENT_NAME, "currency": "EUR", "lang": "en", "timezone": TIMEZONE, "tables": tables}


def _write_yml(path: Path, data: dict, shape: str, n_leads: int, seed: int, end: str, months: int) -> None:
    head = (f"# Synthetic client written by `smk synth` (shape={shape}, leads={n_leads}, seed={seed}, "
            f"end={end}, months={months}).\n# Regenerate instead of editing; planted effects and dirty rows: "
            f"docs/demo-data.md\n")
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(head + body, encoding="utf-8")


# ============================================================================================
# public API
# ============================================================================================
def generate(out_dir: str | Path, n_leads: int = DEFAULT_LEADS, seed: int = DEFAULT_SEED, shape: str = "log",
             end: str = DEFAULT_END, months: int = DEFAULT_MONTHS) -> dict:
    """Write a synthetic client to ``out_dir`` and return what was written.

    Returns ``{"files": {table: {"file", "rows", "bytes"}}, "dirty": [ {file, row, column, value, reason,
    note} ], "params": {...}, "truth": {...}}``. ``row`` is the spreadsheet row (header = 1).
    ``shape="summary"`` writes per-lead counters on the contacts export instead of the activity,
    task and deal exports.
    """
    if shape not in ("log", "summary"):
        raise ValueError(f"shape must be 'log' or 'summary', found {shape!r}")
    if n_leads < 200:
        raise ValueError("n_leads must be at least 200 (dirty rows sit at fixed rows near the top)")
    if months < 6:
        raise ValueError("months must be at least 6 (deal cycles and the survey need a few months)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start_day, end_day, n_days = _period(end, months)
    start_s = int(start_day.astype("datetime64[s]").astype("int64"))
    end_s = int(end_day.astype("datetime64[s]").astype("int64")) + DAY - MINUTE
    L = _simulate_leads(seed, n_leads, start_day, end_s, n_days)
    L["seed"] = seed
    files: dict[str, dict] = {}
    dirty: list[dict] = []

    def done(name: str, o: _Out) -> None:
        files[name] = {"file": o.path.name, "rows": o.rows, "bytes": o.path.stat().st_size}

    # activities (chunked), also used for the summary counters
    labels = _activity_labels()
    counters = {k: np.zeros(n_leads, np.int64)
                for k in ("page_view", "pricing_page_view", "demo_request", "conversions")}
    conv_codes = [labels.index(c) for c in CONVERSION_TYPES]
    act_out = _Out(out / FILES["activities"])
    att_out = _Out(out / FILES["contact_attempts"], encoding="cp1252")
    for ci, lo in enumerate(range(0, n_leads, CHUNK_LEADS)):
        hi = min(lo + CHUNK_LEADS, n_leads)
        lead, t, typ, asset = _activity_chunk(L, lo, hi, end_s, ci)
        if shape == "summary":
            for key, label in (("page_view", "Page View"), ("pricing_page_view", "Pricing Page View"),
                               ("demo_request", "Demo Request")):
                counters[key] += np.bincount(lead[typ == labels.index(label)], minlength=n_leads)
            counters["conversions"] += np.bincount(lead[np.isin(typ, conv_codes)], minlength=n_leads)
            continue
        table = _activities_table(L, lead, t, typ, asset)
        if ci == 0:
            lid = str(L["ids"][0])
            c0 = int(L["created"][0])
            before = str(np.datetime64(c0 - 2 * DAY, "s"))[:16].replace("T", " ")
            table = _insert_rows(table, [
                (1, {"Contact ID": lid, "Timestamp": before, "Event Type": "Page View", "Asset": "/features"}),
                (2, {"Contact ID": lid, "Timestamp": "2031-03-14 10:15", "Event Type": "Email Open",
                     "Asset": "Monthly newsletter"}),
            ])
            dirty += [
                dict(file=FILES["activities"], row=3, column="Timestamp", value=before, reason="before_lead_created",
                     note=f"page view 2 days before contact {lid} was created"),
                dict(file=FILES["activities"], row=4, column="Timestamp", value="2031-03-14 10:15",
                     reason="future_date", note="year typed as 2031"),
            ]
        act_out.write(table, first=ci == 0)
        att = _attempt_rows(L, lo, hi, ci)
        if ci == 0:
            row = {k: v[0] for k, v in att.slice(0, 1).to_pydict().items()}
            row["Date"] = "45/13/2026 09:30"
            att = _insert_rows(att, [(3, row)])
            dirty.append(dict(file=FILES["contact_attempts"], row=5, column="Date", value="45/13/2026 09:30",
                              reason="bad_date", note="day 45 of month 13"))
        att_out.write(att, first=ci == 0)
    truth: dict = {}
    if shape == "log":
        done("activities", act_out)
        done("contact_attempts", att_out)
        deals, ddirty, info = _deals_table(L, start_s, end_s)
        o = _Out(out / FILES["deals"], delimiter=";")
        o.write(deals, first=True)
        done("deals", o)
        dirty += ddirty
        truth.update(info)
    o = _Out(out / FILES["leads"])
    ldirty: list[dict] = []
    for ci, lo in enumerate(range(0, n_leads, LEADS_CHUNK)):
        leads = _leads_table(L, shape, counters if shape == "summary" else None, lo, min(lo + LEADS_CHUNK, n_leads), ci)
        if ci == 0:
            leads, ldirty = _dirty_leads(leads)
        o.write(leads, first=ci == 0)
    done("leads", o)
    dirty = ldirty + dirty
    o = _Out(out / FILES["web_traffic"])
    o.write(_web_traffic_table(L, start_day, n_days), first=True)
    done("web_traffic", o)
    unl_amount = 0.0 if shape == "summary" else UNLINKED_WON_SHARE * float(L["amount"][L["won"]].sum())
    o = _Out(out / FILES["quotas"])
    o.write(_quotas_table(L, start_day, months, unl_amount), first=True)
    done("quotas", o)
    survey, sdirty = _survey_table(seed, end_s)
    o = _Out(out / FILES["survey"])
    o.write(survey, first=True)
    done("survey", o)
    dirty += sdirty
    _write_yml(out / "client.yml", _client_yml(shape), shape, n_leads, seed, end, months)
    files["client.yml"] = {"file": "client.yml", "rows": 0, "bytes": (out / "client.yml").stat().st_size}
    truth.update(
        leads=n_leads, won=int(L["won"].sum()), mql=int(L["mql"].sum()), attempts=int(L["n_obs"].sum()),
        connected=int(L["connected"].sum()), open_deals=int(L["deal_open"].sum()),
        start=str(start_day), end=str(end_day),
    )
    if shape == "summary":
        dirty = [d for d in dirty if d["file"] in (FILES["leads"], FILES["survey"])]
    return {"files": files, "dirty": dirty, "truth": truth,
            "params": dict(n_leads=n_leads, seed=seed, shape=shape, end=end, months=months)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", help="client folder to write (e.g. data/demo)")
    parser.add_argument("--leads", type=int, default=DEFAULT_LEADS, help=f"number of leads (default {DEFAULT_LEADS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--shape", choices=("log", "summary"), default="log",
                        help="log: activity/attempt/deal logs (default); summary: per-lead counters only")
    parser.add_argument("--end", default=DEFAULT_END, help=f"last day of data, YYYY-MM-DD (default {DEFAULT_END})")
    parser.add_argument("--months", type=int, default=DEFAULT_MONTHS, help=f"months of data (default {DEFAULT_MONTHS})")


def run(args: argparse.Namespace) -> int:
    """``smk synth``: write the client and print one line per file."""
    try:
        res = generate(args.out_dir, n_leads=args.leads, seed=args.seed, shape=args.shape, end=args.end,
                       months=args.months)
    except ValueError as exc:  # bad arguments: the CLI prints "error: ..." and exits with 2
        raise SmkError(f"smk synth: {exc}") from None
    for info in res["files"].values():
        path = Path(args.out_dir) / info["file"]
        rows = f"{info['rows']:,} rows, " if info["rows"] else ""
        print(f"{path}: {rows}{info['bytes'] / 1e6:.2f} MB")
    return 0
