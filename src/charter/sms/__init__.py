"""Text messages: one sender interface, an HTTP gateway and a local stand-in."""
