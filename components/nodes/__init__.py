"""The cluster's capacity: node groups (managed and self-managed) with their user data, SSH, security
groups and mixed instances, and Fargate profiles. Kept free of imports: each module is imported by name."""
