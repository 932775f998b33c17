"""The use cases of notifications, one function each: record an event's emails (the consumer handler,
in the idempotent consumer's transaction), erase a person, deliver what is due, compose the digests,
replay dead letters, resend, unsubscribe, save a staff profile, explain a delivery. They take
`shared.dependencies.Dependencies` and, passed explicitly, what only notifications needs (the SMTP
senders, the dead-letter sender, the delivery worker's wakeup to poke)."""
