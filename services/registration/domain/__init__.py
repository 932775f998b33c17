"""Registration rules, pure: no I/O; clocks, new ids and links are passed in by the caller.

Modules: `reference` (languages, countries), `calls`, `applications` (the form, edit windows),
`review` (the state machine and staged decisions), `scoring`, `cities` (sign-ups, contacts),
`retention` (what GDPR erasure is due), `messages` (the event payloads these rules produce).
"""
