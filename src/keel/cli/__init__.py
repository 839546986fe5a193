"""The `keel` command line (Typer)."""
