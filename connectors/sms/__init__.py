"""SMS through Twilio (``connectors.sms`` in config.yaml; ``pip install 'omnicanal[sms]'``).

Small modules: ``settings`` (the config section), ``signature`` (X-Twilio-Signature, with
the twilio package's validator), ``parse`` (webhook fields → messages and statuses),
``segments`` (GSM-7 and UCS-2 segments, long texts into messages), ``api`` (the Messages
API and its errors), ``webhook`` (the two routes) and ``connector`` (the channel).
"""
