"""Layer 3: analyses. Compute only: tidy frames in, result objects out; no plots, HTML or
language inside."""
