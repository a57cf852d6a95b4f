"""No models: the search indexes are database objects made by the migration (see backends)."""
