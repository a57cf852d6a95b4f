# Day before month and a 24-hour clock, which read the same on both sides of the Atlantic,
# rather than Django's American "Dec. 4, 2026, 2:30 p.m.".
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
