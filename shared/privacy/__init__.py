"""Personal data in events: sealed per person on the way to Kafka, opened by consumers, destroyed
with the person's key on erasure ("crypto-shredding"). `sealing` is the pure part (which fields, the
cipher); `keyring` keeps the keys in the shared key store (shared.storage.person_keys)."""
