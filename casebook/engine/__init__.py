"""The engine: execution, kernels, cache, audit trail, site build, publishing and verification."""
