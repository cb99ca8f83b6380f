"""Server-rendered pages: the counter (/counter) and the resident's own pages (/me)."""
