"""``python -m codelint`` entry point."""

import sys

from codelint.cli import main

sys.exit(main())
