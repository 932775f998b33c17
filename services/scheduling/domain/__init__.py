"""Scheduling's state and rules, pure: no I/O; the clock and new ids are passed in.

- `activities`: an activity and its timetable (sessions), what a valid one is and how one changes;
- `nominations`: a nomination, and the rules of nominating, withdrawing, promoting and attendance;
- `places`: capacity, per-city quotas, the waitlist and fair promotion;
- `conflicts`: overlapping activities of one person, overlapping sessions in one room;
- `reminders`: when a participant's reminders fall due;
- `cities`: scheduling's projection of the programme's cities (from registration's events), who acts for one;
- `links`: the public links and the signed tokens in them;
- `messages`: the wire contracts (activity, invitation, event payloads) built from the above;
- `programme`: the real calendar of the programme, as seed data;
- `report`: the programme report's lines.
"""
