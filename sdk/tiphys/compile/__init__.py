"""tiphys.compile."""
