"""The chat channel: a widget on the customer's website, visitors, routing to agents."""
