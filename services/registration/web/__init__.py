"""Registration's server-rendered pages (jinja2, templates/ beside them): `public` for applicants and
focal points in their language (`texts`, `errors`), `sign_in` for everyone who signs in, and the staff
console in English and French (`staff_texts`, `city_texts`): `staff` (calls list, applications,
review), `call_pages` (create and edit a call), `account_pages` (staff accounts), `privacy_pages` (a
person's data export), `city_pages` (the city registry); `portal`, the city portal's /city page for a
signed-in focal point or deputy (`portal_texts`, 24 languages; the contacts form is `contacts_form`'s,
shared with the registry)."""

from services.registration.web import (
    account_pages,
    call_pages,
    city_pages,
    portal,
    privacy_pages,
    public,
    sign_in,
    staff,
)

routers = [
    public.router,
    sign_in.router,
    call_pages.router,
    account_pages.router,
    privacy_pages.router,
    staff.router,
    city_pages.router,
    portal.router,
]
"""The pages' routers, in the order the service mounts them (picked up by __main__.py)."""
