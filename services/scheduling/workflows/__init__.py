"""Scheduling's use cases, one transaction each (rows + outbox).

Shared by api/, consumers.py, seed.py and the reminder worker.
"""
