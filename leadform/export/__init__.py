"""Leads out as files: CSV/XLSX cell formats and the export job (keyset chunks, audit)."""
