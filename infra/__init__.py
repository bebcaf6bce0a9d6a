"""The mlops-platform Pulumi program, its stack-config schema, the offline plan and the CLI."""
