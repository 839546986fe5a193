"""keel's own demo, fenced off from the product: a synthetic fintech world, its MCP tool server,
the support and SQL agents, the offline model they run on, and the demo story.

It registers itself through `keel.reference.plugin` (an entry point), the way a user's package
would; nothing outside `keel.reference` and `keel.cli` imports it.
"""
