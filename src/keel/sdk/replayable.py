"""`@keel.replayable`: make the host's agent entrypoint a run keel can replay and score.

The decorator names which parameters are the instruction, the user input, the context documents
and the tool set, and where the answer is in the return value. Each call records a run (as
`trace_run` does) plus the entrypoint's import path and its JSON-able arguments; `keel replay`
imports the entrypoint and calls it again with P1 / P2 / P3 applied to those parameters.
Arguments that are not JSON (clients, sessions) or are named like secrets are not stored: a
replay calls the entrypoint without them, so they need defaults (e.g. read from the environment).

It can also declare the output's contract: which fields are categorical, sets or text, which is
the decision, the agent's own request for review and the input key naming the item. Each run
records that declaration, and keel scores, drift-checks and queues the runs by it.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from keel.core.records import DECLARED_CONTRACT_KEY
from keel.sdk.replay_context import active_replay
from keel.sdk.tracer import TracedRun, guarded, trace_run

F = TypeVar("F", bound=Callable[..., Any])
ROLES = ("instruction", "user_input", "context", "tools")
#: The keys of a run's inputs that the decorator writes (an item key may not be one).
RECORD_KEYS = frozenset(
    {
        "entrypoint",
        "entrypoint_file",
        "roles",
        "arguments",
        "omitted",
        "secret",
        DECLARED_CONTRACT_KEY,
    }
)


@dataclass(frozen=True)
class Declaration:
    """What `@keel.replayable` was told about the entrypoint."""

    workflow_type: str
    roles: dict[str, str]
    answer: str | Callable[[Any], Any] | None = None
    model: str | None = None
    secret: tuple[str, ...] = field(default_factory=tuple)
    #: The declared output contract as plain data (keel.evaluate.contract reads it); {} if none.
    contract: dict[str, Any] = field(default_factory=dict)


def _strings(value: Sequence[str], name: str) -> list[str]:
    # A bare string would read as one name per character.
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"@keel.replayable {name}= takes a tuple of strings, not {value!r}")
    return list(value)


def declared_contract(
    categorical: Sequence[str] | None = None,
    sets: Sequence[str] | None = None,
    text: Sequence[str] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
    decision: str | None = None,
    review_flag: str | None = None,
    item_key: str | None = None,
) -> dict[str, Any]:
    """Return the contract a run records for these declarations (only what was given)."""
    kinds = {"categorical": categorical, "sets": sets, "text": text}
    contract: dict[str, Any] = {
        key: _strings(value, key) for key, value in kinds.items() if value is not None
    }
    if categories is not None:
        contract["categories"] = {k: _strings(v, "categories") for k, v in categories.items()}
    names = {"decision": decision, "review_flag": review_flag, "item_key": item_key}
    contract.update({key: value for key, value in names.items() if value is not None})
    return contract


def replayable(
    fn: F | None = None,
    *,
    workflow_type: str,
    instruction: str | None = None,
    user_input: str | None = None,
    context: str | None = None,
    tools: str | None = None,
    answer: str | Callable[[Any], Any] | None = None,
    model: str | None = None,
    secret: tuple[str, ...] = (),
    categorical: Sequence[str] | None = None,
    sets: Sequence[str] | None = None,
    text: Sequence[str] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
    decision: str | None = None,
    review_flag: str | None = None,
    item_key: str | None = None,
) -> Any:
    """Decorate an agent entrypoint so each call is a run that `keel replay` can re-execute.

    `instruction`, `user_input`, `context` and `tools` name parameters of the function;
    `answer` is a key (dict result), an attribute, or a function of the result giving the text.
    `categorical`, `sets`, `text` (the first is the answer compared by meaning), `categories`
    (the values a field allows), `decision`, `review_flag` (a boolean output field) and
    `item_key` (an argument naming the item, e.g. a ticket id) declare the output contract;
    given any, they are the whole contract (see docs/sdk.md).
    """
    given = {
        "instruction": instruction,
        "user_input": user_input,
        "context": context,
        "tools": tools,
    }
    contract = declared_contract(
        categorical, sets, text, categories, decision, review_flag, item_key
    )
    declared = Declaration(
        workflow_type,
        {k: v for k, v in given.items() if v},
        answer,
        model,
        tuple(secret),
        contract,
    )

    def decorate(target: F) -> F:
        named = {*declared.roles.values(), *([item_key] if item_key else [])}
        missing = named - set(inspect.signature(target).parameters)
        if missing:
            raise TypeError(f"@keel.replayable names unknown parameters: {sorted(missing)}")
        if item_key in RECORD_KEYS:
            raise TypeError(f"@keel.replayable item_key={item_key!r} is a key keel records itself")
        return _wrap(target, declared)

    return decorate(fn) if fn is not None else decorate


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


@guarded
def recorded_inputs(
    fn: Callable[..., Any], declared: Declaration, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any] | None:
    """Return what a run of `fn` records so it can be called again (None if it cannot tell)."""
    bound = inspect.signature(fn).bind(*args, **kwargs)
    kept, omitted = {}, []
    for name, value in bound.arguments.items():
        if name in declared.secret or not _jsonable(value):
            omitted.append(name)
        else:
            kept[name] = value
    source = inspect.getsourcefile(fn)
    module = fn.__module__
    if module == "__main__" and source:  # run as a script: importable by its file's name
        module = Path(source).stem
    recorded = {
        "entrypoint": f"{module}:{fn.__qualname__}",
        "entrypoint_file": str(Path(source).resolve()) if source else None,
        "roles": declared.roles,
        "arguments": kept,
        "omitted": omitted,
        "secret": list(declared.secret),
    }
    if declared.contract:
        recorded[DECLARED_CONTRACT_KEY] = declared.contract
    item_key = declared.contract.get("item_key")
    if item_key in kept:
        # Beside the other inputs, where drift looks an item up (`inputs[item_key]`).
        recorded[item_key] = kept[item_key]
    return recorded


def answer_output(result: Any, answer: str | Callable[[Any], Any] | None) -> dict[str, Any]:
    """Return the run's output: the structured result with its answer text under "answer"."""
    if hasattr(result, "model_dump"):
        result = result.model_dump()
    output = dict(result) if isinstance(result, dict) else {}
    if callable(answer):
        text = answer(result)
    elif isinstance(answer, str):
        text = result.get(answer) if isinstance(result, dict) else getattr(result, answer, None)
    else:
        text = result if isinstance(result, str) else output.get("answer")
    output["answer"] = "" if text is None else str(text)
    return output


def _scope(
    fn: Callable[..., Any], declared: Declaration, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    replay = active_replay()
    return trace_run(
        declared.workflow_type,
        model=declared.model,
        run_id=replay.run_id if replay else None,
        parent_run_id=replay.parent_run_id if replay else None,
        inputs=recorded_inputs(fn, declared, args, kwargs),
    )


@guarded
def _finish(run: TracedRun, result: Any, declared: Declaration) -> None:
    run.set_output(answer_output(result, declared.answer))


def _wrap(fn: F, declared: Declaration) -> F:
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def call_async(*args: Any, **kwargs: Any) -> Any:
            with _scope(fn, declared, args, kwargs) as run:
                result = await fn(*args, **kwargs)
                _finish(run, result, declared)
                return result

        call_async.__keel_replayable__ = declared  # type: ignore[attr-defined]
        return call_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _scope(fn, declared, args, kwargs) as run:
            result = fn(*args, **kwargs)
            _finish(run, result, declared)
            return result

    call.__keel_replayable__ = declared  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]
