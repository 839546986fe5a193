"""Governance: hash-chained audit log, scoped API keys, tool-usage policies, review decisions."""
