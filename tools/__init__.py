"""Operator tools: the `aftersales` command, the whole-system launcher and the demo data.

No service imports this package; it talks to the services as any client would."""
