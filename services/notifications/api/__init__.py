"""JSON HTTP API of notifications for staff and ops (`deliveries`) and its gauge on /metrics (`metrics`)."""
