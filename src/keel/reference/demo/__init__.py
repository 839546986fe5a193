"""`keel demo`: the whole story on a fresh KEEL_HOME, every run a real run of keel's agents."""
