from binlint.cli import entry

entry()
