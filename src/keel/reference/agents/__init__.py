"""keel's reference agents (support, SQL analysis), their MCP tool client and their traces."""
