"""Self-heal: read why a run is unstable, rerun it under constraints, re-score it."""
