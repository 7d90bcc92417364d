"""One customer across channels: one-time link codes, vouched phone numbers, merging."""
