"""Persistence: ORM models, engines, migrations, and the queries the rest of keel uses."""
