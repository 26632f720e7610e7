from leadform.cli import main

raise SystemExit(main())
