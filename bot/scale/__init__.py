"""Running many processes against one Redis: web processes record, workers run turns."""
