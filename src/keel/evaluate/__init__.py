"""Pure evaluation of runs: stability, disagreement, policy flags and risk (no database inside)."""
