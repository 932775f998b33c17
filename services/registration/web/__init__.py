"""Registration's server-rendered pages (jinja2, templates/ beside them): `public` for applicants and
focal points in their language (`texts`, `errors`), `sign_in` for everyone who signs in, `staff` and
`city_pages` for the staff console (English and French: `staff_texts`, `city_texts`).

`routers` lists them for `__main__.py`."""

from services.registration.web import city_pages, public, sign_in, staff

routers = [public.router, sign_in.router, staff.router, city_pages.router]
