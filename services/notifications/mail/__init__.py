"""The outgoing-mail adapter, as `storage/` is the database adapter: email templates (`templates/`)
and their sample data (`samples`), rendering in the recipient's language (`rendering`), the MIME
message (`message`) and the SMTP sender (`smtp`). Nothing here decides who gets what."""
