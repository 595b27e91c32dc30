"""Prefect flows: thin orchestration over :mod:`actions.services`.

Each flow is a few coarse tasks (a task costs ~10 ms: 100,000 actions must never mean 100,000
tasks), names its runs after the as-of date, and publishes artifacts ops can read in the UI.
"""
