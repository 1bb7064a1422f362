"""Bulk import and export of the registry: CSV and JSON files, and ROR data dumps."""
