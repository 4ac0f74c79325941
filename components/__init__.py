"""Settings, endpoint catalog and Pulumi components of private-eks."""
