"""`offline:grounded-sampler`: a small retrieval-grounded generator that really samples.

It is not a language model. It reads the structured inputs of a step (the request text, the
candidate labels with their descriptions, the documents the tools returned, in context order)
and samples, seeded and temperature-driven:

- `plan`: a preliminary label from the request alone, and a call to every offered tool whose
  required arguments it can fill from the values it was given;
- `answer`: a label scored against the request and the position-weighted documents, then an
  extractive answer and next steps sampled from the documents that support that label, their
  citations, the disclaimer that label carries, and whether a person should review it;
- `sql` / `summarize`: see `keel.reference.offline_model.sql_sampler`.

Its outputs vary only where the inputs are ambiguous (close label scores, similar documents);
nothing in it looks at ticket ids, label names or perturbations. Tokens are counted with the
all-MiniLM-L6-v2 WordPiece tokenizer; cost is 0 (it runs locally).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from keel.core.errors import InvalidInput
from keel.models.embeddings import SentenceEmbedder, embedder
from keel.models.provider import Completion, CompletionRequest, ModelError, ToolCallRequest
from keel.reference.offline_model import MODEL_NAME, sql_sampler
from keel.reference.offline_model.composition import CompositionParameters, compose
from keel.reference.offline_model.grounding import (
    attention,
    documents_from,
    label_mixture,
    label_space,
    request_similarity,
)
from keel.reference.offline_model.knowledge_vectors import shipped_vectors
from keel.reference.offline_model.sampling import sample_index, softmax_rows, tempered_softmax
from keel.reference.offline_model.tokens import count_tokens


@dataclass(frozen=True)
class SamplerParameters:
    """The sampler's fixed hyperparameters (the same for every knowledge base)."""

    label_scale: float = 0.05  # cosine units per logit unit: how sharply scores separate labels
    request_scale: float = 0.15  # the same for a reading of the request without documents
    sentence_scale: float = 0.05
    position_decay: float = 0.75  # weight of the document at position r is decay**r
    attention_temperature: float = 0.05  # cosine units: how sharply the label reading attends
    lexical_weight: float = 0.1  # distinctive description words matched, in cosine units
    document_share: float = 3.0  # weight of a document's evidence against the request's
    request_share: float = 0.35  # weight of the request's own reading in the label mixture
    review_confidence: float = 0.6  # below this calibrated top probability, ask for review
    # cosine by which "needed" must beat "not needed" (fitted on the fit half of the world's
    # tickets by balanced accuracy: bench/review.py --fit-margin)
    review_margin: float = 0.26
    topic_weight: float = 0.3  # a document's topic (the KB's own grouping) added to its text


