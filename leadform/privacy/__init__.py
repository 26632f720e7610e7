"""The clinic's duties over personal data: erasure, retention, access requests and the
marketing opt-out. Commands and the admin page call these; no HTTP here."""
