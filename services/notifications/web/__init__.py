"""Pages of notifications (jinja2, no JavaScript), each module a router with its templates in `templates/`.

For recipients: the unsubscribe page. For staff (English and French, web/staff_texts.py): the mail
pages (admins) and every staff member's profile.
"""

from services.notifications.web import mail, profile, unsubscribe

routers = [unsubscribe.router, mail.router, profile.router]
