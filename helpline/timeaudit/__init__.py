"""Where the time goes: each agent's working time as entries (calls, visits, replies,
appointments, meetings, admin…), each kind customer-impacting or administrative, and the
weekly figures a team decides from what to stop doing."""
