"""The `helpline` command: `helpline start`, `helpline ingest-email`, … .

Each sub-command is a Django management command of the same name with
underscores (`helpline fetch-mail` runs `fetch_mail`); Django's own commands
(migrate, createsuperuser, shell) work too; Django's `check` is
`helpline django-check`, because `helpline check` checks the setup.

`helpline --help` lists Helpline's own commands, one line each; Django's many
internals (flush, sqlflush, startproject, …) would bury them, so they are listed
only by `helpline help --all`.
"""

import os
import sys

# Sub-commands whose management command has another name.
ALIASES = {"check": "check_setup", "django-check": "check"}
HELP = ([], ["help"], ["--help"], ["-h"])
DJANGO_ALSO = (
    "Django's commands work too: helpline migrate, createsuperuser, changepassword, shell, "
    "dbshell, django-check (Django's own check); `helpline help --all` lists every one."
)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    from django.core.management import ManagementUtility, execute_from_command_line

    if argv[1:] in HELP:
        sys.stdout.write(helpline_help())
        return
    if argv[1:] == ["help", "--all"]:
        sys.stdout.write(ManagementUtility(["helpline"]).main_help_text() + "\n")
        return
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = ALIASES.get(argv[1], argv[1].replace("-", "_"))
    execute_from_command_line(["helpline", *argv[1:]])


def helpline_help() -> str:
    """Helpline's own commands (those of its apps), each with the first sentence of its help."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    shown_as = {command: name for name, command in ALIASES.items()}
    rows = []
    for command, app in get_commands().items():
        if app.split(".")[0] != "helpline":
            continue
        name = shown_as.get(command, command.replace("_", "-"))
        rows.append((name, summary(load_command_class(app, command).help)))
    width = max(len(name) for name, _ in rows)
    lines = [
        "Usage: helpline COMMAND [options]   (helpline COMMAND --help for its options)",
        "",
        "Commands:",
        *(f"  {name:<{width}}  {text}" for name, text in sorted(rows)),
        "",
        DJANGO_ALSO,
    ]
    return "\n".join(lines) + "\n"


def summary(help_text: str) -> str:
    """The first sentence of a command's help, on one line."""
    text = " ".join(help_text.split())
    first, dot, _ = text.partition(". ")
    return first + dot.strip()


if __name__ == "__main__":
    main()
