"""Replays: perturb a run's inputs (P1/P2/P3), re-execute it, and score how the outcomes agree."""
