"""Reading reports: ``extract`` (files → findings, no database) and ``ingest`` (findings →
an inspection and its actions, repeats of the last inspection linked)."""
