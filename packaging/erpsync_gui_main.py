"""The frozen app's entry script: `erpsync-gui` as the console script would run it."""

import sys

from erpsync_gui.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
