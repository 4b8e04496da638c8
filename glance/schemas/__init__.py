"""JSON Schemas of the Images API: served under /v2/schemas and used to
validate requests. Data only."""
