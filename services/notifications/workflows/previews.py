"""Template previews for staff: any email template in any language, with the sample data."""

from __future__ import annotations

from services.notifications.mail.rendering import RenderedEmail, email_templates, render
from services.notifications.mail.samples import sample_context
from shared.refusals import NotFound

SAMPLE_UNSUBSCRIBE_URL = "https://example.org/unsubscribe"


def preview(template: str, language: str) -> RenderedEmail:
    """The email as `template` renders it in `language` (after the fallback chain), with an example
    unsubscribe link; NotFound for a template that does not exist."""
    if template not in email_templates():
        raise NotFound(f"template {template}")
    return render(template, language, sample_context(template), unsubscribe_url=SAMPLE_UNSUBSCRIBE_URL)
