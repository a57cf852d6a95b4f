import pytest
from django.template import Context, Template

from helpline.desk.blank import BLANK, Blank


def test_a_form_nobody_posted_reads_as_nothing_at_any_depth():
    template = Template(
        "[{{ typed.reply.text }}]{% if errors.reply %}error{% endif %}"
        "{% if errors.reply.field == 'text' %}text{% endif %}"
        "{{ typed.reply.mailbox|default:'none' }}"
    )
    assert template.render(Context({"typed": Blank(), "errors": Blank()})) == "[]none"


def test_what_was_posted_still_shows():
    template = Template("{{ typed.reply.text }}|{{ errors.reply }}")
    context = {"typed": Blank({"reply": {"text": "Hello"}}), "errors": Blank({"reply": "Too long"})}
    assert Template.render(template, Context(context)) == "Hello|Too long"


def test_the_shared_blank_cannot_be_filled():
    with pytest.raises(TypeError):
        BLANK["reply"] = "x"
    assert BLANK == {}
