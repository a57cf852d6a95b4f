"""The phone channel: call events from a phone system, recorded as messages.

`calls.record_call` is the entry; the REST API's /api/calls webhooks (helpline.api.calls)
feed it from a provider-neutral JSON body or from Twilio's status callback.
"""
