"""The runner's end of the Kubernetes API relay: invoking the function, the local endpoint on
127.0.0.1 that kubectl, helm and the stack's Kubernetes provider talk to, and its kubeconfig
(docs/architecture.md §11)."""
