"""All SQL of notifications (asyncpg): the delivery log (`deliveries`), recipients' choices
(`preferences`), erasure of a person (`erasure`) and the consumer's ledger as explanations read it
(`ledger`). Rows in, domain objects out."""
