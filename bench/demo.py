"""How long `keel demo` takes on a fresh KEEL_HOME: wall time, CPU, and the machine's load.

    python bench/demo.py [--tickets 200] [--repeat 1] [--src PATH] [--label NAME]

Runs `python -m keel demo --no-serve --json` in its own process on a new, empty KEEL_HOME
(world, database, every run), `--repeat` times, and prints JSON: wall seconds end to end
(imports included), CPU seconds of the demo and its MCP tool server, the 1-minute load average
before and after (the machine is shared: wall time depends on it, CPU time much less), and the
story's own step timings and run counts. `--src` puts another checkout's `src` first on the
path, so an earlier commit can be timed in the same session as a baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tell_once(tickets: int, src: Path | None) -> dict[str, Any]:
    """Run the demo once on a fresh home; return its timings and what it told."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    with tempfile.TemporaryDirectory() as scratch:
        env["KEEL_HOME"] = str(Path(scratch) / ".keel")
        command = [
            sys.executable,
            "-m",
            "keel",
            "demo",
            "--no-serve",
            "--json",
            "--tickets",
            str(tickets),
        ]
        load_before = os.getloadavg()[0]
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=scratch)
        wall_s = time.perf_counter() - started
        cpu_s = _children_cpu_s() - cpu_before
    if done.returncode != 0:
        raise SystemExit(f"keel demo failed:\n{done.stderr[-2000:]}")
    story = json.loads(done.stdout)
    return {
        "wall_s": round(wall_s, 1),
        "cpu_s": round(cpu_s, 1),
        "load_1m_before": round(load_before, 2),
        "load_1m_after": round(os.getloadavg()[0], 2),
        "story_s": story.get("seconds"),
        "steps_s": story.get("timings_s"),
        "runs": story.get("runs"),
        "unstable": len(story.get("unstable", [])),
        "healed": len(story.get("healed", {})),
        "urls": len(story.get("urls", [])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--src", type=Path, default=None, help="Another checkout's src/.")
    parser.add_argument("--label", default="current")
    args = parser.parse_args()
    runs = [tell_once(args.tickets, args.src) for _ in range(args.repeat)]
    print(json.dumps({"label": args.label, "tickets": args.tickets, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
