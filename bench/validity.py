"""Does the stability score predict reliability? (issues 5 and 14; docs/metrics.md)

    python bench/validity.py [--model SPEC] [--tickets FILE.jsonl [--kb DIR]]
        [--tickets-limit 100] [--reruns 16] [--samples 2] [--temperature 0.7]
        [--max-revisions 2] [--rows FILE.jsonl [--resume]] [--diagram FILE.svg] [--stop-after-s S]
        [--json]
    python bench/validity.py --from-rows FILE.jsonl [--json]     # analyse, run nothing

For each ticket: run the support agent once on `--model` (any keel model spec; the offline
simulator by default), score the run from one replay budget (base + seed-only + P1/P2/P3,
`--samples` each: R = 1 + 4 x samples), and again from a second, independent budget (test-retest).
Then rerun the ticket unperturbed R times (the *ceiling* set) and `--reruns` times more (the
*reference*): a ticket's agreement rate is the share of reference reruns matching their modal
(category, needs_human_review) decision; it "flips" when that decision ever changes. The ceiling
set's own agreement rate is the best a score seeing R draws could hope to do (the noise ceiling).

Tickets: the world's (every (412 / limit)-th, so ambiguous and clear ones come in their world
proportions), or `--tickets FILE`, JSON lines with `ticket_text` (or `text`), optional
`ticket_id`, `customer_id`, `ambiguous`; `--kb DIR` replaces the knowledge base with the
documents in DIR (any folder `keel kb load` takes). Every seed derives from the ticket's inputs,
so a command reproduces its figures. Prints a Markdown report, or JSON with `--json`; statistics
in keel.evaluate.calibration. Transforms and thresholds are fitted on the tickets whose id's
SHA-256 starts with an even byte (`fit_half`) and reported on the others. `--rows` writes each
ticket's measurements as they finish, so a long study can be cut short and analysed with
`--from-rows`; `--stop-after-s` starts no new ticket after that many seconds; `--resume` keeps
the tickets a `--rows` file already holds (same model, settings and budget sizes, or it stops)
and measures the rest, so a study longer than one sitting adds up.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from reliability_svg import reliability_svg  # a sibling script: bench/ is on sys.path

from keel.core.records import RunStatus
from keel.core.settings import Settings
from keel.evaluate.calibration import (
    agreement_rate,
    auroc,
    brier_score,
    expected_calibration_error,
    fit_half,
    icc3,
    isotonic_fit,
    reliability_bins,
    spearman,
    task_bootstrap,
    threshold_rows,
)
from keel.evaluate.generation import BASE, Generation
from keel.evaluate.stability import DEFAULT_WEIGHTS, Components, combine, trajectory_agreement
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.reference.agents.support import SupportInputs
from keel.reference.agents.support.replay_target import SupportTarget
from keel.reference.agents.trace import store_run
from keel.reference.world import ensure_world
from keel.reference.world.documents import read_documents
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.generations import generation_of
from keel.replay.plan import Perturbation, derive_seed
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.replays import replay_set_detail
from keel.store.runs import run_detail

KINDS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
#: predictor -> row key; `rate` says whether it reads directly as a predicted agreement rate
PREDICTORS: dict[str, tuple[str, bool]] = {
    "stability": ("score_a", True),
    "semantic": ("semantic", True),
    "structural": ("structural", True),
    "trajectory": ("trajectory", True),
    "mean_cosine": ("mean_cosine", True),
    "stability_unconstrained": ("stability_unconstrained", True),
    "stability_names_unconstrained": ("stability_names_unconstrained", True),
    "answer_length": ("answer_length", False),
    "ceiling": ("agreement_ceiling", True),
}
THRESHOLDS = (50.0, 60.0, 70.0, 80.0, 90.0)


def ticket_seed(inputs: SupportInputs, model: str) -> int:
    """Return the base run's seed, derived from the ticket's text and id and the model."""
    digest = hashlib.sha256(f"{model}\n{inputs.ticket_id}\n{inputs.ticket_text}".encode())
    return int.from_bytes(digest.digest()[:4], "big") & 0x7FFFFFFF


def budget_generations(
    database: Database, target: SupportTarget, base_run_id: str, set_id: str
) -> list[Generation]:
    """Return the generations replay set `set_id` was scored from: its base, then each replay."""
    with database.read() as session:
        base = run_detail(session, base_run_id)
        found = replay_set_detail(session, set_id)
        assert base is not None and found is not None
        replays = [
            (r.perturbation_type, run_detail(session, r.replay_run_id or "")) for r in found.replays
        ]
    generations = [generation_of(base, BASE, target.observed_output(base))]
    return generations + [generation_of(d, label) for label, d in replays if d is not None]


def trajectory_variants(generations: list[Generation], parts: Components) -> dict[str, Any]:
    """Return S_traj without the tool-constrained (P3) replays, on tool names alone (P1's
    paraphrase changes the search query, so its args), and both; and the score recomputed with
    each in place of S_traj (same weights). Experiments, not the product's formula."""
    full = trajectory_agreement(generations)
    assert full is None or math.isclose(full, parts.trajectory or 0.0), "not the scored budget"
    names = [
        dataclasses.replace(
            g, tool_calls=tuple(dataclasses.replace(c, args_digest="") for c in g.tool_calls)
        )
        for g in generations
    ]
    variants = {
        "unconstrained": [g for g in generations if g.perturbation != Perturbation.P3],
        "names": names,
        "names_unconstrained": [g for g in names if g.perturbation != Perturbation.P3],
    }
    others = {"semantic": parts.semantic, "structural": parts.structural}
    row: dict[str, Any] = {}
    for variant, subset in variants.items():
        row[f"trajectory_{variant}"] = trajectory = trajectory_agreement(subset)
        row[f"stability_{variant}"] = combine({**others, "trajectory": trajectory}, DEFAULT_WEIGHTS)
    return row


