"""Survey's use cases, each ``(ctx, session, *, ...)``: cards, answers, scores."""
