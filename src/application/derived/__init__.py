"""Derived work: what workers do after a write commits (feeds, counts, ...), one handler
per kind of job. Every handler is idempotent: a job may be delivered more than once."""
