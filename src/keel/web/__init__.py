"""HTTP: the JSON API under /api/v1, the OTLP receiver at /v1/traces, and the dashboard pages."""
