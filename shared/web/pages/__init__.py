"""People's pages of every service: one layout, one stylesheet, one navigation bar, one sign-in guard.

Each service renders its own pages with a `Pages` (rendering.py) built on its own templates and staff
catalogue; they extend `templates/layout.html` from here, so that a page of scheduling looks and
navigates like a page of registration. The words of the layout itself (navigation, sign-out, error
pages) are in this package's `pages` catalogue (locales/), merged under each service's.

- viewer.py: whose language and timezone a page is in;
- texts.py: gettext plus Babel dates, numbers and plurals for one viewer;
- navigation.py: the console's navigation bar, the one list of its places;
- rendering.py: `Pages`, a service's templates rendered with the layout, CSRF token and navigation;
- guard.py: `StaffPage(...)`, a signed-in staff member or the sign-in page, the 403 page; the error
  pages a browser gets (404, 422, 500...), in the viewer's language (every EU language);
- forms.py: the posted form and its CSRF check;
- assets.py: `/assets/pactesur.css`, served by every service.
"""
