"""JSON HTTP API of notifications for staff and ops (`deliveries`), the signed bounce webhook (`bounces`),
and its gauge on /metrics (`metrics`)."""
