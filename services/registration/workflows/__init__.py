"""Registration's use cases, one function each owning its one transaction (rows + outbox + audit),
called alike by the JSON API (api/), the pages (web/), the worker (workers.py) and the seed command."""
