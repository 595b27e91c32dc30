"""The tables and the pure rules: models and their vocabulary, lifecycle, RAG, refs, assignment,
policy. Imports only ``common``."""
