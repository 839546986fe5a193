"""Validate and normalise incoming runs and spans (native batches, OTLP) into store records."""
