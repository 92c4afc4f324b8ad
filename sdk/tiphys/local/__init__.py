"""tiphys.local."""
