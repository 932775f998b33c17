"""HTTP API of scheduling: handlers validate, call the domain in one transaction, commit, answer."""

from services.scheduling.api import activities, cities, nominations, report

routers = [cities.router, activities.router, nominations.router, report.router]
