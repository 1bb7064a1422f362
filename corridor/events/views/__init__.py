"""HTML pages of events, one module per part: events, sessions, registrations, participants,
requests, schedule (agendas, PDF, calendars and exports: ``views_agendas``)."""
