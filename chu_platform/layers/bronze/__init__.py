"""Bronze layer: files and care-DB tables as received, with lineage and rejects."""
