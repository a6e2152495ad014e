"""Processing provider ``liangwei`` and its algorithms (thin wrappers over the core)."""
