"""Pages of scheduling (jinja2, no JavaScript), each module a router with its templates in `templates/`.

Today only the participant's decline page; the next issue adds the city portal and the participant
page here.
"""

from services.scheduling.web import decline

routers = [decline.router]
