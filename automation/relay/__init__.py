"""The runner's end of the Kubernetes API relay (docs/architecture.md §11): ``invoke`` (the Lambda
invocation), ``local`` (the HTTPS endpoint on 127.0.0.1 that kubectl, helm and the stack's
Kubernetes provider talk to) with its certificate from ``tls``, ``kubeconfig`` (the file that
points at it) and ``target`` (a deployed stack's relay, from its outputs)."""
