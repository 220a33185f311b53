"""The desk (`/espace/...`): the pages of the people who triage requests, for a signed-in staff member."""
