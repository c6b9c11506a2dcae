"""Throwaway PostgreSQL and Redis servers for the tests and the benchmark."""