def decisions_of(
    target: SupportTarget, inputs: SupportInputs, count: int, label: str
) -> list[list[Any]]:
    """Return `count` unperturbed reruns' (category, needs_human_review), seeds from inputs."""
    decisions = []
    for rerun in range(count):
        seed = derive_seed(inputs.seed, label, rerun)
        output = target.runner.run(inputs.model_copy(update={"seed": seed})).output or {}
        decisions.append([output.get("category"), output.get("needs_human_review")])
    return decisions


def measure(
    target: SupportTarget, database: Database, inputs: SupportInputs, args: Any
) -> dict[str, Any]:
    """Return one ticket's two scores, components, answer length, agreements and flip."""
    started = time.perf_counter()
    base = target.runner.run(inputs)
    if base.status == RunStatus.FAILED:
        # An unreachable or broken model fails every run alike; scored, its identical failures
        # would read as perfect agreement. Stop, keep what was measured, write nothing for it.
        raise SystemExit(f"{inputs.ticket_id}: the base run FAILED ({base.error}); no row written")
    store_run(database, base)
    row: dict[str, Any] = {"ticket_id": inputs.ticket_id, "base_status": str(base.status)}
    for budget, seed in (("a", 1), ("b", 2)):
        set_id = start_replay_set(database, base.run_id, KINDS, args.samples, seed, [target])
        result = run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER)).result
        row[f"score_{budget}"] = result.score
        if budget == "a":
            parts = result.components
            row.update(
                semantic=parts.semantic,
                structural=parts.structural,
                trajectory=parts.trajectory,
                mean_cosine=parts.mean_cosine,
                failed_a=result.failed,
                fields={f.field: f.agreement for f in result.fields},
            )
            generations = budget_generations(database, target, base.run_id, set_id)
            row.update(trajectory_variants(generations, parts))
    ceiling = decisions_of(target, inputs, 1 + 4 * args.samples, "ceiling")
    reference = decisions_of(target, inputs, args.reruns, "reference")
    if all(category is None for category, _ in [*ceiling, *reference]):
        raise SystemExit(f"{inputs.ticket_id}: every rerun failed; no row written")
    row.update(
        agreement=agreement_rate([tuple(d) for d in reference]),
        flip=len({tuple(d) for d in reference}) > 1,
        agreement_ceiling=agreement_rate([tuple(d) for d in ceiling]),
        decisions_ceiling=ceiling,
        decisions_reference=reference,
        answer_length=len((base.output or {}).get("answer", "")),
        runs=1 + 2 * 4 * args.samples + len(ceiling) + len(reference),
        seconds=round(time.perf_counter() - started, 2),
    )
    return row


