"""What the email channel does when a message arrives: confirm receipt to people."""

from django.dispatch import receiver

from helpline.conversations.events import message_received


@receiver(message_received)
def acknowledge_new_conversation(sender, message, new_conversation, **kwargs):
    if new_conversation:
        from helpline.channels.email.acknowledge import acknowledge

        acknowledge(message)
