"""Fault trials: bench/load.py with services killed (SIGKILL) during the load.

    .venv/bin/python bench/faults.py                    # 100 kills in a 5-minute load
    .venv/bin/python bench/faults.py --faults 20 --minutes 1

Any other option of bench/load.py may follow. Prints load.py's JSON; its "counts" say
what was lost or doubled against what was sent (targets: 0 and 0).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import main  # noqa: E402

if __name__ == "__main__":
    main(["--minutes", "5", "--faults", "100", *sys.argv[1:]])
