"""The local stack: local AppSync, local AWS, demo data, `ugc dev`."""
