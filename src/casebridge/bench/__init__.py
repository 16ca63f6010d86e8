"""Benchmarks at scale: a data generator, selector budgets with query plans, an HTTP load driver.

Used by ``casebridge bench`` and by ``bench/scale.py``; nothing here runs in a deployment."""
