"""Pictures of the field: topic maps, trends, rising categories and author pages."""
