"""SMS through Twilio's Messages API."""

from workflows_app.connections.kinds.base import connection_kinds
from workflows_app.connections.kinds.twilio_account import TwilioAccount, account_settings


@connection_kinds.register
class TwilioSms(TwilioAccount):
    """A Twilio account sending SMS from one of its numbers (`sms.send`)."""

    key = "twilio_sms"
    label = "SMS (Twilio)"
    description = "Sends text messages with Twilio's Messages API."
    settings = account_settings("From number",
                                "Your Twilio number in international form, e.g. +15017122661.")
