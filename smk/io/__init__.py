"""Layer 1: reading and validating exports (schema, client.yml, readers, parsing, the ledger,
presets, the survey bank, synthetic exports). Imports nothing above it."""
