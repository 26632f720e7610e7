"""The records every layer shares: a lead in each state, its filters, the submission
limits, origins, notification targets and who reads leads. Pure: no HTTP, no SQL."""
