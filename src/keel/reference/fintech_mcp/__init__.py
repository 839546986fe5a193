"""keel's fintech MCP tool server: the synthetic bank and knowledge base behind MCP tools."""
