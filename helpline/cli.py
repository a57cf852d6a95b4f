"""The `helpline` command: `helpline start`, `helpline ingest-email`, … .

Each sub-command is a Django management command of the same name with
underscores (`helpline fetch-mail` runs `fetch_mail`); Django's own commands
(migrate, createsuperuser, shell) work too.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    from django.core.management import execute_from_command_line

    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(["helpline", *argv[1:]])


if __name__ == "__main__":
    main()
