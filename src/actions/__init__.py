"""Inspection actions: findings from inspection reports, tracked to done."""
