"""Notifications: every routed event becomes emails in the recipient's language, sent exactly once in effect.

`domain/` decides (routes, delivery states, retries, digest, explanations), `storage/` holds the SQL,
`workflows/` are the use cases, `mail/` is the outgoing-mail adapter (templates, rendering, MIME, SMTP),
`api/` and `web/` answer HTTP, `consumers.py` and `workers.py` are the Kafka and background entry points.
"""
