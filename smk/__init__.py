"""smarketing playbook: measure and fix how well a client's sales and marketing work together.

Public API (see docs/):
    load_client(path) -> Client      read, map, parse and validate a client's exports
    Client                           canonical tables + config + data-quality ledger
    lead_outcomes(client)            per-lead won / lost / open with dates and revenue
Analysis modules are imported by concept: smk.analyses.alignment, smk.analyses.scoring, smk.analyses.closerate, smk.analyses.sla,
smk.analyses.attempts, smk.analyses.monthly; shared helpers: smk.analyses.stats, smk.views.fmt, smk.report, smk.views.theme.
"""
from smk.client import Client
from smk.io.config import ClientConfig, load_config
from smk.errors import ConfigError, DataError, NotEnoughData, SmkError
from smk.io.ledger import Ledger
from smk.client.loader import load_client
from smk.analyses.outcomes import lead_outcomes

__all__ = [
    "Client", "ClientConfig", "ConfigError", "DataError", "Ledger", "NotEnoughData", "SmkError",
    "lead_outcomes", "load_client", "load_config",
]
__version__ = "0.1.0"
