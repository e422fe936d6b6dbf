"""Layer 4: views. Per analysis its sections, tables, formats, plots and texts; shared HTML,
number formats and the plot theme."""
