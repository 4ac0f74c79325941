"""IAM for the cluster: the roles made for it and its nodes, eksctl's well-known policy sets, and the
IAM roles for service accounts. Kept free of imports: each module is imported by name."""
