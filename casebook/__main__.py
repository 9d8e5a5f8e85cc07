from casebook.cli import main

raise SystemExit(main())
