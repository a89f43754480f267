"""The domain: the catalogue, regions, periods and marks, units, errors, settings."""
