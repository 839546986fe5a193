"""Does the installed llama.cpp run on this CPU? `make install` asks, and rebuilds if not.

pip caches the llama-cpp-python wheel it compiles, and a wheel compiled for one CPU can crash
on another: one built where llama.cpp picked AMX tile instructions died with a general
protection fault on a machine whose CPU advertises AMX but whose kernel does not enable it.
Importing the module proves nothing, so this generates a few tokens with the packaged model in
a child process; a crash there is a non-zero exit, not a crash of the caller.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from keel.models.llama_server import packaged_gguf

_GENERATE = """
import sys
from llama_cpp import Llama
model = Llama(model_path=sys.argv[1], n_ctx=128, n_threads=2, seed=0, verbose=False)
model("The capital of France is", max_tokens=4)
"""


def llama_runs(gguf: Path | None = None, timeout_s: float = 300.0) -> tuple[bool, str]:
    """Return whether llama.cpp generates with `gguf` (the packaged model) here, and what
    it said."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _GENERATE, str(gguf or packaged_gguf())],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return False, f"no tokens within {timeout_s:.0f} s"
    if done.returncode != 0:
        return False, f"exit {done.returncode}: {done.stderr.strip()[-500:]}"
    return True, "ok"


def main() -> None:
    """Exit 0 when llama.cpp runs here, 1 (with the reason on stderr) when it does not."""
    ok, said = llama_runs()
    if not ok:
        print(f"llama.cpp does not run on this machine ({said})", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
