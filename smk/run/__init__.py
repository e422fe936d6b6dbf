"""Layer 6: commands: run the notebooks and export the report, validate, init, bench."""
