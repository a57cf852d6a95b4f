"""What a page's template reads of a form that was not posted or not refused: nothing, fast."""


class Blank(dict):
    """A mapping whose missing keys are all the empty `BLANK`: false, and printed as nothing.

    The conversation page asks eighty-odd such questions of forms that had no error and no
    input (`errors.reply.field`, `typed.callback.due_at`). Asked of a plain dict, each made
    Django's template engine raise and catch two exceptions and list the object's attributes
    (dir) before giving up: about a millisecond of every page view in all.
    """

    def __missing__(self, key):
        return BLANK

    def __str__(self):
        return ""

    def __setitem__(self, key, value):
        if self is BLANK:
            raise TypeError("BLANK is shared and stays empty")
        super().__setitem__(key, value)


BLANK = Blank()
