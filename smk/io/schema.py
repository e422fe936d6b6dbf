"""Canonical tables of the client data model.

Every loader output uses these column names and kinds, whatever the CRM called them.
Only ``leads`` is required; every other table is optional. See docs/data-model.md.

Kinds:
- ``id``: string identifier (trimmed, never parsed as a number);
- ``str``: free text / category (trimmed, placeholders become missing);
- ``datetime``: tz-aware timestamp in the client's timezone;
- ``date``: calendar day (tz-naive midnight);
- ``month``: first day of a calendar month (tz-naive);
- ``number``: float (thousands separators, decimal commas, currency symbols understood);
- ``int``: nullable integer (``Int64``);
- ``bool``: nullable boolean (yes/no, true/false, 1/0, sí/no).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    required: bool = False
    pii: bool = False
    allowed: tuple[str, ...] | None = None  # canonical values; anything else must be mapped
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    id_column: str | None = None
    lead_ref: str | None = None  # column pointing at leads.lead_id
    event_time: str | None = None  # column that must not precede the lead's creation
    keep_extra: bool = False  # keep unmapped source columns (as features)
    description: str = ""
    extra: dict = field(default_factory=dict)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


C = ColumnSpec

LEAD_STATUSES = ("open", "won", "lost")
DEAL_STAGES = ("open", "won", "lost")
SURVEY_TEAMS = ("sales", "marketing", "management")
LIFECYCLE_STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "other")

#: Activity types the playbook knows by name (others are accepted and analysed as they come).
ACTIVITY_TYPES = (
    "page_view", "pricing_page_view", "form_submission", "content_download",
    "webinar_registration", "webinar_attended", "demo_request", "email_open",
    "email_click", "social", "event", "chat",
)

#: Per-lead counters accepted on the leads table when the CRM exports no event log.
#: ``n_<activity_type>`` counts that activity; ``n_attempts`` counts contact attempts.
LEAD_COUNTERS = tuple(f"n_{a}" for a in ACTIVITY_TYPES) + ("n_attempts", "n_connects")

#: Repeated labels of the event log, loaded as pandas categoricals (sorted categories): 20 million
#: activities name a few dozen types and assets, and as text they would take 0.7 GiB of every
#: process holding the client. They compare, group and print like text.
CATEGORICAL = (("activities", "activity_type"), ("activities", "asset"))

LEADS = TableSpec(
    "leads",
    (
        C("lead_id", "id", required=True, description="unique id of the lead / contact"),
        C("created_at", "datetime", required=True, description="when the lead was created"),
        C("channel", "str", description="original source (organic_search, paid_search, email, ...)"),
        C("offer", "str", description="first conversion: ebook, webinar, demo_request, ..."),
        C("owner", "str", description="sales rep who owns the lead"),
        C("team", "str", description="sales team of the owner"),
        C("company", "str"),
        C("industry", "str"),
        C("employees", "number", description="company size (headcount)"),
        C("country", "str"),
        C("job_title", "str"),
        C("email", "str", pii=True),
        C("phone", "str", pii=True),
        C("lifecycle_stage", "str", allowed=LIFECYCLE_STAGES),
        C("mql_at", "datetime", description="became marketing-qualified"),
        C("sql_at", "datetime", description="became sales-qualified"),
        C("customer_at", "datetime", description="became a customer (won)"),
        C("closed_at", "datetime", description="closed lost / disqualified (when known)"),
        C("status", "str", allowed=LEAD_STATUSES, description="open / won / lost"),
        C("won", "bool", description="per-lead summary: became a customer"),
        C("revenue", "number", description="per-lead summary: revenue from the lead"),
        C("first_contact_at", "datetime", description="per-lead summary: first sales touch"),
        *(C(n, "int", description="per-lead counter") for n in LEAD_COUNTERS),
    ),
    id_column="lead_id",
    keep_extra=True,
    description="one row per lead; the only required table",
)

ACTIVITIES = TableSpec(
    "activities",
    (
        C("lead_id", "id", required=True),
        C("occurred_at", "datetime", required=True),
        C("activity_type", "str", required=True, description="page_view, form_submission, ..."),
        C("asset", "str", description="page / offer / CTA name"),
        C("channel", "str"),
    ),
    lead_ref="lead_id",
    event_time="occurred_at",
    description="marketing behaviour log, one row per event",
)

CONTACT_ATTEMPTS = TableSpec(
    "contact_attempts",
    (
        C("lead_id", "id", required=True),
        C("attempted_at", "datetime", required=True),
        C("rep", "str"),
        C("method", "str", description="call, email, linkedin, ..."),
        C("outcome", "str", description="connected, no_answer, voicemail, ..."),
    ),
    lead_ref="lead_id",
    event_time="attempted_at",
    description="sales contact log, one row per attempt",
)

DEALS = TableSpec(
    "deals",
    (
        C("deal_id", "id", required=True),
        C("lead_id", "id", description="lead the deal came from (missing = not linked)"),
        C("created_at", "datetime"),
        C("closed_at", "datetime"),
        C("stage", "str", required=True, allowed=DEAL_STAGES, description="won / lost / open"),
        C("pipeline_stage", "str", description="the CRM's own stage name, kept for pipeline views"),
        C("amount", "number"),
        C("owner", "str"),
        C("team", "str"),
    ),
    id_column="deal_id",
    lead_ref="lead_id",
    event_time="created_at",
    description="opportunities / deals",
)

WEB_TRAFFIC = TableSpec(
    "web_traffic",
    (
        C("date", "date", required=True),
        C("channel", "str", required=True),
        C("visits", "int", required=True),
        C("spend", "number", description="marketing spend of the channel that day (optional)"),
    ),
    description="daily visits (and optional spend) by channel",
)

QUOTAS = TableSpec(
    "quotas",
    (
        C("period", "month", required=True),
        C("owner", "str"),
        C("team", "str"),
        C("amount", "number", required=True),
    ),
    description="sales quota per month, by rep and/or team (neither = company-wide)",
)

SURVEY = TableSpec(
    "survey",
    (
        C("respondent", "id", required=True),
        C("team", "str", required=True, allowed=SURVEY_TEAMS),
        C("question_id", "id", required=True),
        C("answer", "int", required=True, description="Likert 1-5"),
        C("answered_at", "datetime"),
    ),
    description="alignment questionnaire answers",
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (LEADS, ACTIVITIES, CONTACT_ATTEMPTS, DEALS, WEB_TRAFFIC, QUOTAS, SURVEY)
}

#: Values read as missing unless client.yml says otherwise (compared after trimming, case-insensitive).
DEFAULT_PLACEHOLDERS = ("", "select", "n/a", "na", "-", "--", "null", "none", "nan", "#n/a", "(none)")
