"""Load benchmarks of Chirp on a throwaway PostgreSQL: ``make bench`` (``python -m bench.run``).

They print figures and write ``bench/results/<date>-<size>.json``; they are not tests.
"""
