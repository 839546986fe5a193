"""MCP: keel's fintech tool server, and capture of tool calls made to any MCP server."""
