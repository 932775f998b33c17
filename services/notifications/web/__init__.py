"""Pages of notifications for recipients: the unsubscribe page (`unsubscribe`, `templates/`)."""
