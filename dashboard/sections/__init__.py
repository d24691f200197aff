"""A page's longer parts, one module per page (views/training.py -> sections/training.py, ...): the page script
keeps its order and its words; a section here draws one part of it."""
