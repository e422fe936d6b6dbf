"""smarketing playbook: measure and fix how well a client's sales and marketing work together.

Public API (see docs/):
    load_client(path) -> Client      read, map, parse and validate a client's exports
    Client                           canonical tables + config + data-quality ledger
    lead_outcomes(client)            per-lead won / lost / open with dates and revenue
Analysis modules are imported by concept: smk.alignment, smk.scoring, smk.closerate, smk.sla,
smk.attempts, smk.monthly; shared helpers: smk.stats, smk.fmt, smk.report, smk.theme.
"""
from smk.client import Client
from smk.config import ClientConfig, load_config
from smk.errors import ConfigError, DataError, NotEnoughData, SmkError
from smk.ledger import Ledger
from smk.loader import load_client
from smk.outcomes import lead_outcomes

__all__ = [
    "Client", "ClientConfig", "ConfigError", "DataError", "Ledger", "NotEnoughData", "SmkError",
    "lead_outcomes", "load_client", "load_config",
]
__version__ = "0.1.0"
