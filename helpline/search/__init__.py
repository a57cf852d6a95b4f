"""Full-text search over conversations and customers; see `helpline.search.search`."""
