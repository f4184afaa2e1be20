"""Secret, replayable randomness.

A plan's seed comes from :mod:`secrets`, so someone who knows the code and the history
cannot reproduce it; the seed is kept in the plan's audit record, so its owner can.
"""

from __future__ import annotations

import secrets

import numpy as np

SEED_BITS = 63


def new_secret_seed() -> int:
    """A fresh seed from the operating system's secret source."""
    return secrets.randbits(SEED_BITS)


def team_generators(seed: int, teams: list[str]) -> dict[str, np.random.Generator]:
    """One independent generator per team, fixed by the seed and the team's position in
    sorted order, so serial and parallel runs draw exactly the same numbers."""
    children = np.random.SeedSequence(seed).spawn(len(teams))
    return {t: np.random.default_rng(c) for t, c in zip(sorted(teams), children, strict=True)}


def draw_generators(seed: int) -> tuple[np.random.Generator, int]:
    """The due-selection generator (visit dates and times, drawn in register order) and
    the seed for the teams' generators: independent streams from one secret seed."""
    due, teams = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(due), int(teams.generate_state(1, np.uint64)[0] >> 1)
