"""The foundation every package stands on: settings, errors, records, redaction, pricing, time
spans.

Nothing here imports any other part of keel.
"""
