"""The desk in real time: events of the bus pushed to the agents' open sockets.

`handlers.py` listens to the conversation events on commit (best effort, in the process
that published them) and `push.py` sends each to the channel layer's groups of the event's
location; `consumers.py` holds the sockets, each of which joins the groups of what its
person may see. A push carries ids and small fields; the page fetches rendered rows over
HTTP, so that who sees what stays decided in `helpline.access` alone.
"""
