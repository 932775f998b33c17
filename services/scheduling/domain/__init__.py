"""Scheduling rules, pure: no I/O; clock and new ids are passed in.

- `cities`: scheduling's projection of the programme's cities (from registration's events);
- `places`: capacity, per-city quotas, the waitlist and fair promotion;
- `conflicts`: overlapping activities of one person, overlapping sessions in one room;
- `activities`: validating activities and sessions, the reminder plan;
- `invitations`: the event payloads (activity, invitation, UID, SEQUENCE, signed decline link).
"""
