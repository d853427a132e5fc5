from binlint.cli import main

raise SystemExit(main())
