"""The demo command, each test on a database of its own (no demo loaded beforehand)."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from helpline.conversations.models import Conversation
from helpline.demo.load import DEMO_PASSWORD

HELPLINE = str(Path(sys.executable).with_name("helpline"))


def test_the_command_prints_the_agents_and_does_nothing_the_second_time(db):
    out = StringIO()
    call_command("demo", customers=10, conversations=20, stdout=out)
    assert "Demo loaded" in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
    again = StringIO()
    call_command("demo", customers=10, conversations=20, stdout=again)
    assert "already loaded" in again.getvalue()
    assert Conversation.objects.count() == 20


def test_the_same_seed_gives_the_same_data(tmp_path):
    def generate(folder: Path) -> str:
        env = {"HELPLINE_DATA_DIR": str(folder), "PATH": "/usr/bin:/bin"}
        run = [HELPLINE]
        subprocess.run([*run, "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [*run, "demo", "--customers", "15", "--conversations", "30", "--seed", "5"],
            env=env,
            check=True,
            capture_output=True,
        )
        dump = (
            "from helpline.conversations.models import Message as M; "
            "print([(m.conversation.customer.name, m.text) for m in M.objects.order_by('id')])"
        )
        result = subprocess.run(
            [*run, "shell", "-c", dump], env=env, check=True, capture_output=True, text=True
        )
        return result.stdout

    first, second = generate(tmp_path / "a"), generate(tmp_path / "b")
    assert first == second
    assert "Hello" in first or "Hola" in first or "Guten" in first
