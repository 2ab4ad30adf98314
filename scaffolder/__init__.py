"""bcb-scaffold: wires BestChatBot visitor identity into web apps by static analysis."""

__version__ = "0.1.0"
