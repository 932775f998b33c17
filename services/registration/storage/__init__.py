"""All SQL of the registration service (asyncpg, plain SQL), one module per aggregate."""
