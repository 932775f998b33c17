"""Registration's server-rendered pages (jinja2, templates/ beside them): `public` for applicants and
focal points in their language (`texts`, `errors`), `staff` for the staff (English)."""
