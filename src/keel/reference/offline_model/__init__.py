"""`offline:grounded-sampler`, the offline default model: a retrieval-grounded sampler."""

MODEL_NAME = "grounded-sampler"
