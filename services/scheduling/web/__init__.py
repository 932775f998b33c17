"""Pages of scheduling (jinja2, no JavaScript), each module a router with its templates in `templates/`.

- decline: the participant's decline page, reached from the signed link in their invitation (on the
  layout, in their language: the participant page's words, templates/participant/invitation_decline.html);
- staff_programme, staff_report: the staff console's programme and report (templates/staff/, words in
  staff_texts, forms read by staff_forms into the JSON API's bodies).

- participant: the participant page (signed link in every invitation email), their calendar feed and
  declining a place (templates/participant/, words in participant_texts, every EU language).

- portal: the city portal's programme for a city's focal point or deputy (templates/portal/, words in
  portal_texts, every EU language).
"""

from services.scheduling.web import decline, participant, portal, staff_programme, staff_report

routers = [decline.router, participant.router, portal.router, staff_programme.router, staff_report.router]
