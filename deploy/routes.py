"""The public route table: which service answers which path behind the one public entry.

One definition for the two entries we ship, the Caddy of docker-compose.yml (deploy/Caddyfile) and the
Kubernetes Ingress (deploy/kubernetes/ingress.yaml); tests/test_deploy.py checks that both route every
path of every service's app to the service that serves it, and the same way as this table.

Matching is the Ingress's: an `exact` route matches its path only, a prefix route its path and
everything under it (`/participants` covers `/participants/{token}/calendar.ics`, not
`/participants-x`); the longest route that matches wins; no match goes to DEFAULT. The Caddyfile
writes the same as `path /p /p/*` matchers, tried longest first.

Paths every service has (/health/*, /metrics, /docs, /openapi.json, /asyncapi, /assets/pactesur.css,
/api/v1/staff/subject-access) go to DEFAULT through the entry; the services reach each other's (the
subject access export) on their internal addresses, and monitoring scrapes each replica directly
(/metrics answers 404 to what the entry forwards: shared/web/metrics.py).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT = "registration"
"""The applicant form, the calls and applications, sign-in, the city portal's home and sign-up, the
staff console's review and people pages, and whatever is not listed below."""


@dataclass(frozen=True)
class Route:
    path: str
    service: str
    exact: bool = False

    def matches(self, path: str) -> bool:
        if self.exact:
            return path == self.path
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


ROUTES: tuple[Route, ...] = (
    # scheduling: the programme (city portal and staff console), the participants' page, the report
    Route("/city/programme", "scheduling"),
    Route("/city/nominations", "scheduling"),
    Route("/participants", "scheduling"),
    Route("/staff/programme", "scheduling"),
    Route("/staff/report", "scheduling"),
    Route("/staff/report.csv", "scheduling", exact=True),
    Route("/api/v1/activities", "scheduling"),
    Route("/api/v1/cities", "scheduling"),
    Route("/api/v1/members", "scheduling"),
    Route("/api/v1/nominations", "scheduling"),
    Route("/api/v1/programme.ics", "scheduling", exact=True),
    Route("/api/v1/report", "scheduling"),
    Route("/api/v1/report.csv", "scheduling", exact=True),
    # registration under a prefix of scheduling's: a city's sign-up link
    Route("/api/v1/cities/signup", "registration"),
    # notifications: the unsubscribe links in emails, the staff mail console, the bounce webhook
    Route("/unsubscribe", "notifications"),
    Route("/staff/mail", "notifications"),
    Route("/staff/profile", "notifications"),
    Route("/api/v1/bounces", "notifications"),
    Route("/api/v1/dead-letters", "notifications"),
    Route("/api/v1/deliveries", "notifications"),
    Route("/api/v1/explain", "notifications"),
    Route("/api/v1/staff-profiles", "notifications"),
    Route("/api/v1/templates", "notifications"),
)


def route_of(path: str, routes: tuple[Route, ...] = ROUTES, default: str = DEFAULT) -> str:
    """The service that answers `path` at the public entry (longest match, exact before prefix)."""
    matching = [route for route in routes if route.matches(path)]
    if not matching:
        return default
    return max(matching, key=lambda route: (len(route.path), route.exact)).service
