"""`KEEL_MODEL` specs: what parses, and errors that quote the bad spec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from keel.core.errors import InvalidInput
from keel.core.settings import Settings
from keel.models import ModelSpec, load_model, parse_model_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("offline", ModelSpec("offline", "grounded-sampler")),
        ("offline:grounded-sampler", ModelSpec("offline", "grounded-sampler")),
        (
            "openai:gpt-4o-mini@http://127.0.0.1:8080/v1",
            ModelSpec("openai", "gpt-4o-mini", "http://127.0.0.1:8080/v1"),
        ),
        ("openai:gpt-4o-mini", ModelSpec("openai", "gpt-4o-mini")),
        ("local:/models/smollm2.gguf", ModelSpec("local", "/models/smollm2.gguf")),
    ],
)
def test_valid_specs_parse(text: str, expected: ModelSpec) -> None:
    assert parse_model_spec(text) == expected


@pytest.mark.parametrize(
    "text",
    ["gpt-4", "anthropic:claude", "offline:gpt2", "openai:", "openai:gpt@ftp://x", "local:x.bin"],
)
def test_bad_specs_raise_an_error_quoting_the_spec(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_model_spec(text)
    assert repr(text) in info.value.message
    assert info.value.field == "KEEL_MODEL"


def test_spec_round_trips_through_its_string() -> None:
    spec = parse_model_spec("openai:gpt-4o-mini@http://127.0.0.1:9/v1")
    assert parse_model_spec(str(spec)) == spec


def test_local_model_without_the_file_says_which_path(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no GGUF model file"):
        load_model(f"local:{tmp_path / 'absent.gguf'}", Settings(home=tmp_path))


def test_local_model_without_llama_cpp_names_the_extra(tmp_path: Path) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    # A None entry in sys.modules makes `import llama_cpp` fail, as when it is not installed.
    program = (
        "import sys; sys.modules['llama_cpp'] = None\n"
        "from keel.core.settings import Settings\n"
        "from keel.models import load_model, ModelError\n"
        "try:\n"
        f"    load_model('local:{gguf}', Settings())\n"
        "except ModelError as exc:\n"
        "    print(exc.message)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True
    )
    assert "keel[local]" in result.stdout
