import sys

from smk.cli import main

sys.exit(main())
