"""Model providers behind one interface: offline grounded sampler, OpenAI-compatible, llama.cpp."""

from keel.models.provider import (
    Completion,
    CompletionRequest,
    Message,
    ModelError,
    ModelProvider,
    ToolCallRequest,
    ToolSpec,
)
from keel.models.registry import ModelSpec, load_model, loaded_models, parse_model_spec

__all__ = [
    "Completion",
    "CompletionRequest",
    "Message",
    "ModelError",
    "ModelProvider",
    "ModelSpec",
    "ToolCallRequest",
    "ToolSpec",
    "load_model",
    "loaded_models",
    "parse_model_spec",
]
