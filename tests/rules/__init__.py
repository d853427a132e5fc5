"""The rule tables, one per fact group: which built-in rule fires on which fixture (table.py
says how to add rows)."""
