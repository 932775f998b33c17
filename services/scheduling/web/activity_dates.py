"""How a page writes an activity's dates, one wording for the staff, portal and participant pages (this
module is extracted into each of their catalogues: staff-, portal- and participant-babel.cfg)."""

from __future__ import annotations

from shared.web.pages.texts import N_

TO_BE_CONFIRMED = N_("To be confirmed (%(period)s)")
"""An activity known only to the month or season: the months it may fall in ('June – August 2025')."""
