"""The Kubernetes API relay: a function inside the VPC that carries one Kubernetes API request at a
time to its own cluster's private endpoint, so nothing outside the VPC needs public access
(docs/architecture.md §11). ``protocol`` is what both ends agree on; ``handler`` is the function's
own source; ``function`` declares it in the stack."""
