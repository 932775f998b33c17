"""Registration rules, pure: no I/O; clocks, new ids and links are passed in by the caller.

Modules: `reference` (languages, countries), `calls`, `applications` (the form, edit windows),
`fields` (how the form shows its fields, declared once in `applications.ApplicationForm`),
`review` (the state machine and staged decisions), `scoring`, `cities` (sign-ups, contacts),
`retention` (what GDPR erasure is due), `messages` (the event payloads these rules produce),
`links` (the signed links handed out), `export` (the CSV of a call), `programme` (the real call
and consortium, as seed data).
"""
