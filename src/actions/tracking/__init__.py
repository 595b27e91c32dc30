"""Actions and people in a session: updates and reviews, audit records, history, read queries,
portal links. Imports only ``common``, ``domain`` and ``store``."""
