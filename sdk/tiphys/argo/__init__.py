"""tiphys.argo."""
