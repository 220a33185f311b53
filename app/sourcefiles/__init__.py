"""Reading and writing the files the service is built from, whatever they describe.

Located YAML (catalogue, TI perimeters: every value keeps its `file:line`) and the committed JSON
data files rebuilt from npm packages (geography, NAF), and the web assets copied from npm packages
(DSFR, Swagger UI: `web_assets`). A neutral home, so that the catalogue,
the territory and the company packages share this plumbing without importing one another.
"""