class GroundedSampler:
    """The offline default model provider."""

    provider = "offline"
    model = MODEL_NAME

    def __init__(self, embedder_name: str, settings: SamplerParameters | None = None) -> None:
        self._embedder_name = embedder_name
        self.settings = settings or SamplerParameters()

    @property
    def embedder(self) -> SentenceEmbedder:
        """Return the process's sentence embedder, its cache seeded with the shipped vectors."""
        return _seeded_embedder(self._embedder_name)

    def generate(self, request: CompletionRequest) -> Completion:
        """Return a sampled generation for a structured `plan`, `answer`, `sql` or `summarize`."""
        started = time.perf_counter()
        rng = request_generator(request)
        handlers = {
            "plan": self._plan,
            "answer": self._answer,
            "sql": self._sql,
            "summarize": self._summarize,
        }
        handler = handlers.get(request.task or "")
        if handler is None:
            raise ModelError(
                f"offline:{MODEL_NAME} needs a structured task ({', '.join(handlers)}); "
                f"got {request.task!r}. Use an openai: or local: model for free-form chat."
            )
        parsed, tool_calls, details = handler(request, rng)
        text = json.dumps(parsed, ensure_ascii=False) if parsed is not None else ""
        calls_text = json.dumps([[c.name, c.arguments] for c in tool_calls]) if tool_calls else ""
        return Completion(
            provider=self.provider,
            model=self.model,
            seed=request.seed,
            temperature=request.temperature,
            text=text,
            parsed=parsed,
            tool_calls=tool_calls,
            input_tokens=_prompt_tokens(request),
            output_tokens=count_tokens(text) + count_tokens(calls_text),
            cost_usd=0.0,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            finish_reason="tool_calls" if tool_calls else "stop",
            details=details,
        )

    def close(self) -> None:
        """Nothing to release: the embedder is shared by every sampler in the process."""

    def _belief(
        self, text: str, labels: dict[str, str], documents: list[Any], temperature: float
    ) -> dict[str, Any]:
        space = label_space(labels, self.embedder)
        query = self.embedder.encode([text])[0]
        vectors = self.embedder.encode([d.embed_text for d in documents])
        lexical = self.settings.lexical_weight
        doc_texts = [d.embed_text for d in documents]
        doc_similarity = space.similarity(vectors) + lexical * space.lexical(doc_texts)
        doc_similarity += self.settings.topic_weight * self._topics(space, documents)
        attended = attention(
            query, vectors, self.settings.position_decay, self.settings.attention_temperature
        )
        mixture = label_mixture(
            request_similarity(text, query, space, self.embedder)
            + lexical * space.lexical([text])[0],
            doc_similarity,
            attended,
            (self.settings.request_share, self.settings.document_share),
            (self.settings.request_scale, self.settings.label_scale),
        )
        # sampling at temperature T from the mixture is softmax(log p / T), as a decoder does
        logits = np.log(np.clip(mixture, 1e-12, None))
        return {
            "space": space,
            "query": query,
            "weights": attended,
            "logits": logits,
            "doc_similarity": doc_similarity,
            "probabilities": tempered_softmax(logits, temperature),
            "calibrated": mixture / mixture.sum(),
        }

    def _topics(self, space: Any, documents: list[Any]) -> np.ndarray:
        """Return each document's topic evidence per label (zero rows for untopical ones)."""
        out = np.zeros((len(documents), len(space.names)))
        topical = [i for i, d in enumerate(documents) if d.topic]
        if topical:
            names = [documents[i].topic for i in topical]
            vectors = self.embedder.encode(names)
            out[topical] = space.similarity(vectors) + space.lexical(names)
        return out

    def _plan(
        self, request: CompletionRequest, rng: np.random.Generator
    ) -> tuple[dict[str, Any], list[ToolCallRequest], dict[str, Any]]:
        text = _required(request.inputs, "text", str)
        labels = _allowed_labels(request.inputs)
        belief = self._belief(text, labels, [], request.temperature)
        label = belief["space"].names[sample_index(belief["logits"], request.temperature, rng)]
        known = dict(request.inputs.get("known") or {})
        calls = []
        for tool in request.tools:
            required = tool.parameters.get("required") or []
            properties = tool.parameters.get("properties") or {}
            if all(name in known for name in required):
                arguments = {name: known[name] for name in properties if name in known}
                calls.append(ToolCallRequest(f"call_{len(calls)}", tool.name, arguments))
        parsed = {"category": label}
        return parsed, calls, {"label_probabilities": _by_name(belief, "probabilities")}

    def _answer(
        self, request: CompletionRequest, rng: np.random.Generator
    ) -> tuple[dict[str, Any], list[ToolCallRequest], dict[str, Any]]:
        inputs = request.inputs
        text = _required(inputs, "text", str)
        labels = _allowed_labels(inputs)
        documents = documents_from(inputs.get("documents") or [])
        belief = self._belief(text, labels, documents, request.temperature)
        space = belief["space"]
        chosen = sample_index(belief["logits"], request.temperature, rng)
        label = space.names[chosen]
        # documents are read for the sampled label: how strongly each supports it over the others
        support = softmax_rows(belief["doc_similarity"] / self.settings.label_scale)
        weights = belief["weights"] * (support[:, chosen] if len(documents) else 1.0)
        # A heal's required citations (as a writer told "cite these") weigh as the best document.
        required = set(inputs.get("required_citations") or [])
        if required and len(documents):
            wanted = np.array([document.id in required for document in documents])
            weights = np.where(wanted, np.maximum(weights, weights.max()), weights)
        settings = CompositionParameters(
            max_sentences=int(inputs.get("max_sentences", 3)),
            max_steps=int(inputs.get("max_steps", 3)),
            similarity_scale=self.settings.sentence_scale,
            temperature=request.temperature,
        )
        composition = compose(documents, belief["query"], weights, settings, self.embedder, rng)
        confidence = float(belief["calibrated"].max())
        review_labels = set(inputs.get("review_labels") or [])
        asked = self._review(text, inputs.get("review"), request.temperature, rng)
        parsed = {
            "category": label,
            "answer": " ".join(composition.sentences) or str(inputs.get("no_context_answer", "")),
            "next_steps": composition.steps,
            "disclaimer": str((inputs.get("disclaimers") or {}).get(label, "")),
            "needs_human_review": asked
            or label in review_labels
            or confidence < self.settings.review_confidence,
            "citations": [
                {"source": documents[i].source, "id": documents[i].id}
                for i in composition.used_documents
            ],
        }
        details = {
            "label_probabilities": _by_name(belief, "probabilities"),
            "confidence": round(confidence, 4),
            "context_weights": [round(float(w), 4) for w in belief["weights"]],
        }
        return parsed, [], details

    def _review(
        self, text: str, criteria: Any, temperature: float, rng: np.random.Generator
    ) -> bool:
        """Return whether the request reads as one that needs a person ({needed, not_needed}).

        Each criterion is read as the centroid of its phrases, not its best-matching phrase:
        the maximum over more phrases is larger by chance alone, so "needed" (9 phrases to 5)
        won for 91% of tickets. Even by centroid, "needed" (the bank acting on a case) lies
        nearer any banking request; it must win by `review_margin` (docs/benchmarks.md).
        """
        if not isinstance(criteria, dict) or not {"needed", "not_needed"} <= set(criteria):
            return False
        space = label_space({k: criteria[k] for k in ("needed", "not_needed")}, self.embedder)
        query = self.embedder.encode([text])[0]
        centroids = np.stack([p.mean(axis=0) for p in space.prototypes])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        similarity = centroids @ query - np.array([self.settings.review_margin, 0.0])
        logits = similarity / self.settings.label_scale
        return space.names[sample_index(logits, temperature, rng)] == "needed"

    def _sql(
        self, request: CompletionRequest, rng: np.random.Generator
    ) -> tuple[dict[str, Any], list[ToolCallRequest], dict[str, Any]]:
        parsed, details = sql_sampler.draft_sql(
            request.inputs, request.temperature, self.embedder, rng
        )
        return parsed, [], details

    def _summarize(
        self, request: CompletionRequest, rng: np.random.Generator
    ) -> tuple[dict[str, Any], list[ToolCallRequest], dict[str, Any]]:
        return sql_sampler.summarize(request.inputs), [], {}


