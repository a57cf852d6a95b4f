"""The `helpline` command: `helpline start`, `helpline ingest-email`, … .

Each sub-command is a Django management command of the same name with
underscores (`helpline fetch-mail` runs `fetch_mail`); Django's own commands
(migrate, createsuperuser, shell) work too; Django's `check` is
`helpline django-check`, because `helpline check` checks the setup.
"""

import os
import sys

# Sub-commands whose management command has another name.
ALIASES = {"check": "check_setup", "django-check": "check"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    from django.core.management import execute_from_command_line

    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = ALIASES.get(argv[1], argv[1].replace("-", "_"))
    execute_from_command_line(["helpline", *argv[1:]])


if __name__ == "__main__":
    main()
