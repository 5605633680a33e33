"""The schedule stage: build a rota with CP-SAT (``patterns`` holds the shared day-level rules)."""
