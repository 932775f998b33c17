"""Registration's use cases: one transaction each (rows + outbox + audit), shared by api.py and web.py."""