def interval(value: tuple[float, float] | None) -> list[float] | None:
    return None if value is None else [round(value[0], 3), round(value[1], 3)]


def figure(value: float) -> float | None:
    """Return `value` rounded for the JSON, None when undefined (a constant predictor's rho)."""
    return round(value, 3) if math.isfinite(value) else None


def as_rate(values: np.ndarray, key: str) -> np.ndarray:
    """Return a [0, 1] predictor as a predicted agreement rate (the score is on 0-100)."""
    return values / 100.0 if key.startswith(("score", "stability")) else values


def calibration(
    values: np.ndarray, agreement: np.ndarray, fit: np.ndarray, rate: bool, key: str
) -> dict[str, Any]:
    """Return ECE and Brier of the predictor read as a rate (all tickets and the report half),
    and of an isotonic transform fitted on the fit half, on the report half."""
    test = ~fit
    out: dict[str, Any] = {}
    if rate:
        predicted = as_rate(values, key)
        out["raw"] = {
            "ece": figure(expected_calibration_error(predicted, agreement)),
            "brier": figure(brier_score(predicted, agreement)),
            "ece_ci95": interval(task_bootstrap(expected_calibration_error, predicted, agreement)),
            "report_half_ece": figure(expected_calibration_error(predicted[test], agreement[test])),
        }
    if fit.sum() >= 2 and test.sum() >= 1:
        transform = isotonic_fit(values[fit], agreement[fit])
        predicted = transform(values[test])
        out["isotonic_report_half"] = {
            "ece": figure(expected_calibration_error(predicted, agreement[test])),
            "brier": figure(brier_score(predicted, agreement[test])),
            "ece_ci95": interval(
                task_bootstrap(expected_calibration_error, predicted, agreement[test])
            ),
        }
    return out


def predictor_figures(
    values: np.ndarray, agreement: np.ndarray, flips: np.ndarray, fit: np.ndarray
) -> dict[str, Any]:
    """Return rho and flip AUROC with task-bootstrap intervals, and rho on each half."""

    def flip_auroc(score: np.ndarray, flipped: np.ndarray) -> float:
        return auroc(-score, flipped)

    return {
        "spearman_rho": figure(spearman(values, agreement)),
        "rho_ci95": interval(task_bootstrap(spearman, values, agreement)),
        "auroc_flip": figure(flip_auroc(values, flips)),
        "auroc_ci95": interval(task_bootstrap(flip_auroc, values, flips)),
        "rho_fit_half": figure(spearman(values[fit], agreement[fit])),
        "rho_report_half": figure(spearman(values[~fit], agreement[~fit])),
    }


def share_of_ceiling(
    score: np.ndarray, ceiling: np.ndarray, agreement: np.ndarray
) -> dict[str, Any]:
    """Return the score's rho as a share of the ceiling's rho, with a paired task bootstrap."""

    def share(s: np.ndarray, c: np.ndarray, a: np.ndarray) -> float:
        top = spearman(c, a)
        return spearman(s, a) / top if top > 0 else float("nan")

    return {
        "share": figure(share(score, ceiling, agreement)),
        "ci95": interval(task_bootstrap(share, score, ceiling, agreement)),
    }


