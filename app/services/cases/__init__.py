"""Cases, one module per job: filing, access, queries, queue views, transitions, overdue policy.

Every function receives the request's `Session` and never commits (see app/db.py).
"""
