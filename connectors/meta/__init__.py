"""Meta platforms: WhatsApp Cloud API and Messenger, over one shared webhook module."""