def analyse(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the correlation, discrimination, ceiling, calibration and reliability figures."""
    agreement = np.array([r["agreement"] for r in rows])
    flips = np.array([r["flip"] for r in rows])
    fit = np.array([fit_half(str(r["ticket_id"])) for r in rows])
    result: dict[str, Any] = {"predictors": {}}
    for name, (key, rate) in PREDICTORS.items():
        values = np.array([np.nan if r.get(key) is None else float(r[key]) for r in rows])
        keep = np.isfinite(values)
        if not keep.any():  # a --rows file written before this predictor existed
            continue
        x, y, f, h = values[keep], agreement[keep], flips[keep], fit[keep]
        result["predictors"][name] = {
            "tickets": int(keep.sum()),
            **predictor_figures(x, y, f, h),
            "calibration": calibration(x, y, h, rate, key),
        }
    score = np.array([r["score_a"] for r in rows])
    ceiling = np.array([r["agreement_ceiling"] for r in rows])
    result["score_share_of_ceiling_rho"] = share_of_ceiling(score, ceiling, agreement)
    b = np.array([r["score_b"] for r in rows])
    result["test_retest_icc"] = {
        "icc3_1": figure(icc3(score, b)),
        "ci95": interval(task_bootstrap(icc3, score, b)),
    }
    result["reliability_bins"] = {
        "raw_score": [dataclasses.asdict(x) for x in reliability_bins(score / 100.0, agreement)],
        "isotonic_report_half": [
            dataclasses.asdict(x)
            for x in reliability_bins(
                isotonic_fit(score[fit], agreement[fit])(score[~fit]), agreement[~fit]
            )
        ]
        if fit.sum() >= 2 and (~fit).sum() >= 1
        else [],
    }
    result["thresholds_report_half"] = [
        dataclasses.asdict(t) for t in threshold_rows(score[~fit], flips[~fit], THRESHOLDS)
    ]
    return result


def summary(rows: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """Return the study's JSON: sizes, flip and instability shares per group, and `analyse`."""
    groups = {
        "ambiguous": [r for r in rows if r.get("ambiguous")],
        "clear": [r for r in rows if not r.get("ambiguous")],
    }
    fit = [fit_half(str(r["ticket_id"])) for r in rows]
    return {
        **meta,
        "tickets": len(rows),
        "fit_half_tickets": sum(fit),
        "report_half_tickets": len(rows) - sum(fit),
        "runs": sum(r.get("runs", 0) for r in rows),
        "seconds_per_run": round(
            sum(r.get("seconds", 0.0) for r in rows) / max(1, sum(r.get("runs", 0) for r in rows)),
            3,
        ),
        "flip_share": figure(float(np.mean([r["flip"] for r in rows]))),
        "mean_stability": round(float(np.mean([r["score_a"] for r in rows])), 2),
        "mean_agreement": figure(float(np.mean([r["agreement"] for r in rows]))),
        "by_group": {
            name: {
                "tickets": len(group),
                "flip_share": figure(float(np.mean([r["flip"] for r in group]))),
                "mean_stability": round(float(np.mean([r["score_a"] for r in group])), 2),
                "unstable_share": figure(float(np.mean([r["score_a"] < 70 for r in group]))),
            }
            for name, group in groups.items()
            if group
        },
        **analyse(rows),
    }


def read_tickets(path: Path) -> list[dict[str, Any]]:
    """Return the tickets of a JSON-lines file (ticket_text or text; ids default to the line)."""
    tickets = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = row.get("ticket_text") or row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise SystemExit(f"{path}:{number}: no ticket_text")
        tickets.append(
            {
                "ticket_text": text,
                "ticket_id": str(row.get("ticket_id") or f"line-{number}"),
                "customer_id": row.get("customer_id"),
                "ambiguous": bool(row.get("ambiguous")),
            }
        )
    return tickets


def chosen_tickets(home: Path, args: Any) -> list[dict[str, Any]]:
    """Return the tickets to study: the file's first --tickets-limit, or every n-th world one."""
    world = ensure_world(home)
    if args.kb:
        world.knowledge.upsert(read_documents(args.kb), replace=True)
    if args.tickets:
        return read_tickets(args.tickets)[: args.tickets_limit]
    tickets = world.tickets()
    step = max(1, len(tickets) // args.tickets_limit)
    return [
        {
            "ticket_text": t.text,
            "ticket_id": t.ticket_id,
            "customer_id": t.customer_id,
            "ambiguous": bool(t.ambiguous_between),
        }
        for t in tickets[::step][: args.tickets_limit]
    ]


def design(args: Any) -> dict[str, Any]:
    """Return what makes two rows comparable: the model, its settings and the budget sizes."""
    return {
        "model": args.model,
        "temperature": args.temperature,
        "max_revisions": args.max_revisions,
        "source": args.source,
        "replays_per_budget": 4 * args.samples,
        "reruns": args.reruns,
    }


def resumed_rows(args: Any) -> list[dict[str, Any]]:
    """Return the rows an earlier `--rows` run of the same design measured (`--resume`)."""
    if not (args.resume and args.rows and args.rows.exists()):
        return []
    rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
    wanted = design(args)
    for row in rows:
        found = {
            **{key: row.get(key) for key in ("model", "temperature", "max_revisions", "source")},
            "replays_per_budget": len(row["decisions_ceiling"]) - 1,
            "reruns": len(row["decisions_reference"]),
        }
        if found != wanted:
            raise SystemExit(f"{args.rows}: {row['ticket_id']} measured as {found}, not {wanted}")
    return rows


def measure_all(
    target: SupportTarget, database: Database, chosen: list[dict[str, Any]], args: Any
) -> list[dict[str, Any]]:
    """Return every measured ticket's row, appending each to --rows as it finishes; with
    --resume, the tickets the rows file already holds are kept and not measured again."""
    started = time.perf_counter()
    rows = resumed_rows(args)
    done = {row["ticket_id"] for row in rows}
    mode = "a" if rows else "w"
    with open(args.rows, mode) if args.rows else contextlib.nullcontext() as sink:
        for index, ticket in enumerate(chosen, 1):
            if ticket["ticket_id"] in done:
                continue
            if args.stop_after_s and time.perf_counter() - started > args.stop_after_s:
                print(f"stopped after {index - 1} tickets (--stop-after-s)", file=sys.stderr)
                break
            inputs = SupportInputs(
                ticket_text=ticket["ticket_text"],
                ticket_id=ticket["ticket_id"],
                customer_id=ticket["customer_id"],
                model=args.model,
                temperature=args.temperature,
                max_revisions=args.max_revisions,
            )
            inputs = inputs.model_copy(update={"seed": ticket_seed(inputs, args.model)})
            row = {
                **measure(target, database, inputs, args),
                "ambiguous": ticket["ambiguous"],
                "model": args.model,
                "temperature": args.temperature,
                "max_revisions": args.max_revisions,
                "source": args.source,
            }
            rows.append(row)
            if sink is not None:
                sink.write(json.dumps(row) + "\n")
                sink.flush()
            elapsed = time.perf_counter() - started
            print(f"{index}/{len(chosen)} {ticket['ticket_id']} {elapsed:.0f}s", file=sys.stderr)
    return rows


def _ci(value: list[float] | None) -> str:
    return "—" if value is None else f"[{value[0]:.2f}, {value[1]:.2f}]"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown(result: dict[str, Any]) -> str:
    """Return the study's tables in Markdown (what docs/metrics.md shows)."""
    lines = [
        f"model `{result.get('model')}`, {result['tickets']} tickets "
        f"({result['fit_half_tickets']} fit / {result['report_half_tickets']} report half), "
        f"R = {result['replays_per_budget'] + 1}, reference reruns {result['reruns']}, "
        f"{result['runs']} runs, {result.get('seconds', '?')} s",
        "",
        "| predictor | ρ vs agreement [95% CI] | flip AUROC [95% CI] | ρ fit / report half "
        "| ECE raw | Brier raw | ECE isotonic (report half) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, p in result["predictors"].items():
        cal = p["calibration"]
        raw, iso = cal.get("raw", {}), cal.get("isotonic_report_half", {})
        lines.append(
            f"| {name} | {_num(p['spearman_rho'])} {_ci(p['rho_ci95'])} "
            f"| {_num(p['auroc_flip'])} {_ci(p['auroc_ci95'])} "
            f"| {_num(p['rho_fit_half'])} / {_num(p['rho_report_half'])} "
            f"| {_num(raw.get('ece'), 3)} | {_num(raw.get('brier'), 3)} "
            f"| {_num(iso.get('ece'), 3)} |"
        )
    share, icc = result["score_share_of_ceiling_rho"], result["test_retest_icc"]
    lines += [
        "",
        f"score ρ / ceiling ρ: {_num(share['share'])} {_ci(share['ci95'])}; "
        f"test–retest ICC(3,1): {_num(icc['icc3_1'])} {_ci(icc['ci95'])}; "
        f"flip share {result['flip_share']}, mean agreement {result['mean_agreement']}",
        "",
        "| score bin | tickets | mean predicted | mean observed agreement |",
        "|---|---|---|---|",
    ]
    for b in result["reliability_bins"]["raw_score"]:
        if b["count"]:
            lines.append(
                f"| {100 * b['low']:.0f}–{100 * b['high']:.0f} | {b['count']} "
                f"| {b['predicted']:.3f} | {b['observed']:.3f} |"
            )
    lines += [
        "",
        "| UNSTABLE below | flagged | flip precision | flip recall |",
        "|---|---|---|---|",
    ]
    for t in result["thresholds_report_half"]:
        lines.append(
            f"| {t['threshold']:.0f} | {t['flagged']} of {t['tickets']} "
            f"| {_num(t['precision'])} | {_num(t['recall'])} |"
        )
    return "\n".join(lines)


def run_study(args: Any) -> list[dict[str, Any]]:
    """Measure the chosen tickets in a scratch home and database; return their rows."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(home=Path(scratch), database_url=f"sqlite:///{scratch}/v.db")
        upgrade(settings.resolved_database_url())
        database = Database(settings.resolved_database_url())
        chosen = chosen_tickets(settings.home, args)
        target = SupportTarget(database, settings)
        try:
            return measure_all(target, database, chosen, args)
        finally:
            target.close()
            database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="offline:grounded-sampler", help="a keel model spec")
    parser.add_argument("--tickets", type=Path, help="JSON lines of tickets (default: the world)")
    parser.add_argument("--kb", type=Path, help="a folder of documents replacing the world's KB")
    parser.add_argument("--tickets-limit", type=int, default=100)
    parser.add_argument("--reruns", type=int, default=16, help="reference reruns per ticket")
    parser.add_argument("--samples", type=int, default=2, help="replays per kind (R = 1 + 4 x)")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument(
        "--max-revisions", type=int, default=2, help="the agent's critic revisions (2)"
    )
    parser.add_argument("--rows", type=Path, help="write per-ticket rows to this JSONL file")
    parser.add_argument(
        "--resume", action="store_true", help="keep the --rows file's tickets, measure the rest"
    )
    parser.add_argument("--from-rows", type=Path, help="analyse a --rows file, run nothing")
    parser.add_argument("--diagram", type=Path, help="write the reliability diagram (SVG)")
    parser.add_argument("--stop-after-s", type=float, default=0.0, help="start no ticket after")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args()
    args.source = str(args.tickets) if args.tickets else "world"
    if args.kb:
        args.source += f" + kb {args.kb}"
    started = time.perf_counter()
    if args.from_rows:
        rows = [json.loads(line) for line in args.from_rows.read_text().splitlines() if line]
    else:
        rows = run_study(args)
    first = rows[0]
    meta = {
        "model": first.get("model", args.model),
        "source": first.get("source", "world"),
        "temperature": first.get("temperature", args.temperature),
        "max_revisions": first.get("max_revisions", args.max_revisions),
        "replays_per_budget": len(first["decisions_ceiling"]) - 1,
        "reruns": len(first["decisions_reference"]),
    }
    result = summary(rows, meta)
    if not args.from_rows:
        result["seconds"] = round(time.perf_counter() - started, 1)
    if args.diagram:
        args.diagram.write_text(reliability_svg(result["reliability_bins"], result["model"]))
    print(json.dumps(result, indent=2) if args.json else markdown(result))


if __name__ == "__main__":
    main()
