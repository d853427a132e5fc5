"""A mutation fuzzer for binlint's readers: see fuzz/run.py and docs/robustness.md."""
