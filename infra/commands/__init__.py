"""Sub-commands of the `mlops-platform` CLI."""
