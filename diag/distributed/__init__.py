"""Distributed sweeps: the single-machine sweep's work spread over Celery workers, one queue per
region, with Redis as the broker and for what regions share, and the history store (PostgreSQL)
for exactly-once results.  See docs/noc.md.

Nothing here is imported by `diag --help`: Celery and redis load when a distributed command runs.
"""
