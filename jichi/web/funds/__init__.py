"""The political-funds authority's app: filers file, the authority receives and publishes."""
