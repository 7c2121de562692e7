"""Sales hand-off rules without Temporal or a database: business hours, owner choice,
nurture content. Activities and workflows call these; tests call them directly."""
