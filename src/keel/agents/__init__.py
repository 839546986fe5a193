"""keel's reference agents (support, SQL analysis) and the model providers they run on."""
