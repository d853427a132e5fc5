"""binlint's exit codes: 0 nothing at or above --fail-on, 1 findings, 2 an error."""

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
