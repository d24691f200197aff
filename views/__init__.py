"""The pages, one folder each: the page script (page.py) and the parts only that page uses."""
