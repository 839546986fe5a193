"""Capture of tool calls made to any MCP server: recorder, client session, stdio proxy."""
