"""Local infrastructure without Docker, for tests and `make run`: Kafka, PostgreSQL, an SMTP sink, a mailbox."""