def request_generator(request: CompletionRequest) -> np.random.Generator:
    """Return the random stream of one request: its seed and a digest of everything it asks.

    A language model's sample depends on its prompt as well as its seed; so does this one's.
    Seeded by the seed alone, every request of a batch run with one seed drew the same
    numbers, and the batch's labels moved together with the seed (bench/seed_skew.py).
    """
    prompt = {
        "task": request.task,
        "inputs": request.inputs,
        "messages": [(m.role, m.content) for m in request.messages],
        "tools": [tool.name for tool in request.tools],
    }
    canonical = json.dumps(prompt, sort_keys=True, ensure_ascii=False, default=str)
    words = np.frombuffer(hashlib.sha256(canonical.encode()).digest()[:16], dtype=np.uint32)
    return np.random.default_rng([max(0, int(request.seed)), *words.tolist()])


def _by_name(belief: dict[str, Any], key: str) -> dict[str, float]:
    return {
        name: round(float(p), 4) for name, p in zip(belief["space"].names, belief[key], strict=True)
    }


def _required(inputs: dict[str, Any], name: str, kind: type) -> Any:
    value = inputs.get(name)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise InvalidInput(f"the offline sampler needs input {name!r}", field=f"inputs.{name}")
    return value


def _allowed_labels(inputs: dict[str, Any]) -> dict[str, str]:
    labels = _required(inputs, "labels", dict)
    allowed = inputs.get("allowed_labels")
    if allowed:
        labels = {name: labels[name] for name in allowed if name in labels} or labels
    return labels


def _prompt_tokens(request: CompletionRequest) -> int:
    if request.messages:
        return sum(count_tokens(m.content) for m in request.messages)
    return count_tokens(json.dumps(request.inputs, ensure_ascii=False, default=str))


@cache
def _seeded_embedder(name: str) -> SentenceEmbedder:
    # The shared embedder learns the world's article vectors once per process (see
    # knowledge_vectors): they are most of what a batch of tickets would otherwise embed.
    shared = embedder(name)
    shared.preload(shipped_vectors(name))
    return shared
