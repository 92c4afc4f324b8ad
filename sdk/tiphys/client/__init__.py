"""tiphys.client."""
