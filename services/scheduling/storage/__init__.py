"""All SQL of the scheduling service, one module per table group; nothing else touches the database."""
