"""tiphys.lint."""
