"""Callbacks: the customers someone has to call back, and what became of each try.

A call nobody took (missed, abandoned, a voicemail) puts a callback on the worklist, due
at the location's next opening; an agent's unanswered try moves it on by the back-off
(settings.HELPLINE_CALLBACK_BACKOFF). Hearing from the customer on any channel closes it.
"""
