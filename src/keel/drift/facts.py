"""What drift reads of stored runs: their facts, through their workflow's output contract.

A population is one workflow, so one contract says which output field is the decision whose
mix is compared, which is the answer whose embeddings are, and which input names the item that
regression checks compare run by run. It is the registered contract, else the one the
workflow's newest runs declared, else the one their outputs suggest (`contract_for`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from keel.core.records import DECLARED_CONTRACT_KEY
from keel.evaluate.contract import OutputContract, contract_for
from keel.store.drift import (
    DriftFacts,
    PopulationFilter,
    population_facts,
    recent_declarations,
    run_facts,
)
from keel.store.models import Run

#: How many of a workflow's newest runs its contract is read (or inferred) from.
CONTRACT_SAMPLE_RUNS = 20


def workflow_contract(session: Session, workflow_type: str) -> OutputContract:
    """Return the output contract drift reads `workflow_type`'s runs by (module docstring)."""
    recent = recent_declarations(session, workflow_type, CONTRACT_SAMPLE_RUNS)
    declared = next((d for d, _ in recent if isinstance(d, Mapping)), None)
    inputs = {DECLARED_CONTRACT_KEY: declared} if declared is not None else None
    return contract_for(workflow_type, inputs, [output for _, output in recent])


def workflow_facts(
    session: Session, filters: PopulationFilter, contract: OutputContract | None = None
) -> list[DriftFacts]:
    """Return the facts of the runs matching `filters`, read by their workflow's contract."""
    contract = contract or workflow_contract(session, filters.workflow_type)
    return population_facts(session, filters, contract)


def facts_of_run(session: Session, run_id: str) -> DriftFacts | None:
    """Return the facts of run `run_id`, read by its workflow's contract (None: no such run)."""
    run = session.get(Run, run_id)
    if run is None:
        return None
    return run_facts(session, run_id, workflow_contract(session, run.workflow_type))
