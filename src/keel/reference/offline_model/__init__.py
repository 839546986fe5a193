"""`offline:grounded-sampler`, the offline default model: a retrieval-grounded sampler."""
