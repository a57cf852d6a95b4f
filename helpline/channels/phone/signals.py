"""Events of the phone channel, sent only after the transaction that stored the call commits."""

from django.dispatch import Signal

# A call nobody took (missed, abandoned, or a voicemail) was recorded for the first time,
# or one stored as missed or abandoned turned out to have left a voicemail.
# kwargs: message (the stored Message), event (the calls.CallEvent). Sent for both
# directions: an outbound call nobody answered may need trying again just as well.
call_recorded = Signal()
