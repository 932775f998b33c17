"""Scheduling's use cases: one function each, taking `Dependencies`, owning its one transaction
(rows + outbox); a consumer's handler adds its rows to the transaction of the event it handles.

- `planning`: the programme (activities and their timetable);
- `nominating`: nominations, the waitlist, attendance;
- `cities`: the city projections from registration's events, erasure;
- `reminding`: due reminders published; `seeding`: the real programme; `reporting`: the report.
"""
