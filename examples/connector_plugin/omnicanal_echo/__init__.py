"""An echo-style Omnicanal channel, written as any third party would write one."""

from omnicanal_echo.connector import EchoConnector, EchoSettings

__all__ = ["EchoConnector", "EchoSettings"]
