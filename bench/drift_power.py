"""False-alarm rate and detection power of `keel drift check` on synthetic populations.

Usage: python bench/drift_power.py [--trials 200] [--runs 120]
Prints JSON: the A/A false-alarm rate, and per shift kind and size the share of trials whose
report reaches ALERT (any indicator) and the share where the shifted aspect's own indicator does.
"""

from __future__ import annotations

import argparse
import json
import time

from keel.drift.indicators import Verdict
from keel.drift.report import compare
from keel.drift.simulation import Shift, population

OWN_INDICATOR = {
    "category_mix": "category_mix",
    "tool_path": "tool_paths",
    "stability": "stability",
    "answer_content": "answer_embeddings",
}
SIZES = (0.1, 0.25, 0.5, 0.75, 1.0)


def _rates(kind: str, size: float, trials: int, runs: int) -> dict[str, float]:
    alert = own = 0
    for trial in range(trials):
        base = population(runs, seed=10_000 + 2 * trial)
        window = population(runs, seed=10_001 + 2 * trial, shift=Shift(kind, size))
        report = compare(base, window)
        alert += report.verdict == Verdict.ALERT
        wanted = OWN_INDICATOR.get(kind)
        own += any(i.name == wanted and i.verdict == Verdict.ALERT for i in report.indicators)
    return {"alert_rate": alert / trials, "own_indicator_alert_rate": own / trials}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--runs", type=int, default=120, help="runs per population")
    args = parser.parse_args()
    started = time.perf_counter()
    result: dict[str, object] = {
        "runs_per_population": args.runs,
        "trials": args.trials,
        "false_alarm_rate": _rates("none", 0.0, args.trials, args.runs)["alert_rate"],
        "detection": {
            kind: {str(size): _rates(kind, size, args.trials // 2, args.runs) for size in SIZES}
            for kind in OWN_INDICATOR
        },
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
