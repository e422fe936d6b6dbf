"""Layer 5: the report: the notebook context (``smk.report.setup``), headlines, the index page
and its templates."""
from smk.report.context import *  # noqa: F401,F403
from smk.report.context import BATCH_ENV, PROJECT_ROOT, Context, capabilities, client_slug, default_output_dir, is_batch, read_headlines, resolve, setup  # noqa: F401
from smk.views.html import (TEXT, Html, capability_label, capability_labels, format_table, headline, is_pii_column,  # noqa: F401
                            mask_pii, not_enough_data, note_html)
from smk.views.quality import (ACTION_LABELS, QUALITY_LABELS, capability_table, ledger_counts, ledger_rows,  # noqa: F401
                               plot_quality, quality_headlines)
