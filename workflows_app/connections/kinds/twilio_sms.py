"""SMS through Twilio's Messages API."""

from engine.types import URL, Phone, String
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds

TWILIO_API = "https://api.twilio.com"


@connection_kinds.register
class TwilioSms(ConnectionKind):
    """A Twilio account sending SMS from one of its numbers (`sms.send`)."""

    key = "twilio_sms"
    label = "SMS (Twilio)"
    description = "Sends text messages with Twilio's Messages API."
    settings = (
        Setting("account_sid", String(), "Account SID", help="AC... from the Twilio console."),
        Setting("auth_token", String(), "Auth token", secret=True),
        Setting("from_number", Phone(), "From number",
                help="Your Twilio number in international form, e.g. +15017122661."),
        Setting("api_url", URL(), "API address", required=False, default=TWILIO_API,
                help="Leave as is; change only to test against a local stand-in."),
    )
