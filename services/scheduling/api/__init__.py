"""HTTP API of scheduling (JSON): handlers validate, call one workflow, answer; the workflows'
refusals are answered by `access.answer_refusals`."""

from services.scheduling.api import access, activities, cities, nominations, report, subject_access

routers = [cities.router, activities.router, nominations.router, report.router, subject_access.router]
answer_refusals = access.answer_refusals
