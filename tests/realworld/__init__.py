"""The real-world suite: binlint against auditwheel, delocate and the system on real files."""
