"""`make install`'s question: does the installed llama.cpp generate on this CPU?"""

from __future__ import annotations

from pathlib import Path

from keel.models.llama_check import llama_runs


def test_the_installed_llama_cpp_generates_with_the_packaged_model() -> None:
    assert llama_runs() == (True, "ok")


def test_a_child_that_cannot_generate_is_reported_not_raised(tmp_path: Path) -> None:
    broken = tmp_path / "not-a-model.gguf"
    broken.write_bytes(b"GGUF but not really")
    ok, said = llama_runs(broken)
    assert not ok and said.startswith("exit ")
