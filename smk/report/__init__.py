"""Layer 6: the report: the notebook context (``ctx = smk.report.setup(...)``), headlines, and the
index page of a report folder (smk.report.index) with its templates."""
from smk.report.context import (BATCH_ENV, PROJECT_ROOT, Context, capabilities, client_slug,  # noqa: F401
                                default_output_dir, is_batch, read_headlines, resolve, setup)
from smk.views.html import Html, format_table, mask_pii, not_enough_data, note_html  # noqa: F401

__all__ = ["BATCH_ENV", "PROJECT_ROOT", "Context", "Html", "capabilities", "client_slug", "default_output_dir",
           "format_table", "is_batch", "mask_pii", "not_enough_data", "note_html", "read_headlines", "resolve", "setup"]
