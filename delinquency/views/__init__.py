"""HTML views, split by who uses them."""
