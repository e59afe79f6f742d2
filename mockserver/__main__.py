"""`python -m mockserver` is `mockserver`."""

import sys

from mockserver.cli import main

sys.exit(main())
