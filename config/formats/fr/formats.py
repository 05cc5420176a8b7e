# Dates as the forum shows them in French: "14 mars 2026, 21:05" (N gives the
# French abbreviations: "jan.", "fév.", "mars", "juin", "juil."...).
DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
MONTH_DAY_FORMAT = "j N"
YEAR_MONTH_FORMAT = "F Y"
