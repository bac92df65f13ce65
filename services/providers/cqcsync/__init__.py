"""Keeping the registry current from the CQC syndication API: the locations changed between two
moments (`/changes/location`), each read (`/locations/{id}`) and imported exactly as a posted CQC
document is (`imports.service.import_locations`), so new ratings, deregistrations and new locations
emit the usual events. A periodic job (when `PROVIDERS_CQC_API_KEY` is set) and `cli sync --since`."""
